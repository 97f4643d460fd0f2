import { JobState, type JobRecord, type ResourceObject } from "@provisionkit/core";
import {
  ANNOTATION_APPLIED_CONFIG_VERSION,
  ANNOTATION_APPLIED_CORRELATION_ID,
  ANNOTATION_PLAYBOOK_FAILURE,
  EdaClient,
  EdaProvider,
  FINALIZER_AAP,
} from "@provisionkit/provider-eda";
import { ScriptedHttpServer, respond } from "@provisionkit/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkProperty,
  fuzzTimeoutMs,
  describeError,
  HeapGauge,
  hostileArb,
  outcomeOf,
  Tally,
  wrongValueArb,
  writeHostile,
  type CallOutcome,
  type Hostile,
} from "./hostile.ts";

// Fuzz tier (issue 16): EdaClient and EdaProvider against a hostile EDA webhook (the hostile
// answers of hostile.ts over a webhook that would answer 200) and hostile resources (garbage
// spec, annotations, finalizers, status, job ids). Every call ends in a typed error or a
// documented result within its bound; never an untyped error, an unhandled rejection or a
// hang; no request follows a redirect to the other origin; the heap stays bounded.

const TOKEN = "fuzz-SECRET-eda-token-0123456789";
const TIMEOUT_MS = 120;
const BOUND_MS = TIMEOUT_MS * 4 + 3_000;

let webhook: ScriptedHttpServer;
let elsewhere: ScriptedHttpServer;
let script: Hostile[] = [];
let served = 0;
const heap = new HeapGauge();

beforeAll(async () => {
  elsewhere = await ScriptedHttpServer.start();
  webhook = await ScriptedHttpServer.start();
  webhook.otherwise(
    respond(() => (request, response) => {
      const hostile = script[Math.min(served, script.length - 1)] ?? { kind: "pass" };
      served++;
      // An EDA webhook source confirms an event with its endpoint path as text (see
      // packages/provider-eda's client): the answer the hostile one starts from.
      const confirmation = {
        status: 200,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: request.path.slice(1),
      };
      writeHostile(hostile, confirmation, response, elsewhere.url);
    }),
  );
});

afterAll(async () => {
  await webhook?.close();
  await elsewhere?.close();
});

function failUnlessTyped(outcome: CallOutcome, what: string): void {
  if (outcome.kind === "untyped")
    throw new Error(`${what}: untyped error\n${describeError(outcome.error)}`);
  if (outcome.kind === "hang") throw new Error(`${what}: no answer within ${BOUND_MS} ms`);
}

const options = () => ({
  target: { type: "webhook" as const, url: webhook.url },
  auth: { type: "bearer" as const, token: TOKEN },
  requestTimeoutMs: TIMEOUT_MS,
});

/**
 * Deep payloads, as a hostile spec could make them (JSON nested 100–20,000 deep). The value
 * prints as its description: fast-check prints a failing case with a recursive stringify.
 */
const deepArb = fc.integer({ min: 100, max: 20_000 }).map((depth) => {
  let value: Record<string | symbol, unknown> = { a: "leaf" };
  for (let i = 1; i < depth; i++) value = { a: value };
  Object.defineProperty(value, fc.toStringMethod, { value: () => `<object nested ${depth} deep>` });
  return value;
});

const payloadArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: deepArb },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 2 }).map((mib) => ({ blob: "x".repeat(mib * 2 ** 20) })),
  },
);

const annotationValueArb = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom("", "v1", "corr-1", "true", "false", "{", "null", "x".repeat(70_000)),
);

const resourceArb = fc.record({
  spec: payloadArb,
  annotations: fc.dictionary(
    fc.constantFrom(
      ANNOTATION_APPLIED_CONFIG_VERSION,
      ANNOTATION_APPLIED_CORRELATION_ID,
      ANNOTATION_PLAYBOOK_FAILURE,
      "provisionkit.io/other",
    ),
    annotationValueArb,
  ),
  finalizers: fc.array(fc.constantFrom(FINALIZER_AAP, "other/finalizer", ""), { maxLength: 3 }),
  status: wrongValueArb,
  deleting: fc.boolean(),
});

