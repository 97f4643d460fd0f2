/**
 * Jobs an EDA rulebook launched for `EdaProvider` events (docs/eda-protocol.md): their extra
 * vars carry the event as `ansible_eda.event.payload`, annotated with the correlation id,
 * operation and config version, and no `provisionkit` extra var. `findJob` and the status
 * calls recognise them with the same matcher and status mapping as the provider's own jobs,
 * which is what `EdaProvider`'s AAP mode delegates to.
 */
import { JobState, configVersion, type ResourceObject } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { AapProvider, type AapJob, type AapProviderOptions } from "../src/index.ts";
import { call, computeInstance, hostPool, startAap, type AapFixture } from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });
const V2 = configVersion({ cores: 4 });
const signal = () => ({ signal: new AbortController().signal });

/** What an EDA event says about itself, as `EdaProvider` annotates it. */
interface Event {
  correlationId: string;
  operation: "provision" | "deprovision";
  configVersion?: string;
  blockDeletionOnFailure?: string;
}

const DEFAULT_NAMES = {
  correlationId: "provisionkit.io/correlation-id",
  operation: "provisionkit.io/operation",
  configVersion: "provisionkit.io/config-version",
  blockDeletionOnFailure: "provisionkit.io/block-deletion-on-failure",
};

/** Launches `template` as ansible-rulebook's `run_job_template` does for an event. */
async function edaLaunch(
  f: AapFixture,
  template: string,
  resource: ResourceObject,
  event: Event,
  names = DEFAULT_NAMES,
): Promise<AapJob> {
  const found = await f.provider.client.findTemplate(template, undefined);
  if (!found) throw new Error(`no template ${template}`);
  const annotations: Record<string, string> = {
    [names.correlationId]: event.correlationId,
    [names.operation]: event.operation,
  };
  if (event.configVersion) annotations[names.configVersion] = event.configVersion;
  if (event.blockDeletionOnFailure) {
    annotations[names.blockDeletionOnFailure] = event.blockDeletionOnFailure;
  }
  const payload = { ...resource, metadata: { ...resource.metadata, annotations } };
  delete payload.status;
  const { job } = await f.provider.client.launch(found, {
    extra_vars: {
      ansible_eda: {
        ruleset: "provisionkit",
        rule: event.operation === "provision" ? "create" : "delete",
        event: { payload, meta: { endpoint: template, uuid: "event-uuid" } },
      },
    },
  });
  return job;
}

async function start(provider: Partial<Omit<AapProviderOptions, "client">> = {}) {
  const fx = await startAap({
    provider,
    templates: (sim) => {
      sim.addJobTemplate({ name: "create-compute-instance", allowSimultaneous: true });
      sim.addJobTemplate({ name: "delete-compute-instance", allowSimultaneous: true });
      sim.addWorkflowTemplate({ name: "create-host-pool" });
      // A node of the workflow: AWX passes the workflow's extra vars on to its jobs.
      sim.addJobTemplate({ name: "host-pool-node", allowSimultaneous: true });
    },
  });
  return fx;
}

const provisionQuery = (correlationId: string) => ({ correlationId, type: "provision" }) as const;

