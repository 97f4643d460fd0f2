import {
  JobState,
  ConfigurationError,
  capabilitiesOf,
  isProviderError,
  type JobRecord,
  type ResourceObject,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  ANNOTATION_APPLIED_CONFIG_VERSION as APPLIED,
  ANNOTATION_CONFIG_VERSION,
  EdaProvider,
  FINALIZER_AAP,
  decodeEdaJobId,
  type EdaProviderOptions,
} from "../src/index.ts";
import { FakeAap } from "./fake-aap.ts";
import { call, computeInstance, record, thrown, withMeta } from "./harness.ts";
import { startProvider, type ProviderFixture } from "./provider-fixture.ts";

const V1 = "sha256:v1";
const MIN = 60_000;

async function start(more: Partial<EdaProviderOptions> = {}) {
  const aap = new FakeAap();
  return { f: await startProvider({ aap, ...more }), aap };
}

/** Sends a provision event; returns its job id and the body EDA received. */
async function provision(f: ProviderFixture, correlationId = "corr-p") {
  const result = await f.provider.triggerProvision(computeInstance(), {
    ...call(correlationId),
    configVersion: V1,
  });
  return { jobId: result.jobId, body: f.server.last().body };
}

const status = (f: ProviderFixture, jobId: string, r: ResourceObject = computeInstance()) =>
  f.provider.getProvisionStatus(r, jobId, call());

describe("AAP mode: capabilities", () => {
  it("offers findJob and cancelJob", async () => {
    const { f } = await start();
    expect(capabilitiesOf(f.provider)).toMatchObject({ canFindJob: true, canCancel: true });
  });
});

describe("AAP mode: provision status from the real job", () => {
  it("Pending 'queued in EDA' while AAP has no job, then the job's real states", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    const queued = await status(f, jobId);
    expect(queued.state).toBe(JobState.Pending);
    expect(queued.message).toContain("queued in EDA");
    expect(aap.calls).toEqual(["find provision corr-p"]);
    const job = aap.launch(body, { status: "running", started: "2026-01-01T00:00:09Z" });
    const running = await status(f, jobId);
    expect(running).toMatchObject({
      state: JobState.Running,
      startTime: "2026-01-01T00:00:09Z",
    });
    expect(running.message).toBe(
      `AAP job 100 (create-compute-instance) is running (launched by EDA for correlation id corr-p)`,
    );
    aap.update(job.id, { status: "successful", finished: "2026-01-01T00:05:00Z" });
    const done = await status(f, jobId);
    expect(done).toMatchObject({
      state: JobState.Succeeded,
      reconciledVersion: V1,
      endTime: "2026-01-01T00:05:00Z",
    });
  });

  it("remembers the job: later reads get the job, not a search", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    const job = aap.launch(body, { status: "running" });
    await status(f, jobId);
    aap.calls.length = 0;
    await status(f, jobId);
    expect(aap.calls).toEqual([`get ${job.id}`]);
  });

  it("a lookup cut short counts as no job yet: the resource and the timeout still judge", async () => {
    const { f, aap } = await start({ provisionTimeoutMs: 10 * MIN });
    const { jobId } = await provision(f);
    aap.incomplete = true;
    expect((await status(f, jobId)).state).toBe(JobState.Pending);
    f.clock.advance(10 * MIN);
    expect((await status(f, jobId)).state).toBe(JobState.Failed);
    expect(f.lines.some((l) => l.message.includes("could not read every candidate"))).toBe(true);
  });

  it("a job whose success names another version than its event is an error, never reported (P4)", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    const job = aap.launch(body, { status: "running" });
    await status(f, jobId);
    aap.update(job.id, {
      status: "successful",
      annotations: { ...job.annotations, [ANNOTATION_CONFIG_VERSION]: "sha256:other" },
    });
    const error = await thrown(status(f, jobId));
    expect(error.message).toContain("applied config version sha256:other");
    expect(isProviderError(error) && error.retryable).toBe(false);
  });

  it("Failed with the job's explanation and traceback", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    aap.launch(body, {
      status: "error",
      jobExplanation: "Previous Task Failed",
      resultTraceback: "Traceback: boom",
    });
    const s = await status(f, jobId);
    expect(s.state).toBe(JobState.Failed);
    expect(s.errorDetails).toBe("Previous Task Failed\nTraceback: boom");
    expect(s.reconciledVersion).toBeUndefined();
  });

  it("follows a newer job after the cached one failed (a rulebook retry)", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    const first = aap.launch(body, { status: "running" });
    await status(f, jobId);
    aap.update(first.id, { status: "failed" });
    const retry = aap.launch(body, { status: "running" });
    const s = await status(f, jobId);
    expect(s.state).toBe(JobState.Running);
    expect(s.message).toContain(`AAP ${retry.id.replace(":", " ")} `);
  });

  it("a purged cached job falls back to the resource's annotations", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    const job = aap.launch(body, { status: "successful" });
    await status(f, jobId);
    aap.jobs.splice(aap.jobs.indexOf(job), 1);
    const s = await status(f, jobId, withMeta(computeInstance(), { [APPLIED]: V1 }));
    expect(s.state).toBe(JobState.Succeeded);
    expect(s.reconciledVersion).toBe(V1);
  });

  it("no job until the timeout → Failed", async () => {
    const { f } = await start({ provisionTimeoutMs: 10 * MIN });
    const { jobId } = await provision(f);
    f.clock.advance(10 * MIN);
    const s = await status(f, jobId);
    expect(s.state).toBe(JobState.Failed);
    expect(s.message).toContain("timed out after 10 min");
  });

  it("deprovision status from the real job", async () => {
    const { f, aap } = await start();
    const vm = withMeta(computeInstance(), {}, [FINALIZER_AAP]);
    const result = await f.provider.triggerDeprovision(vm, [], call("corr-d"));
    if (result.action !== "triggered") throw new Error(result.action);
    aap.launch(f.server.last().body, { status: "running" });
    // The finalizer is already gone, but the job still runs: its real state counts.
    const s = await f.provider.getDeprovisionStatus(computeInstance(), result.jobId, call());
    expect(s.state).toBe(JobState.Running);
  });
});

