import { JobState, type JobRecord, type ResourceObject } from "@provisionkit/core";
import { AapClient, AapProvider } from "@provisionkit/provider-aap";
import { AapSimulator, ScriptedHttpServer } from "@provisionkit/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkProperty,
  fuzzTimeoutMs,
  describeError,
  HeapGauge,
  hostileArb,
  HostileProxy,
  outcomeOf,
  Tally,
  type CallOutcome,
} from "./hostile.ts";

// Fuzz tier (issue 16): AapClient and AapProvider against a hostile AAP — the AAP simulator
// behind a proxy that corrupts its answers (wrong types, missing fields, unknown statuses,
// huge, deep, HTML and truncated bodies, redirects to another origin, resets, hangs, slow
// bodies, absurd Retry-After). Every call must end in a typed error (isProviderError) or a
// value within its bound; never an untyped error, an unhandled rejection or a hang; no request
// may follow a redirect to the other origin; the heap stays bounded.
// More cases: `pnpm fuzz -- --runs 20000 --seed 7` (or FUZZ_RUNS / FUZZ_SEED).

const TOKEN = "fuzz-SECRET-token-0123456789";
const TIMEOUT_MS = 120;
const RETRIES = 1;
/** A call's bound: every attempt may time out, plus slack for a loaded machine. */
const BOUND_MS = TIMEOUT_MS * (RETRIES + 1) * 2 + 3_000;

let sim: AapSimulator;
let proxyServer: ScriptedHttpServer;
let elsewhere: ScriptedHttpServer;
let proxy: HostileProxy;
const heap = new HeapGauge();

beforeAll(async () => {
  sim = new AapSimulator({ auth: { tokens: [{ token: TOKEN, scope: "write" }] } });
  sim.addJobTemplate({ name: "create-compute-instance", allowSimultaneous: true });
  sim.addJobTemplate({ name: "delete-compute-instance", allowSimultaneous: true });
  const upstream = await sim.start();
  elsewhere = await ScriptedHttpServer.start();
  proxyServer = await ScriptedHttpServer.start();
  proxy = new HostileProxy(upstream, elsewhere.url);
  proxyServer.otherwise(proxy.reply);
});

afterAll(async () => {
  await proxyServer?.close();
  await elsewhere?.close();
  await sim?.stop();
});

const clientOptions = () => ({
  url: `${proxyServer.url}/api/v2/`,
  auth: { type: "bearer" as const, token: TOKEN },
  timeoutMs: TIMEOUT_MS,
  retry: { retries: RETRIES, initialDelayMs: 1, maxDelayMs: 5 },
  sleep: () => Promise.resolve(),
});

function failUnlessTyped(outcome: CallOutcome, what: string): void {
  if (outcome.kind === "untyped")
    throw new Error(`${what}: untyped error\n${describeError(outcome.error)}`);
  if (outcome.kind === "hang") throw new Error(`${what}: no answer within ${BOUND_MS} ms`);
}

const idArb = fc.oneof(
  fc.integer({ min: 1, max: 5 }),
  fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, Number.NaN),
);

type ClientCall = (client: AapClient) => Promise<unknown>;

const clientCallArb: fc.Arbitrary<[string, ClientCall]> = fc.oneof(
  idArb.map((id): [string, ClientCall] => [`getJob ${id}`, (c) => c.getJob({ kind: "job", id })]),
  idArb.map((id): [string, ClientCall] => [
    `getJob workflow ${id}`,
    (c) => c.getJob({ kind: "workflow_job", id }),
  ]),
  idArb.map((id): [string, ClientCall] => [
    `cancelJob ${id}`,
    (c) => c.cancelJob({ kind: "job", id }),
  ]),
  fc.constant<[string, ClientCall]>([
    "launch",
    (c) => c.launch({ kind: "job_template", id: 1 }, { extra_vars: { a: 1 } }),
  ]),
  fc.constant<[string, ClientCall]>(["ping", (c) => c.ping()]),
  fc.constant<[string, ClientCall]>([
    "findTemplate",
    (c) => c.findTemplate("create-compute-instance", undefined),
  ]),
  fc.constant<[string, ClientCall]>([
    "listJobs",
    (c) => c.listJobs("job", { status: "running" }, { maxPages: 3 }),
  ]),
);

