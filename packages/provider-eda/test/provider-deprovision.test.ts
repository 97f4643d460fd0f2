import {
  JobState,
  type DeprovisionResult,
  type JobRecord,
  type ResourceObject,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  ANNOTATION_APPLIED_CONFIG_VERSION as APPLIED,
  ANNOTATION_APPLIED_CORRELATION_ID as ACK,
  ANNOTATION_BLOCK_DELETION_ON_FAILURE as BLOCK,
  ANNOTATION_CONFIG_VERSION,
  ANNOTATION_OPERATION,
  ANNOTATION_PLAYBOOK_FAILURE as FAILURE,
  EdaProvider,
  FINALIZER_AAP,
  decodeEdaJobId,
} from "../src/index.ts";
import { TOKEN, call, computeInstance, record, withMeta } from "./harness.ts";
import { startProvider, type ProviderFixture } from "./provider-fixture.ts";

const V1 = "sha256:v1";
const MIN = 60_000;
const provisioned = () => withMeta(computeInstance(), { [APPLIED]: V1 }, [FINALIZER_AAP]);

/** Launches a provision through the provider and returns its record. */
async function provisionRecord(f: ProviderFixture, overrides: Partial<JobRecord> = {}) {
  const result = await f.provider.triggerProvision(computeInstance(), {
    ...call("corr-p"),
    configVersion: V1,
  });
  f.server.requests.length = 0;
  return record(result.jobId, {
    correlationId: "corr-p",
    configVersion: V1,
    state: JobState.Running,
    ...overrides,
  });
}

function expectWaiting(result: DeprovisionResult) {
  expect(result.action).toBe("waiting");
  if (result.action !== "waiting") throw new Error("not waiting");
  return result;
}

describe("P6: skipped", () => {
  it("only when no provision was ever sent: no record, no finalizer, no applied version", async () => {
    const fx = await startProvider();
    const result = await fx.provider.triggerDeprovision(computeInstance(), [], call("d"));
    expect(result.action).toBe("skipped");
    if (result.action === "skipped") expect(result.reason).toContain(FINALIZER_AAP);
    expect(fx.server.requests).toHaveLength(0);
  });
});

describe("P6: not skipped when a provision may have provisioned (issue 14)", () => {
  it("a provision applied a version but could not add the finalizer (it ended after the deletion began)", async () => {
    const fx = await startProvider();
    const vm = withMeta(computeInstance(), { [APPLIED]: V1 });
    const result = await fx.provider.triggerDeprovision(vm, [], call("d"));
    expect(result.action).toBe("triggered");
    expect(fx.server.requests).toHaveLength(1);
  });

  it("the latest provision failed without setting the finalizer: a failed playbook may have built part of it", async () => {
    const fx = await startProvider();
    const p = await provisionRecord(fx);
    const vm = withMeta(computeInstance(), {
      [FAILURE]: JSON.stringify({ correlationId: "corr-p", message: "no capacity" }),
    });
    const result = await fx.provider.triggerDeprovision(vm, [p], call("d"));
    expect(result).toMatchObject({
      action: "triggered",
      provisionJobStatus: { state: JobState.Failed },
    });
    expect(fx.server.requests).toHaveLength(1);
  });

  it("the provision timed out with nothing written back (its event may yet run, or its write-back land late)", async () => {
    const fx = await startProvider({ provisionTimeoutMs: 10 * MIN, blockDeletionOnFailure: true });
    const p = await provisionRecord(fx);
    fx.clock.advance(10 * MIN);
    const result = await fx.provider.triggerDeprovision(computeInstance(), [p], call("d"));
    expect(result).toMatchObject({
      action: "triggered",
      blockDeletionOnFailure: true,
      provisionJobStatus: { state: JobState.Failed },
    });
    expect(fx.server.requests).toHaveLength(1);
  });

  it("a provision record the engine already holds as ended (Failed, Succeeded, Canceled, Unknown), with nothing on the resource", async () => {
    for (const state of [
      JobState.Failed,
      JobState.Succeeded,
      JobState.Canceled,
      JobState.Unknown,
    ]) {
      const fx = await startProvider();
      const p = await provisionRecord(fx, { state });
      fx.clock.advance(61 * MIN);
      const result = await fx.provider.triggerDeprovision(computeInstance(), [p], call("d"));
      expect(result.action, state).toBe("triggered");
    }
  });

  it("another provider's provision record (E6)", async () => {
    const fx = await startProvider();
    const other = record("job:7", { provider: "aap", state: JobState.Succeeded });
    const result = await fx.provider.triggerDeprovision(computeInstance(), [other], call("d"));
    expect(result.action).toBe("triggered");
  });

  it("a delete event sent without the finalizer ends only on the playbook's acknowledgement, not on the finalizer's absence", async () => {
    const fx = await startProvider({ deprovisionTimeoutMs: 10 * MIN, minEventIntervalMs: 0 });
    const p = await provisionRecord(fx, { state: JobState.Failed });
    const result = await fx.provider.triggerDeprovision(computeInstance(), [p], call("d-1"));
    if (result.action !== "triggered") throw new Error(result.action);
    const read = (vm: ResourceObject) => fx.provider.getDeprovisionStatus(vm, result.jobId, call());
    // Before the playbook ran: no finalizer, no acknowledgement. Not a success.
    expect((await read(computeInstance())).state).toBe(JobState.Running);
    const acked = withMeta(computeInstance(), { [ACK]: "d-1" });
    expect((await read(acked)).state).toBe(JobState.Succeeded);
    // A delete event sent while the finalizer was there still takes its removal as done
    // (playbooks that never write the acknowledgement).
    const withFinalizer = await fx.provider.triggerDeprovision(provisioned(), [p], call("d-2"));
    if (withFinalizer.action !== "triggered") throw new Error(withFinalizer.action);
    const gone = await fx.provider.getDeprovisionStatus(
      computeInstance(),
      withFinalizer.jobId,
      call(),
    );
    expect(gone.state).toBe(JobState.Succeeded);
  });
});

