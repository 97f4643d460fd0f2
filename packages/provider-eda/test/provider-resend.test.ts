import { JobState, ProviderError, type ProvisionResult } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  ANNOTATION_APPLIED_CONFIG_VERSION as APPLIED,
  ANNOTATION_APPLIED_CORRELATION_ID as ACK,
  ANNOTATION_PLAYBOOK_FAILURE as FAILURE,
  decodeEdaJobId,
  type EdaProviderOptions,
} from "../src/index.ts";
import { FakeAap } from "./fake-aap.ts";
import { call, computeInstance, withMeta } from "./harness.ts";
import { startProvider, type ProviderFixture } from "./provider-fixture.ts";

// Issue 14, defect 3: the engine retries a provision that timed out; when the earlier event's
// playbook ran (its write-back is merely late), sending the event again runs the work twice.

const V1 = "sha256:v1";
const V2 = "sha256:v2";
const MIN = 60_000;
const TIMEOUT = 10 * MIN;

async function start(more: Partial<EdaProviderOptions> = {}) {
  return startProvider({ provisionTimeoutMs: TIMEOUT, minEventIntervalMs: 0, ...more });
}

const provision = (
  f: ProviderFixture,
  correlationId: string,
  version = V1,
  vm = computeInstance(),
) => f.provider.triggerProvision(vm, { ...call(correlationId), configVersion: version });

/** The first event (corr-1) sent and timed out; returns its job id. */
async function timedOut(f: ProviderFixture): Promise<string> {
  const first = await provision(f, "corr-1");
  f.clock.advance(TIMEOUT);
  const status = await f.provider.getProvisionStatus(computeInstance(), first.jobId, call());
  expect(status.state).toBe(JobState.Failed);
  f.server.requests.length = 0;
  return first.jobId;
}

const writtenBackBy = (correlationId: string, version = V1) =>
  withMeta(computeInstance(), { [APPLIED]: version, [ACK]: correlationId });

function followed(result: ProvisionResult, correlationId: string) {
  const job = decodeEdaJobId(result.jobId);
  expect(job).toMatchObject({ operation: "provision", correlationId, configVersion: V1 });
  return job;
}

describe("a retry after a provision timeout (webhook only)", () => {
  it("follows the earlier event when the resource's write-back names it: nothing is sent, the job reads Succeeded", async () => {
    const f = await start();
    const firstId = await timedOut(f);
    const vm = writtenBackBy("corr-1");
    const retry = await f.provider.triggerProvision(vm, { ...call("corr-2"), configVersion: V1 });
    expect(f.server.requests).toHaveLength(0);
    const job = followed(retry, "corr-1");
    // A new job id (P2): a later send time than the earlier event's.
    expect(retry.jobId).not.toBe(firstId);
    expect(job.sentAt).toBeGreaterThan(decodeEdaJobId(firstId).sentAt);
    expect(retry.message).toContain("not sent again");
    expect(retry.message).toContain("corr-1");
    const status = await f.provider.getProvisionStatus(vm, retry.jobId, call());
    expect(status).toMatchObject({ state: JobState.Succeeded, reconciledVersion: V1 });
  });

  it("sends again without evidence (a lost event), and remembers the new event", async () => {
    const f = await start();
    await timedOut(f);
    const retry = await provision(f, "corr-2");
    expect(f.server.requests).toHaveLength(1);
    expect(decodeEdaJobId(retry.jobId).correlationId).toBe("corr-2");
    // The newest event is now corr-2: corr-1's late write-back is not evidence for it.
    f.clock.advance(TIMEOUT);
    f.server.requests.length = 0;
    await provision(f, "corr-3", V1, writtenBackBy("corr-1"));
    expect(f.server.requests).toHaveLength(1);
  });

  it("sends again when the failure annotation names the earlier event", async () => {
    const f = await start();
    await timedOut(f);
    const vm = withMeta(writtenBackBy("corr-1"), {
      [FAILURE]: JSON.stringify({ correlationId: "corr-1", message: "boom" }),
    });
    await provision(f, "corr-2", V1, vm);
    expect(f.server.requests).toHaveLength(1);
  });

  it("sends again for another config version, and after one (a spec changed A→B→A re-provisions A, E3)", async () => {
    const f = await start();
    await timedOut(f);
    await provision(f, "corr-b", V2, writtenBackBy("corr-1"));
    expect(f.server.requests).toHaveLength(1);
    f.clock.advance(TIMEOUT);
    await provision(f, "corr-a", V1, writtenBackBy("corr-1"));
    expect(f.server.requests).toHaveLength(2);
  });

  it("an applied version without the earlier event's correlation id is no evidence", async () => {
    const f = await start();
    await timedOut(f);
    await provision(f, "corr-2", V1, withMeta(computeInstance(), { [APPLIED]: V1 }));
    expect(f.server.requests).toHaveLength(1);
  });

  it("another resource's memory is its own", async () => {
    const f = await start();
    await timedOut(f);
    const other = withMeta(computeInstance("vm-2"), { [APPLIED]: V1, [ACK]: "corr-1" });
    await provision(f, "corr-2", V1, other);
    expect(f.server.requests).toHaveLength(1);
  });
});

describe("a retry after a provision timeout (AAP mode)", () => {
  async function startAap() {
    const aap = new FakeAap();
    const f = await start({ aap });
    const first = await provision(f, "corr-1");
    const body = f.server.last().body;
    f.clock.advance(TIMEOUT);
    // No AAP job within the timeout (the event sat in EDA's queue): Failed.
    expect(
      (await f.provider.getProvisionStatus(computeInstance(), first.jobId, call())).state,
    ).toBe(JobState.Failed);
    f.server.requests.length = 0;
    return { f, aap, body };
  }

  for (const status of ["pending", "running", "successful"] as const) {
    it(`follows the earlier event when AAP has its job, ${status}, though nothing was written back`, async () => {
      const { f, aap, body } = await startAap();
      const job = aap.launch(body, { status });
      const retry = await provision(f, "corr-2");
      expect(f.server.requests).toHaveLength(0);
      followed(retry, "corr-1");
      expect(retry.message).toContain(`AAP job ${job.id}`);
      const read = await f.provider.getProvisionStatus(computeInstance(), retry.jobId, call());
      expect(read.state).toBe(
        status === "successful"
          ? JobState.Succeeded
          : status === "running"
            ? JobState.Running
            : JobState.Pending,
      );
    });
  }

  for (const status of ["failed", "canceled"] as const) {
    it(`sends again when the earlier event's AAP job ${status}`, async () => {
      const { f, aap, body } = await startAap();
      aap.launch(body, { status });
      await provision(f, "corr-2");
      expect(f.server.requests).toHaveLength(1);
    });
  }

  it("sends again when AAP has no job for it (the event was lost)", async () => {
    const { f } = await startAap();
    await provision(f, "corr-2");
    expect(f.server.requests).toHaveLength(1);
  });

  it("sends again, with a warning, when the lookup fails", async () => {
    const { f, aap } = await startAap();
    aap.findJob = () =>
      Promise.reject(new ProviderError("AAP down", { code: "X", retryable: true }));
    await provision(f, "corr-2");
    expect(f.server.requests).toHaveLength(1);
    expect(f.lines.some((l) => l.message.includes("could not look up the AAP job"))).toBe(true);
  });
});
