/**
 * How a launch's outcome lands in the status and the events — the cases transitions.test.ts
 * and launch-absence.test.ts do not pin down: a job that ends at its launch, a launch
 * answered twice, failure counts across launches of different kinds, adoptions, the
 * deprovision answers' side effects and a failed lookup.
 */
import { describe, expect, it } from "vitest";
import {
  ErrorCode,
  JobState,
  RateLimitError,
  TransientError,
  latestJob,
  recordAdopted,
  recordDeprovisionAnswer,
  recordLaunchError,
  recordLaunched,
  recordLookupError,
  recordLookupMiss,
  resolveEngineOptions,
  type LaunchFailure,
  type PendingLaunch,
} from "@provisionkit/core";
import { T0, V1, V2, iso, job, pending, status } from "./support/fixtures.js";

const options = resolveEngineOptions({
  pollIntervalMs: 1_000,
  errorBackoff: { initialMs: 100, factor: 2, maxMs: 1_000 },
});

const teardown: PendingLaunch = pending({
  type: "deprovision",
  correlationId: "c-d",
  configVersion: undefined,
});

const failed = (over: Partial<LaunchFailure> = {}): LaunchFailure => ({
  type: "provision",
  configVersion: V1,
  code: ErrorCode.Transient,
  message: "502",
  count: 3,
  at: iso(T0),
  retryAt: iso(T0),
  ...over,
});

describe("recordLaunched", () => {
  it("a job that has already succeeded at its launch is finished and applies its version", () => {
    const next = recordLaunched(
      status({ pendingLaunch: pending() }),
      pending(),
      { jobId: "j7", state: JobState.Succeeded, message: "instant" },
      T0 + 9,
      options,
    );
    expect(latestJob(next.jobs, "provision")).toMatchObject({
      state: JobState.Succeeded,
      finishedAt: iso(T0 + 9),
    });
    expect(next.reconciledConfigVersion).toBe(V1);
  });

  it("a job still pending is not finished and applies nothing yet", () => {
    const next = recordLaunched(
      status({ pendingLaunch: pending(), reconciledConfigVersion: V2 }),
      pending(),
      { jobId: "j7", state: JobState.Pending, message: "" },
      T0,
      options,
    );
    expect(latestJob(next.jobs, "provision")?.finishedAt).toBeUndefined();
    expect(next.reconciledConfigVersion).toBe(V2);
  });

  it("a deprovision job that succeeded at once does not count as an applied config", () => {
    const next = recordLaunched(
      status({ pendingLaunch: teardown, reconciledConfigVersion: V1 }),
      teardown,
      { jobId: "d1", state: JobState.Succeeded, message: "" },
      T0,
      options,
    );
    expect(latestJob(next.jobs, "deprovision")).toMatchObject({ state: JobState.Succeeded });
    expect(latestJob(next.jobs, "deprovision")?.configVersion).toBeUndefined();
    expect(next.reconciledConfigVersion).toBe(V1);
  });

  it("a deprovision marker that carries a config version still applies no version", () => {
    const versioned = { ...teardown, configVersion: V2 };
    const next = recordLaunched(
      status({ pendingLaunch: versioned, reconciledConfigVersion: V1 }),
      versioned,
      { jobId: "d1", state: JobState.Succeeded, message: "" },
      T0,
      options,
    );
    expect(next.reconciledConfigVersion).toBe(V1);
  });

  it("a provision job records no blockDeletionOnFailure, and a launch without a version none", () => {
    const next = recordLaunched(
      status(),
      pending({ configVersion: undefined }),
      { jobId: "j7", state: JobState.Succeeded, message: "", blockDeletionOnFailure: false },
      T0,
      options,
    );
    const recorded = latestJob(next.jobs, "provision");
    expect(recorded && "blockDeletionOnFailure" in recorded).toBe(false);
    expect(recorded && "configVersion" in recorded).toBe(false);
    expect("reconciledConfigVersion" in next).toBe(false);
  });

  it("records a job already in the history once, and a job of the other type with that id apart", () => {
    const known = job({ jobId: "j7" });
    const again = recordLaunched(
      status({ jobs: [known], pendingLaunch: pending() }),
      pending(),
      { jobId: "j7", state: JobState.Running, message: "" },
      T0,
      options,
    );
    expect(again.jobs).toEqual([known]);
    expect(again.pendingLaunch).toBeUndefined();
    const twin = recordLaunched(
      status({ jobs: [known], pendingLaunch: teardown }),
      teardown,
      { jobId: "j7", state: JobState.Pending, message: "" },
      T0,
      options,
    );
    expect(twin.jobs.map((j) => [j.type, j.jobId])).toEqual([
      ["provision", "j7"],
      ["deprovision", "j7"],
    ]);
  });
});