describe("a delete event sent without the finalizer, judged by another EdaProvider (issue 16)", () => {
  it("a restarted operator, or a second replica, still waits for the acknowledgement: the finalizer's absence is no success", async () => {
    const fx = await startProvider({ deprovisionTimeoutMs: 10 * MIN, minEventIntervalMs: 0 });
    const p = await provisionRecord(fx, { state: JobState.Failed });
    const result = await fx.provider.triggerDeprovision(computeInstance(), [p], call("d-1"));
    if (result.action !== "triggered") throw new Error(result.action);
    // The job id is all a new process has: the status holds it, nothing else carries over.
    const other = new EdaProvider({
      target: { type: "webhook", url: fx.server.url },
      auth: { type: "bearer", token: TOKEN },
      now: fx.clock.now,
      deprovisionTimeoutMs: 10 * MIN,
    });
    const read = (vm: ResourceObject) => other.getDeprovisionStatus(vm, result.jobId, call());
    expect((await read(computeInstance())).state).toBe(JobState.Running);
    expect((await read(withMeta(computeInstance(), { [ACK]: "d-1" }))).state).toBe(
      JobState.Succeeded,
    );
    // One sent while the finalizer was there takes its removal as done, in any process.
    const sent = await fx.provider.triggerDeprovision(provisioned(), [p], call("d-2"));
    if (sent.action !== "triggered") throw new Error(sent.action);
    expect((await other.getDeprovisionStatus(computeInstance(), sent.jobId, call())).state).toBe(
      JobState.Succeeded,
    );
  });
});

describe("triggered (P7)", () => {
  it("sends the delete event; blockDeletionOnFailure is false by default", async () => {
    const fx = await startProvider();
    const result = await fx.provider.triggerDeprovision(provisioned(), [], call("del-1"));
    expect(result).toEqual({
      action: "triggered",
      jobId: `eda:deprovision:del-1:${fx.clock.value}`,
      blockDeletionOnFailure: false,
    });
    const request = fx.server.last();
    expect(request.path).toBe("/delete-compute-instance");
    expect(request.headers["x-provisionkit-operation"]).toBe("deprovision");
    const annotations = (JSON.parse(request.body) as ResourceObject).metadata.annotations ?? {};
    expect(annotations[ANNOTATION_OPERATION]).toBe("deprovision");
    expect(annotations[BLOCK]).toBe("false");
    expect(annotations).not.toHaveProperty(ANNOTATION_CONFIG_VERSION);
    expect(decodeEdaJobId(result.action === "triggered" ? result.jobId : "").operation).toBe(
      "deprovision",
    );
  });

  it("blockDeletionOnFailure is configurable (triggered and waiting)", async () => {
    const fx = await startProvider({ blockDeletionOnFailure: true });
    const p = await provisionRecord(fx);
    const waiting = await fx.provider.triggerDeprovision(computeInstance(), [p], call("d0"));
    expect(waiting).toMatchObject({ action: "waiting", blockDeletionOnFailure: true });
    const result = await fx.provider.triggerDeprovision(provisioned(), [], call("d1"));
    expect(result).toMatchObject({ action: "triggered", blockDeletionOnFailure: true });
  });

  it("the delete event tells the playbook blockDeletionOnFailure, with both values; provision events never carry it", async () => {
    const sentBlock = (f: ProviderFixture) =>
      (JSON.parse(f.server.last().body) as ResourceObject).metadata.annotations?.[BLOCK];
    for (const flag of [true, false]) {
      const fx = await startProvider({ blockDeletionOnFailure: flag });
      // A stale value on the resource itself is overwritten with the provider's own.
      const vm = withMeta(provisioned(), { [BLOCK]: String(!flag) });
      const result = await fx.provider.triggerDeprovision(vm, [], call(`d-${flag}`));
      expect(result).toMatchObject({ action: "triggered", blockDeletionOnFailure: flag });
      expect(sentBlock(fx)).toBe(String(flag));
      await fx.provider.triggerProvision(vm, { ...call("p"), configVersion: V1 });
      expect(sentBlock(fx)).toBeUndefined();
    }
  });

  it("the block-deletion-on-failure annotation name is configurable", async () => {
    const fx = await startProvider({
      blockDeletionOnFailure: true,
      annotations: { blockDeletionOnFailure: "example.com/keep-on-failure" },
    });
    await fx.provider.triggerDeprovision(provisioned(), [], call("d"));
    const annotations = (JSON.parse(fx.server.last().body) as ResourceObject).metadata.annotations;
    expect(annotations?.["example.com/keep-on-failure"]).toBe("true");
    expect(annotations).not.toHaveProperty(BLOCK);
  });

  it("after this provider's provision succeeded, with its status", async () => {
    const fx = await startProvider();
    const p = await provisionRecord(fx);
    const result = await fx.provider.triggerDeprovision(provisioned(), [p], call("d"));
    expect(result).toMatchObject({
      action: "triggered",
      provisionJobStatus: { jobId: p.jobId, state: JobState.Succeeded, reconciledVersion: V1 },
    });
    expect(fx.server.requests).toHaveLength(1);
  });

  it("after this provider's provision timed out", async () => {
    const fx = await startProvider({ provisionTimeoutMs: 10 * MIN });
    const p = await provisionRecord(fx);
    fx.clock.advance(10 * MIN);
    const vm = withMeta(computeInstance(), {}, [FINALIZER_AAP]);
    const result = await fx.provider.triggerDeprovision(vm, [p], call("d"));
    expect(result).toMatchObject({
      action: "triggered",
      provisionJobStatus: { state: JobState.Failed },
    });
  });
});

