import {
  ConditionType,
  configVersion,
  explainResource,
  renderExplain,
  type JobRecord,
  type JobTracer,
} from "@provisionkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTERS, condition, type TestCluster } from "../support/cluster.ts";
import { EdaWorld } from "../support/eda-world.ts";

// The EDA path's latency breakdown and trace context, end to end on the simulators:
// ProvisioningController + EdaProvider → EdaSimulator (rulebook) → a job on the AapSimulator →
// the playbook's write-back on the object → the controller sees it.
const WAIT = { timeout: 20_000, interval: 20 };
/** EdaProvider's ANNOTATION_TRACEPARENT. */
const ANNOTATION_TRACEPARENT = "provisionkit.io/traceparent";
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/** A tracer that only hands out a fixed trace context and records the jobs that ended. */
function recordingTracer(ended: JobRecord[]): JobTracer {
  return {
    startLaunch: () => ({ traceparent: TRACEPARENT, end: () => undefined }),
    jobEnded: (_resource, job) => void ended.push(job),
    startReconcile: () => ({ link: () => undefined, step: () => undefined, end: () => undefined }),
  };
}

describe("EDA latency breakdown and trace context on the simulators", () => {
  let cluster: TestCluster;
  let world: EdaWorld;
  beforeAll(async () => {
    cluster = await CLUSTERS[0]!.start();
    world = await EdaWorld.start(cluster, "tracing-eda");
  });
  afterAll(async () => {
    await world?.stop();
    await cluster?.stop();
  });

  it("the event carries the traceparent to the AAP job; the record holds event sent → write-back seen", async () => {
    const ended: JobRecord[] = [];
    await world.controller(world.edaProvider(), [], { tracer: recordingTracer(ended) });
    const spec = { cores: 2 };
    await world.users.create("vm-1", spec);
    await expect
      .poll(async () => condition(await world.users.get("vm-1"), ConditionType.Ready)?.status, WAIT)
      .toBe("True");
    // The rulebook ran the job with the event's payload: the trace context reached AAP.
    const [job] = world.jobs("vm-1");
    const eda = job!.extraVars.ansible_eda as {
      event: { payload: { metadata: { annotations: Record<string, string> } } };
    };
    expect(eda.event.payload.metadata.annotations[ANNOTATION_TRACEPARENT]).toBe(TRACEPARENT);

    const object = (await world.users.get("vm-1"))!;
    const [record] = (object.status?.provisioning as { jobs: JobRecord[] }).jobs;
    expect(record!.traceparent).toBe(TRACEPARENT);
    expect(record!.configVersion).toBe(configVersion(spec));
    // Without AAP mode, EdaProvider reports the event's send time as startTime and the read
    // that saw the playbook's write-back as endTime (provider-eda resource-status.ts): so
    // `running` is event sent → write-back seen (EDA's queue, AAP's queue and the playbook),
    // and detection is that read's own latency.
    const report = explainResource(object, { now: Date.now() });
    console.log(renderExplain(report));
    const t = record!.timing!;
    expect(t.startedMs).toBeGreaterThanOrEqual(t.launchStartMs!);
    expect(t.startedMs).toBeLessThanOrEqual(t.launchEndMs!);
    expect(report.jobs[0]!.phases.map((p) => p.name)).toEqual([
      "queued",
      "prepare",
      "launch",
      "running",
      "detection",
      "status-write",
    ]);
    for (const p of report.jobs[0]!.phases) {
      expect(p.ongoing).toBe(false);
      expect(p.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(ended.map((j) => [j.jobId, j.timing?.writtenMs])).toEqual([
      [record!.jobId, record!.timing?.writtenMs],
    ]);
  });
});