describe("AAP mode: P5", () => {
  function provisionRecord(jobId: string): JobRecord {
    return record(jobId, { correlationId: "corr-p", configVersion: V1, state: JobState.Running });
  }
  const vm = () => withMeta(computeInstance(), {}, [FINALIZER_AAP]);

  it("cancels a running provision job once, answers waiting, then triggers when it ended", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    const job = aap.launch(body, { status: "running" });
    f.server.requests.length = 0;
    const p = provisionRecord(jobId);

    const first = await f.provider.triggerDeprovision(vm(), [p], call("d1"));
    expect(first).toMatchObject({
      action: "waiting",
      blockDeletionOnFailure: false,
      retryAfterMs: 10_000,
      provisionJobStatus: { jobId, state: JobState.Running },
    });
    expect(aap.count("cancel")).toBe(1);
    const second = await f.provider.triggerDeprovision(vm(), [p], call("d2"));
    expect(second.action).toBe("waiting");
    expect(aap.count("cancel")).toBe(1); // asked once already: not again
    expect(f.server.requests).toHaveLength(0);

    aap.update(job.id, { status: "canceled" });
    const third = await f.provider.triggerDeprovision(vm(), [p], call("d3"));
    expect(third).toMatchObject({
      action: "triggered",
      provisionJobStatus: { state: JobState.Canceled },
    });
    expect(f.server.requests.map((r) => r.path)).toEqual(["/delete-compute-instance"]);
  });

  it("a pending job cancelled within the request lets the deprovision go ahead at once", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    aap.launch(body, { status: "pending" });
    const result = await f.provider.triggerDeprovision(vm(), [provisionRecord(jobId)], call("d"));
    expect(result.action).toBe("triggered");
    expect(aap.count("cancel")).toBe(1);
  });

  it("an event still queued in EDA: waiting (Pending), nothing to cancel", async () => {
    const { f, aap } = await start();
    const { jobId } = await provision(f);
    f.clock.advance(60 * MIN - 3_000);
    const result = await f.provider.triggerDeprovision(vm(), [provisionRecord(jobId)], call("d"));
    expect(result).toMatchObject({
      action: "waiting",
      retryAfterMs: 3_000,
      provisionJobStatus: { state: JobState.Pending },
    });
    expect(aap.count("cancel")).toBe(0);
  });
});

describe("AAP mode: P6 (issue 14, defect 1)", () => {
  it("a provision AAP reported Succeeded, whose write-back has not landed: the delete is sent, not skipped", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    aap.launch(body, { status: "successful" });
    // The engine's record, from AAP's answer; the resource carries nothing from the playbook.
    expect((await status(f, jobId)).state).toBe(JobState.Succeeded);
    const p = record(jobId, {
      correlationId: "corr-p",
      configVersion: V1,
      state: JobState.Succeeded,
    });
    f.server.requests.length = 0;
    const result = await f.provider.triggerDeprovision(computeInstance(), [p], call("d"));
    expect(result.action).toBe("triggered");
    expect(f.server.requests.map((r) => r.path)).toEqual(["/delete-compute-instance"]);
  });

  it("a running provision job cancelled before the delete: the delete is sent (it may have built part of it)", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    const job = aap.launch(body, { status: "running" });
    const p = record(jobId, {
      correlationId: "corr-p",
      configVersion: V1,
      state: JobState.Running,
    });
    expect((await f.provider.triggerDeprovision(computeInstance(), [p], call("d1"))).action).toBe(
      "waiting",
    );
    aap.update(job.id, { status: "canceled" });
    f.server.requests.length = 0;
    const result = await f.provider.triggerDeprovision(computeInstance(), [p], call("d2"));
    expect(result).toMatchObject({
      action: "triggered",
      provisionJobStatus: { state: JobState.Canceled },
    });
    expect(f.server.requests).toHaveLength(1);
  });
});