describe("fuzz: EDA client and provider against a hostile webhook and hostile resources", () => {
  it(
    "every EdaClient.send ends in a typed error or a value, within its bound",
    async () => {
      const client = new EdaClient(options());
      const tally = new Tally();
      const { runs, ms } = await checkProperty(
        "EdaClient",
        fc.asyncProperty(
          fc.array(hostileArb, { minLength: 1, maxLength: 3 }),
          payloadArb,
          fc.constantFrom<"provision" | "deprovision">("provision", "deprovision"),
          async (hostile, payload, operation) => {
            script = hostile;
            served = 0;
            // The scripted server records every request (bodies up to 2 MiB here): forget them,
            // or the heap measures the recorder instead of the client.
            webhook.requests.length = 0;
            const outcome = await outcomeOf(
              () =>
                client.send({ kind: "ComputeInstance", operation, payload, correlationId: "c-1" }),
              BOUND_MS,
            );
            tally.add(outcome);
            heap.sample();
            failUnlessTyped(outcome, `send with ${JSON.stringify(hostile).slice(0, 300)}`);
          },
        ),
        300,
      );
      console.info(
        `fuzz EdaClient: ${runs} cases in ${ms} ms; outcomes ${tally.summary()}; heap baseline ${heap.baselineMiB} MiB, peak ${heap.peakMiB} MiB`,
      );
      expect(elsewhere.requests).toEqual([]);
      // What the cases left behind once collected: bounded, whatever the number of cases.
      const retained = heap.retainedMiB();
      console.info(`fuzz heap retained after collection: ${retained} MiB`);
      expect(retained).toBeLessThan(64);
    },
    fuzzTimeoutMs(300, 500),
  );

  it(
    "every EdaProvider call on a hostile resource ends in a typed error or a documented result",
    async () => {
      const provider = new EdaProvider(options());
      const tally = new Tally();
      let n = 0;
      const { runs, ms } = await checkProperty(
        "EdaProvider",
        fc.asyncProperty(
          fc.array(hostileArb, { minLength: 1, maxLength: 4 }),
          resourceArb,
          fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("eda:corr-1", "", "job:1")),
          async (hostile, shape, strayJobId) => {
            script = hostile;
            served = 0;
            // The scripted server records every request (bodies up to 2 MiB here): forget them,
            // or the heap measures the recorder instead of the client.
            webhook.requests.length = 0;
            n++;
            const resource = {
              apiVersion: "example.com/v1",
              kind: "ComputeInstance",
              metadata: {
                name: `vm-${n}`,
                namespace: "fuzz",
                uid: `uid-${n}`,
                generation: 1,
                annotations: shape.annotations,
                finalizers: shape.finalizers,
                ...(shape.deleting ? { deletionTimestamp: new Date(0).toISOString() } : {}),
              },
              spec: shape.spec,
              status: shape.status,
            } as ResourceObject;
            const signal = AbortSignal.timeout(BOUND_MS * 4);
            const correlationId = `corr-${n}`;
            const launched = await outcomeOf(
              () =>
                provider.triggerProvision(resource, { configVersion: "v1", correlationId, signal }),
              BOUND_MS,
            );
            tally.add(launched);
            failUnlessTyped(launched, "triggerProvision");
            const jobId =
              launched.kind === "value"
                ? String((launched.value as { jobId: unknown }).jobId)
                : strayJobId;
            for (const read of [
              () => provider.getProvisionStatus(resource, jobId, { signal }),
              () => provider.getProvisionStatus(resource, strayJobId, { signal }),
            ]) {
              const status = await outcomeOf(read, BOUND_MS);
              tally.add(status);
              failUnlessTyped(status, `getProvisionStatus ${jobId}`);
              if (status.kind === "value")
                expect(Object.values(JobState)).toContain(
                  (status.value as { state: unknown }).state,
                );
            }
            const record: JobRecord = {
              jobId,
              type: "provision",
              state: JobState.Succeeded,
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
              BOUND_MS,
            );
            tally.add(deprovision);
            failUnlessTyped(deprovision, "triggerDeprovision");
            if (deprovision.kind === "value") {
              expect(["triggered", "waiting", "skipped"]).toContain(
                (deprovision.value as { action: unknown }).action,
              );
              const id = (deprovision.value as { jobId?: string }).jobId;
              const status = await outcomeOf(
                () => provider.getDeprovisionStatus(resource, id ?? strayJobId, { signal }),
                BOUND_MS,
              );
              tally.add(status);
              failUnlessTyped(status, "getDeprovisionStatus");
            }
            heap.sample();
          },
        ),
        120,
      );
      console.info(
        `fuzz EdaProvider: ${runs} lifecycles (${tally.calls} calls) in ${ms} ms; outcomes ${tally.summary()}; heap peak ${heap.peakMiB} MiB`,
      );
      expect(elsewhere.requests).toEqual([]);
      // What the cases left behind once collected: bounded, whatever the number of cases.
      const retained = heap.retainedMiB();
      console.info(`fuzz heap retained after collection: ${retained} MiB`);
      expect(retained).toBeLessThan(64);
    },
    fuzzTimeoutMs(120, 2000),
  );
});