describe("recordLaunchError", () => {
  it("counts failures in a row per kind of launch: a deprovision failure starts at 1", () => {
    const t = recordLaunchError(
      status({ pendingLaunch: teardown, launchFailure: failed() }),
      teardown,
      new TransientError("502"),
      T0,
      options,
    );
    expect(t.status.launchFailure).toMatchObject({ type: "deprovision", count: 1 });
    expect(t.status.launchFailure && "configVersion" in t.status.launchFailure).toBe(false);
  });

  it("a deprovision failure after a provision failure recorded without a version starts at 1", () => {
    const t = recordLaunchError(
      status({ pendingLaunch: teardown, launchFailure: failed({ configVersion: undefined }) }),
      teardown,
      new TransientError("502"),
      T0,
      options,
    );
    expect(t.status.launchFailure).toMatchObject({ type: "deprovision", count: 1 });
  });

  it("continues the count for the same kind and version", () => {
    const t = recordLaunchError(
      status({ pendingLaunch: pending(), launchFailure: failed() }),
      pending(),
      new TransientError("502"),
      T0,
      options,
    );
    expect(t.status.launchFailure).toMatchObject({ type: "provision", count: 4 });
  });

  it("names the launch and its retry time in a definite failure's event", () => {
    const t = recordLaunchError(
      status({ pendingLaunch: pending() }),
      pending(),
      new TransientError("bad gateway"),
      T0,
      options,
    );
    expect(t.events[0]).toMatchObject({ type: "Warning", reason: "LaunchFailed" });
    expect(t.events[0]?.message).toContain("c-pending");
    expect(t.events[0]?.message).toContain("bad gateway");
    expect(t.events[0]?.message).toContain(iso(T0 + 100));
    expect(t.events[0]?.message).not.toContain("unknown outcome");
  });
});

describe("recordAdopted", () => {
  it("adopts an ended job without claiming when it ended, and applies its outcome", () => {
    const t = recordAdopted(
      status({ pendingLaunch: pending() }),
      pending(),
      { jobId: "j9", state: JobState.Succeeded, message: "done" },
      T0,
      options,
    );
    const adopted = latestJob(t.status.jobs, "provision");
    expect(adopted).toMatchObject({ jobId: "j9", state: JobState.Succeeded });
    expect(adopted?.endedAfter).toBeUndefined();
    expect(t.status.reconciledConfigVersion).toBe(V1);
    expect(t.events.map((e) => e.reason)).toEqual(["JobAdopted", "ProvisionSucceeded"]);
    expect(t.events[0]?.message).toContain("j9");
    expect(t.events[0]?.message).toContain("before a restart");
  });

  it("leaves the other jobs' records alone", () => {
    const older = job({
      jobId: "j1",
      state: JobState.Failed,
      finishedAt: iso(T0 - 5),
      endedAfter: iso(T0 - 10),
    });
    const t = recordAdopted(
      status({ jobs: [older], pendingLaunch: pending() }),
      pending(),
      { jobId: "j9", state: JobState.Failed, message: "" },
      T0,
      options,
    );
    expect(t.status.jobs.find((j) => j.jobId === "j1")).toEqual(older);
  });

  it("says when the job came from the launching controller rather than the backend", () => {
    const t = recordAdopted(
      status({ pendingLaunch: pending() }),
      pending(),
      { jobId: "j9", state: JobState.Running, message: "" },
      T0,
      options,
      undefined,
      "launcher",
    );
    expect(t.events[0]?.reason).toBe("JobAdopted");
    expect(t.events[0]?.message).toContain("status write");
    expect(t.events[0]?.message).not.toContain("before a restart");
  });

  it("keeps a found deprovision job's blockDeletionOnFailure", () => {
    const t = recordAdopted(
      status({ pendingLaunch: teardown }),
      teardown,
      { jobId: "d9", state: JobState.Running, message: "", blockDeletionOnFailure: false },
      T0,
      options,
    );
    expect(latestJob(t.status.jobs, "deprovision")?.blockDeletionOnFailure).toBe(false);
  });
});