describe("jobs an EDA rulebook launched", () => {
  it("findJob finds one by its event annotations, with the version its event carried", async () => {
    const f = await start();
    const vm = computeInstance("vm-1");
    const job = await edaLaunch(f, "create-compute-instance", vm, {
      correlationId: "corr-eda",
      operation: "provision",
      configVersion: V1,
    });
    const found = await f.provider.findJob(vm, provisionQuery("corr-eda"), signal());
    expect(found).toMatchObject({
      jobId: `job:${job.id}`,
      state: JobState.Pending,
      configVersion: V1,
    });
    expect(found?.reconciledVersion).toBeUndefined();
    f.clock.advance(60_000);
    const status = await f.provider.getProvisionStatus(vm, `job:${job.id}`, signal());
    expect(status).toMatchObject({ state: JobState.Succeeded, reconciledVersion: V1 });
  });

  it("finds the workflow job of a workflow template, never the jobs of its nodes", async () => {
    const f = await start();
    const pool = hostPool("pool-1");
    const event: Event = { correlationId: "corr-wf", operation: "provision", configVersion: V1 };
    const workflow = await edaLaunch(f, "create-host-pool", pool, event);
    // Newer, and carrying the same extra vars: it must not be taken for the launch.
    const node = await edaLaunch(f, "host-pool-node", pool, event);
    expect(node.id).toBeGreaterThan(workflow.id);
    const found = await f.provider.findJob(pool, provisionQuery("corr-wf"), signal());
    expect(found).toMatchObject({ jobId: `workflow_job:${workflow.id}`, configVersion: V1 });
  });

  it("a deprovision job says its blockDeletionOnFailure; a provision query does not take it", async () => {
    const f = await start();
    const vm = computeInstance("vm-1");
    const job = await edaLaunch(f, "delete-compute-instance", vm, {
      correlationId: "corr-del",
      operation: "deprovision",
      blockDeletionOnFailure: "false",
    });
    const found = await f.provider.findJob(
      vm,
      { correlationId: "corr-del", type: "deprovision" },
      signal(),
    );
    expect(found).toMatchObject({ jobId: `job:${job.id}`, blockDeletionOnFailure: false });
    expect(await f.provider.findJob(vm, provisionQuery("corr-del"), signal())).toBeUndefined();
  });

  it("never adopts a job whose annotations name another launch (P10)", async () => {
    const f = await start();
    const vm = computeInstance("vm-1");
    // Another correlation id that contains the one looked for, and the right one under the
    // other operation.
    await edaLaunch(f, "create-compute-instance", vm, {
      correlationId: "corr-1-other",
      operation: "provision",
      configVersion: V1,
    });
    await edaLaunch(f, "create-compute-instance", vm, {
      correlationId: "corr-1",
      operation: "deprovision",
    });
    expect(await f.provider.findJob(vm, provisionQuery("corr-1"), signal())).toBeUndefined();
    const right = await edaLaunch(f, "create-compute-instance", vm, {
      correlationId: "corr-1",
      operation: "provision",
      configVersion: V2,
    });
    expect(await f.provider.findJob(vm, provisionQuery("corr-1"), signal())).toMatchObject({
      jobId: `job:${right.id}`,
      configVersion: V2,
    });
  });

  it("reads renamed annotations when given the same names as the EdaProvider", async () => {
    const names = {
      correlationId: "example.com/correlation",
      operation: "example.com/operation",
      configVersion: "example.com/version",
      blockDeletionOnFailure: "example.com/block",
    };
    const vm = computeInstance("vm-1");
    const event: Event = { correlationId: "corr-r", operation: "provision", configVersion: V1 };
    const f = await start({ annotations: names });
    const job = await edaLaunch(f, "create-compute-instance", vm, event, names);
    await edaLaunch(f, "create-compute-instance", vm, event); // default names: not this setup's
    f.clock.advance(60_000);
    expect(await f.provider.findJob(vm, provisionQuery("corr-r"), signal())).toMatchObject({
      jobId: `job:${job.id}`,
      state: JobState.Succeeded,
      reconciledVersion: V1,
      configVersion: V1,
    });
  });

  it("the provider's own launches carry the renamed annotations", async () => {
    const f = await start({ annotations: { correlationId: "example.com/correlation" } });
    const vm = computeInstance("vm-1");
    await f.provider.triggerProvision(vm, { ...call("corr-own"), configVersion: V1 });
    const [job] = f.sim.ledger();
    const read = await f.provider.client.getJob({ kind: "job", id: job!.id });
    const payload = (read.extraVars?.ansible_eda as { event: { payload: ResourceObject } }).event
      .payload;
    expect(payload.metadata.annotations).toMatchObject({
      "example.com/correlation": "corr-own",
      "provisionkit.io/operation": "provision",
      "provisionkit.io/config-version": V1,
    });
    expect(payload.metadata.annotations?.["provisionkit.io/correlation-id"]).toBeUndefined();
  });

  it("rejects an empty annotation name", () => {
    expect(
      () =>
        new AapProvider({
          client: { url: "http://127.0.0.1:9/api/v2/", auth: { type: "bearer", token: "t" } },
          annotations: { operation: " " },
        }),
    ).toThrow("AapProvider option annotations.operation must be a non-empty string");
  });
});