describe("AAP mode: findJob and cancelJob", () => {
  it("findJob adopts the job by correlation id with a decodable id", async () => {
    const { f, aap } = await start();
    const { body } = await provision(f, "corr-x");
    aap.launch(body, { status: "running" });
    f.clock.advance(7_000);
    const found = await f.provider.findJob!(
      computeInstance(),
      { correlationId: "corr-x", type: "provision" },
      call(),
    );
    expect(found).toMatchObject({ state: JobState.Running });
    expect(decodeEdaJobId(found!.jobId)).toEqual({
      operation: "provision",
      correlationId: "corr-x",
      sentAt: f.clock.now(), // the adoption: the timeout counts only should AAP purge the job
      configVersion: V1,
    });
    // The adopted id works for later status reads.
    aap.update(aap.jobs[0]!.id, { status: "successful" });
    expect((await status(f, found!.jobId)).reconciledVersion).toBe(V1);
  });

  it("findJob: a deprovision job carries blockDeletionOnFailure; none found → undefined", async () => {
    const { f, aap } = await start({ blockDeletionOnFailure: true });
    await f.provider.triggerDeprovision(
      withMeta(computeInstance(), {}, [FINALIZER_AAP]),
      [],
      call("corr-d"),
    );
    aap.launch(f.server.last().body, { status: "running" });
    const found = await f.provider.findJob!(
      computeInstance(),
      { correlationId: "corr-d", type: "deprovision" },
      call(),
    );
    expect(found).toMatchObject({ state: JobState.Running, blockDeletionOnFailure: true });
    const wrongType = await f.provider.findJob!(
      computeInstance(),
      { correlationId: "corr-d", type: "provision" },
      call(),
    );
    expect(wrongType).toBeUndefined();
    expect(
      await f.provider.findJob!(
        computeInstance(),
        { correlationId: "nope", type: "provision" },
        call(),
      ),
    ).toBeUndefined();
  });

  it("findJob fails (retryable) rather than answer 'none' when the search was cut short", async () => {
    const { f, aap } = await start();
    aap.incomplete = true;
    const error = await thrown(
      f.provider.findJob!(
        computeInstance(),
        { correlationId: "corr-many", type: "provision" },
        call(),
      ),
    );
    expect(isProviderError(error) && error.code).toBe("LOOKUP_INCOMPLETE");
    expect(isProviderError(error) && error.retryable).toBe(true);
  });

  it("cancelJob cancels a running job once; ended or cancelling jobs need nothing", async () => {
    const { f, aap } = await start();
    const { jobId, body } = await provision(f);
    const job = aap.launch(body, { status: "running" });
    await f.provider.cancelJob!(computeInstance(), jobId, "provision", call());
    await f.provider.cancelJob!(computeInstance(), jobId, "provision", call());
    expect(aap.count("cancel")).toBe(1);
    aap.update(job.id, { status: "successful" });
    await f.provider.cancelJob!(computeInstance(), jobId, "provision", call());
    expect(aap.count("cancel")).toBe(1);
  });

  it("cancelJob on an event still queued in EDA throws a retryable error", async () => {
    const { f } = await start();
    const { jobId } = await provision(f);
    const error = await thrown(
      f.provider.cancelJob!(computeInstance(), jobId, "provision", call()),
    );
    expect(isProviderError(error) && error.code).toBe("JOB_NOT_LAUNCHED");
    expect(isProviderError(error) && error.retryable).toBe(true);
  });
});

describe("AAP mode: the aap option", () => {
  const target = { type: "webhook" as const, url: "http://h:5000" };
  const auth = { type: "none" as const };

  it("refuses an AapClient (the former type) with how to migrate", () => {
    const client = { listJobs() {}, getJob() {}, cancelJob() {}, launch() {}, findTemplate() {} };
    const error = (() => {
      try {
        new EdaProvider({ target, auth, aap: client as never });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(
      "takes an AapProvider, not an AapClient: EdaProvider now leaves finding, reading and cancelling AAP jobs to it. Migrate with `aap: new AapProvider({ client, templates })`",
    );
  });

  it("refuses an object without the four job methods", () => {
    expect(() => new EdaProvider({ target, auth, aap: { findJob() {} } as never })).toThrow(
      "EdaProvider option aap must have findJob, cancelJob, getProvisionStatus and getDeprovisionStatus methods",
    );
  });

  it("findJob refuses a provision job whose event carries no config version", async () => {
    const { f, aap } = await start();
    const { body } = await provision(f, "corr-nv");
    const job = aap.launch(body, { status: "running" });
    const { [ANNOTATION_CONFIG_VERSION]: _dropped, ...rest } = job.annotations;
    aap.update(job.id, { annotations: rest });
    const error = await thrown(
      f.provider.findJob!(
        computeInstance(),
        { correlationId: "corr-nv", type: "provision" },
        call(),
      ),
    );
    expect(error.message).toContain("carries correlation id corr-nv but no config version");
  });
});