describe("recordDeprovisionAnswer", () => {
  const base = (over = {}) => status({ jobs: [job()], pendingLaunch: teardown, ...over });

  it("waiting: asks no second cancel of a job already asked, and names the job it waits for", () => {
    const asked = job({ cancelRequestedAt: iso(T0 - 1_000) });
    const t = recordDeprovisionAnswer(
      status({ jobs: [asked], pendingLaunch: teardown }),
      teardown,
      { action: "waiting", blockDeletionOnFailure: true },
      T0,
      options,
    );
    expect(t.status.jobs[0]?.cancelRequestedAt).toBe(iso(T0 - 1_000));
    expect(t.status.deprovisionWaitUntil).toBe(iso(T0 + 1_000));
    expect(t.events[0]?.message).toContain("j1");
  });

  it("waiting with no provision job running: no cancel noted and no job named", () => {
    const done = job({ state: JobState.Succeeded, finishedAt: iso(T0) });
    const t = recordDeprovisionAnswer(
      status({ jobs: [done], pendingLaunch: teardown }),
      teardown,
      { action: "waiting", blockDeletionOnFailure: true },
      T0,
      options,
    );
    expect(t.status.jobs[0]?.cancelRequestedAt).toBeUndefined();
    expect(t.events[0]?.reason).toBe("DeprovisionWaiting");
    expect(t.events[0]?.message).not.toContain("j1");
  });

  it("waiting: a negative retryAfterMs asks again at once", () => {
    const t = recordDeprovisionAnswer(
      base(),
      teardown,
      { action: "waiting", blockDeletionOnFailure: true, retryAfterMs: -5_000 },
      T0,
      options,
    );
    expect(t.status.deprovisionWaitUntil).toBe(iso(T0));
  });

  it("waiting and skipped clear a deprovision launch failure but keep a provision one", () => {
    for (const answer of [
      { action: "waiting", blockDeletionOnFailure: true } as const,
      { action: "skipped", reason: "gone" } as const,
    ]) {
      const ours = recordDeprovisionAnswer(
        base({ launchFailure: failed({ type: "deprovision", configVersion: undefined }) }),
        teardown,
        answer,
        T0,
        options,
      );
      expect(ours.status.launchFailure, answer.action).toBeUndefined();
      const theirs = recordDeprovisionAnswer(
        base({ launchFailure: failed() }),
        teardown,
        answer,
        T0,
        options,
      );
      expect(theirs.status.launchFailure?.type, answer.action).toBe("provision");
    }
  });

  it("skipped: ends a wait and tells the reason", () => {
    const t = recordDeprovisionAnswer(
      base({ deprovisionWaitUntil: iso(T0 + 5_000) }),
      teardown,
      { action: "skipped", reason: "never created" },
      T0,
      options,
    );
    expect(t.status.deprovisionWaitUntil).toBeUndefined();
    expect(t.events).toEqual([expect.objectContaining({ reason: "DeprovisionSkipped" })]);
    expect(t.events[0]?.message).toContain("never created");
  });

  it("a reported provision job status is applied only to a provision job of that id", () => {
    const twin = job({ type: "deprovision", jobId: "j2", correlationId: "c-old" });
    const t = recordDeprovisionAnswer(
      status({ jobs: [job(), twin], pendingLaunch: teardown }),
      teardown,
      {
        action: "triggered",
        jobId: "d1",
        blockDeletionOnFailure: true,
        provisionJobStatus: { jobId: "j2", state: JobState.Failed, message: "x" },
      },
      T0,
      options,
    );
    expect(t.status.jobs.find((j) => j.jobId === "j2")?.state).toBe(JobState.Running);
    expect(t.status.jobs.find((j) => j.jobId === "j1")?.state).toBe(JobState.Running);
    expect(t.events.map((e) => e.reason)).toEqual(["DeprovisionTriggered"]);
    expect(t.events[0]?.message).toContain("d1");
  });
});

describe("recordLookupError", () => {
  it("looks again after the error backoff, or after a rate limit's retryAfterMs", () => {
    const plain = recordLookupError(
      status({ pendingLaunch: pending() }),
      pending(),
      new Error("503"),
      T0,
      options,
    );
    expect(plain.status.pendingLaunch?.lookupAfter).toBe(iso(T0 + 100));
    expect(plain.events[0]?.message).toContain("c-pending");
    const limited = recordLookupError(
      status({ pendingLaunch: pending() }),
      pending(),
      new RateLimitError("429", 8_000),
      T0,
      options,
    );
    expect(limited.status.pendingLaunch?.lookupAfter).toBe(iso(T0 + 8_000));
  });
});