describe("P5: waiting while the provision event's job may still run", () => {
  it("answers waiting with the provision status and sends nothing, even without the finalizer", async () => {
    const fx = await startProvider();
    const p = await provisionRecord(fx);
    fx.clock.advance(MIN);
    for (const vm of [computeInstance(), withMeta(computeInstance(), {}, [FINALIZER_AAP])]) {
      const result = expectWaiting(await fx.provider.triggerDeprovision(vm, [p], call("d")));
      expect(result.blockDeletionOnFailure).toBe(false);
      expect(result.provisionJobStatus).toMatchObject({ jobId: p.jobId, state: JobState.Running });
      expect(result.retryAfterMs).toBe(10_000);
    }
    expect(fx.server.requests).toHaveLength(0);
  });

  it("retryAfterMs never exceeds the time left to the provision timeout, and follows pollIntervalMs", async () => {
    const fx = await startProvider({ pollIntervalMs: 30_000 });
    const p = await provisionRecord(fx);
    let result = expectWaiting(
      await fx.provider.triggerDeprovision(computeInstance(), [p], call()),
    );
    expect(result.retryAfterMs).toBe(30_000);
    fx.clock.advance(60 * MIN - 4_000);
    result = expectWaiting(await fx.provider.triggerDeprovision(computeInstance(), [p], call()));
    expect(result.retryAfterMs).toBe(4_000);
    fx.clock.advance(4_000);
    // Timed out: it may have provisioned, so the teardown goes (P6).
    const after = await fx.provider.triggerDeprovision(computeInstance(), [p], call());
    expect(after.action).toBe("triggered");
  });

  it("a stale applied version or another job's failure keeps it waiting", async () => {
    const fx = await startProvider();
    const p = await provisionRecord(fx);
    const vm = withMeta(
      computeInstance(),
      {
        [APPLIED]: "sha256:v0",
        [FAILURE]: JSON.stringify({ correlationId: "corr-older", message: "x" }),
      },
      [FINALIZER_AAP],
    );
    expectWaiting(await fx.provider.triggerDeprovision(vm, [p], call()));
  });

  it("judges only the latest provision record", async () => {
    const fx = await startProvider({ minEventIntervalMs: 0 });
    const older = await provisionRecord(fx);
    const latest = record("eda:provision:corr-q:1:sha256:v2", {
      configVersion: "sha256:v2",
      state: JobState.Succeeded,
    });
    const result = await fx.provider.triggerDeprovision(provisioned(), [older, latest], call());
    expect(result.action).toBe("triggered");
  });

  it("a record the engine saw end is final; one that only timed out in the engine is judged", async () => {
    const fx = await startProvider();
    const p = await provisionRecord(fx);
    const ended = { ...p, state: JobState.Failed };
    expect((await fx.provider.triggerDeprovision(provisioned(), [ended], call())).action).toBe(
      "triggered",
    );
    fx.clock.advance(20_000);
    const awaiting = { ...p, state: JobState.Failed, awaitingEnd: true };
    const vm = withMeta(computeInstance(), {}, [FINALIZER_AAP]);
    expectWaiting(await fx.provider.triggerDeprovision(vm, [awaiting], call()));
  });

  it("a latest provision record of another provider is not judged here", async () => {
    const fx = await startProvider();
    const foreign = record("job:42", { provider: "aap", state: JobState.Running });
    const vm = withMeta(computeInstance(), {}, [FINALIZER_AAP]);
    const result = await fx.provider.triggerDeprovision(vm, [foreign], call("d"));
    expect(result.action).toBe("triggered");
    if (result.action === "triggered") expect(result.provisionJobStatus).toBeUndefined();
  });
});