describe("fuzz: AAP client and provider against a hostile AAP", () => {
  it(
    "every AapClient call ends in a typed error or a value, within its bound",
    async () => {
      const client = new AapClient(clientOptions());
      const tally = new Tally();
      const { runs, ms } = await checkProperty(
        "AapClient",
        fc.asyncProperty(
          clientCallArb,
          fc.array(hostileArb, { minLength: 1, maxLength: 4 }),
          async ([what, call], script) => {
            proxy.reset(script);
            proxyServer.requests.length = 0;
            const outcome = await outcomeOf(() => call(client), BOUND_MS);
            tally.add(outcome);
            heap.sample();
            failUnlessTyped(outcome, `${what} with ${JSON.stringify(script).slice(0, 300)}`);
          },
        ),
        600,
      );
      console.info(
        `fuzz AapClient: ${runs} cases in ${ms} ms; outcomes ${tally.summary()}; heap baseline ${heap.baselineMiB} MiB, peak ${heap.peakMiB} MiB`,
      );
      expect(elsewhere.requests).toEqual([]);
      // What the cases left behind once collected: bounded, whatever the number of cases.
      const retained = heap.retainedMiB();
      console.info(`fuzz heap retained after collection: ${retained} MiB`);
      expect(retained).toBeLessThan(64);
    },
    fuzzTimeoutMs(600, 500),
  );

  it(
    "every AapProvider call of a lifecycle ends in a typed error or a documented result, within its bound",
    async () => {
      const provider = new AapProvider({ client: clientOptions(), launchSettleMs: 0 });
      const tally = new Tally();
      let n = 0;
      const { runs, ms } = await checkProperty(
        "AapProvider",
        fc.asyncProperty(
          fc.array(hostileArb, { minLength: 1, maxLength: 10 }),
          fc.oneof(
            fc.constant(undefined),
            fc.string({ maxLength: 30 }),
            fc.constantFrom("job:1", "job:-1", "workflow_job:2", "jobs/1", "1"),
          ),
          async (script, strayJobId) => {
            proxy.reset(script);
            proxyServer.requests.length = 0;
            const resource: ResourceObject = {
              apiVersion: "example.com/v1",
              kind: "ComputeInstance",
              metadata: { name: `vm-${++n}`, namespace: "fuzz", uid: `uid-${n}`, generation: 1 },
              spec: { cores: 2 },
            };
            const signal = AbortSignal.timeout(BOUND_MS * 4);
            const correlationId = `corr-${n}`;
            const launched = await outcomeOf(
              () =>
                provider.triggerProvision(resource, { configVersion: "v1", correlationId, signal }),
              BOUND_MS * 3,
            );
            tally.add(launched);
            failUnlessTyped(
              launched,
              `triggerProvision with ${JSON.stringify(script).slice(0, 300)}`,
            );
            let jobId = strayJobId ?? "job:1";
            if (launched.kind === "value") {
              const result = launched.value as { jobId: unknown };
              expect(typeof result.jobId).toBe("string");
              jobId = strayJobId ?? String(result.jobId);
            }
            const status = await outcomeOf(
              () => provider.getProvisionStatus(resource, jobId, { signal }),
              BOUND_MS * 3,
            );
            tally.add(status);
            failUnlessTyped(
              status,
              `getProvisionStatus ${jobId} with ${JSON.stringify(script).slice(0, 300)}`,
            );
            if (status.kind === "value") {
              expect(Object.values(JobState)).toContain((status.value as { state: unknown }).state);
            }
            const record: JobRecord = {
              jobId,
              type: "provision",
              state: JobState.Running,
              message: "",
              provider: provider.name,
              correlationId,
              launchedAt: new Date(0).toISOString(),
              updatedAt: new Date(0).toISOString(),
              configVersion: "v1",
              attempt: 1,
            };
            const deprovision = await outcomeOf(
              () =>
                provider.triggerDeprovision(resource, [record], {
                  correlationId: `${correlationId}-d`,
                  signal,
                }),
              BOUND_MS * 4,
            );
            tally.add(deprovision);
            failUnlessTyped(
              deprovision,
              `triggerDeprovision ${jobId} with ${JSON.stringify(script).slice(0, 300)}`,
            );
            if (deprovision.kind === "value") {
              expect(["triggered", "waiting", "skipped"]).toContain(
                (deprovision.value as { action: unknown }).action,
              );
            }
            const found = await outcomeOf(
              () => provider.findJob(resource, { correlationId, type: "provision" }, { signal }),
              BOUND_MS * 4,
            );
            tally.add(found);
            failUnlessTyped(found, `findJob with ${JSON.stringify(script).slice(0, 300)}`);
            heap.sample();
          },
        ),
        120,
      );
      console.info(
        `fuzz AapProvider: ${runs} lifecycles (${tally.calls} calls) in ${ms} ms; outcomes ${tally.summary()}; heap peak ${heap.peakMiB} MiB`,
      );
      expect(elsewhere.requests).toEqual([]);
      // What the cases left behind once collected: bounded, whatever the number of cases.
      const retained = heap.retainedMiB();
      console.info(`fuzz heap retained after collection: ${retained} MiB`);
      expect(retained).toBeLessThan(64);
    },
    fuzzTimeoutMs(120, 3000),
  );
});