describe("recordLookupMiss: which lookups decide, and what the resource says", () => {
  const ended = pending({ correlationId: "c-lost", requestEndedAt: iso(T0) });
  const relaunch = resolveEngineOptions({ ...options, unknownLaunchPolicy: "relaunch" });
  const miss = (startedAt: number, settleMs: number | undefined, opts = options, s = status()) =>
    recordLookupMiss({ ...s, pendingLaunch: ended }, ended, startedAt, startedAt, opts, settleMs);

  it('"relaunch" waits out a declared launchSettleMs: it applies only when none is declared', () => {
    const t = miss(T0 + 1_000, 60_000, relaunch);
    expect(t.status.pendingLaunch?.correlationId).toBe("c-lost");
    expect(t.events.map((e) => e.reason)).toEqual(["LaunchOutcomeUnknown"]);
    expect(t.events[0]?.type).toBe("Normal");
  });

  it('"relaunch" launches again from a lookup begun as the request ended, not before', () => {
    expect(miss(T0, undefined, relaunch).status.pendingLaunch).toBeUndefined();
    expect(miss(T0 - 1, undefined, relaunch).status.pendingLaunch?.correlationId).toBe("c-lost");
  });

  it("asks a human with a Warning when no settle is declared, and says LookingUp otherwise", () => {
    const human = miss(T0 + 1_000, undefined);
    expect(human.events[0]).toMatchObject({ type: "Warning", reason: "LaunchOutcomeUnknown" });
    expect(human.events[0]?.message).toContain("c-lost");
    const looking = miss(T0 + 1_000, 60_000);
    expect(looking.events[0]).toMatchObject({ type: "Normal", reason: "LaunchOutcomeUnknown" });
  });

  it("tells again when the condition's reason changes (the provider stopped declaring a settle)", () => {
    const first = miss(T0 + 1_000, 60_000);
    const again = recordLookupMiss(first.status, ended, T0 + 2_000, T0 + 2_000, options, 60_000);
    expect(again.events).toEqual([]);
    const changed = recordLookupMiss(
      first.status,
      ended,
      T0 + 2_000,
      T0 + 2_000,
      options,
      undefined,
    );
    expect(changed.events.map((e) => [e.type, e.reason])).toEqual([
      ["Warning", "LaunchOutcomeUnknown"],
    ]);
  });

  it("names the launch's correlation id when it proves the job absent", () => {
    const t = miss(T0 + 5_000, 5_000);
    expect(t.status.pendingLaunch).toBeUndefined();
    expect(t.events[0]).toMatchObject({ type: "Normal", reason: "LaunchNotFound" });
    expect(t.events[0]?.message).toContain("c-lost");
  });
});

describe("event types (kubectl shows Warnings apart)", () => {
  it("adoption and the deprovision answers are Normal; a failed lookup is a Warning", () => {
    const adopted = recordAdopted(
      status({ pendingLaunch: pending() }),
      pending(),
      { jobId: "j9", state: JobState.Running, message: "" },
      T0,
      options,
    );
    expect(adopted.events[0]).toMatchObject({ type: "Normal", reason: "JobAdopted" });
    const answer = (result: Parameters<typeof recordDeprovisionAnswer>[2]) =>
      recordDeprovisionAnswer(status({ pendingLaunch: teardown }), teardown, result, T0, options)
        .events[0];
    expect(
      answer({ action: "triggered", jobId: "d1", blockDeletionOnFailure: true }),
    ).toMatchObject({ type: "Normal", reason: "DeprovisionTriggered" });
    expect(answer({ action: "waiting", blockDeletionOnFailure: true })).toMatchObject({
      type: "Normal",
      reason: "DeprovisionWaiting",
    });
    expect(answer({ action: "skipped", reason: "gone" })).toMatchObject({
      type: "Normal",
      reason: "DeprovisionSkipped",
    });
    const lookup = recordLookupError(
      status({ pendingLaunch: pending() }),
      pending(),
      new Error("503"),
      T0,
      options,
    );
    expect(lookup.events[0]).toMatchObject({ type: "Warning", reason: "JobLookupFailed" });
  });
});
