/**
 * How a launch's outcome lands in the status: the job record a launch or an adoption
 * creates, the launch failure and its count, the provider's deprovision answer, and a
 * failed or empty lookup — the cases transitions.test.ts and launch-absence.test.ts do
 * not pin down (issue 21: behaviours the mutation run showed unpinned in
 * launch-transitions.ts).
 */
import { describe, expect, it } from "vitest";
import {
  ConditionType,
  JobState,
  RateLimitError,
  TimeoutError,
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
  type ProvisioningStatus,
} from "@provisionkit/core";
import { T0, V1, V2, iso, job, status } from "./support/fixtures.js";

const options = resolveEngineOptions({
  pollIntervalMs: 1_000,
  pendingLaunchGraceMs: 30_000,
  errorBackoff: { initialMs: 100, factor: 2, maxMs: 1_000 },
});

const provision: PendingLaunch = {
  type: "provision",
  correlationId: "c1",
  provider: "memory",
  configVersion: V1,
  attempt: 2,
  createdAt: iso(T0),
};
const deprovision: PendingLaunch = {
  type: "deprovision",
  correlationId: "c9",
  provider: "memory",
  attempt: 1,
  createdAt: iso(T0),
};

const failure = (over: Partial<LaunchFailure>): LaunchFailure => ({
  type: "provision",
  configVersion: V1,
  code: "TRANSIENT",
  message: "m",
  count: 3,
  at: iso(T0 - 1_000),
  retryAt: iso(T0 - 500),
  ...over,
});

describe("recordLaunched: the job record a launch creates", () => {
  it("a provision answered Succeeded at once is finished and applies its version", () => {
    const next = recordLaunched(
      status({ pendingLaunch: provision }),
      provision,
      { jobId: "j7", state: JobState.Succeeded, message: "done" },
      T0 + 50,
      options,
    );
    expect(latestJob(next.jobs, "provision")?.finishedAt).toBe(iso(T0 + 50));
    expect(next.reconciledConfigVersion).toBe(V1);
  });

  it("a provision still running does not apply its version and is not finished", () => {
    const next = recordLaunched(
      status({ pendingLaunch: provision, reconciledConfigVersion: V2 }),
      provision,
      { jobId: "j7", state: JobState.Running, message: "" },
      T0,
      options,
    );
    const record = latestJob(next.jobs, "provision")!;
    expect("finishedAt" in record).toBe(false);
    expect(next.reconciledConfigVersion).toBe(V2);
  });

  it("a deprovision record carries no config version; a provision record no blockDeletionOnFailure", () => {
    const teardown = latestJob(
      recordLaunched(
        status(),
        deprovision,
        { jobId: "d1", state: JobState.Pending, message: "" },
        T0,
        options,
      ).jobs,
      "deprovision",
    )!;
    expect("configVersion" in teardown).toBe(false);
    expect(teardown.blockDeletionOnFailure).toBe(true);
    const applied = latestJob(
      recordLaunched(
        status(),
        provision,
        { jobId: "j7", state: JobState.Pending, message: "", blockDeletionOnFailure: false },
        T0,
        options,
      ).jobs,
      "provision",
    )!;
    expect("blockDeletionOnFailure" in applied).toBe(false);
  });

  it("a job already recorded under that id and type is not recorded twice; one of the other type is", () => {
    const known = job({ jobId: "j7", correlationId: "c1" });
    const again = recordLaunched(
      status({ jobs: [known], pendingLaunch: provision }),
      provision,
      { jobId: "j7", state: JobState.Pending, message: "" },
      T0,
      options,
    );
    expect(again.jobs).toEqual([known]);
    expect(again.pendingLaunch).toBeUndefined();
    const twin = recordLaunched(
      status({ jobs: [job({ jobId: "d1" })] }),
      deprovision,
      { jobId: "d1", state: JobState.Pending, message: "" },
      T0,
      options,
    );
    expect(twin.jobs.map((j) => `${j.type}:${j.jobId}`)).toEqual([
      "provision:d1",
      "deprovision:d1",
    ]);
  });
});

describe("recordLaunchError: the launch failure", () => {
  const fail = (s: ProvisioningStatus, pending: PendingLaunch, error: unknown) =>
    recordLaunchError(s, pending, error, T0, options);

  it("counts on only from a failure of the same type and config version", () => {
    const error = new TransientError("down");
    const same = fail(status({ launchFailure: failure({}) }), provision, error);
    expect(same.status.launchFailure?.count).toBe(4);
    const otherVersion = fail(
      status({ launchFailure: failure({ configVersion: V2 }) }),
      provision,
      error,
    );
    expect(otherVersion.status.launchFailure?.count).toBe(1);
    const otherType = fail(
      status({ launchFailure: failure({ type: "deprovision", configVersion: undefined }) }),
      provision,
      error,
    );
    expect(otherType.status.launchFailure?.count).toBe(1);
  });

  it("records the type, and the config version only for a provision", () => {
    const p = fail(status({ pendingLaunch: provision }), provision, new TransientError("down"));
    expect(p.status.launchFailure).toMatchObject({ type: "provision", configVersion: V1 });
    const d = fail(status({ pendingLaunch: deprovision }), deprovision, new TransientError("down"));
    expect(d.status.launchFailure?.type).toBe("deprovision");
    expect("configVersion" in d.status.launchFailure!).toBe(false);
  });

  it("a rate limit has a known outcome: the marker goes, the event is RateLimited", () => {
    const t = fail(
      status({ pendingLaunch: provision }),
      provision,
      new RateLimitError("slow down", 7_000),
    );
    expect(t.status.pendingLaunch).toBeUndefined();
    expect(t.status.launchFailure?.retryAt).toBe(iso(T0 + 7_000));
    expect(t.events.map((e) => [e.type, e.reason])).toEqual([["Warning", "RateLimited"]]);
  });

  it("the event names the launch and the error, and says what happens next", () => {
    const known = fail(
      status({ pendingLaunch: provision }),
      provision,
      new TransientError("backend down"),
    );
    expect(known.events[0]?.reason).toBe("LaunchFailed");
    expect(known.events[0]?.message).toContain("c1");
    expect(known.events[0]?.message).toContain("backend down");
    expect(known.events[0]?.message).toContain(
      `retrying at ${known.status.launchFailure?.retryAt}`,
    );
    const unknown = fail(
      status({ pendingLaunch: provision }),
      provision,
      new TimeoutError("no answer", 30_000),
    );
    expect(unknown.status.pendingLaunch?.requestEndedAt).toBe(iso(T0));
    expect(unknown.events[0]?.message).toContain("unknown outcome");
    expect(unknown.events[0]?.message).not.toContain("retrying at");
  });
});

describe("recordAdopted: a job found by correlation id", () => {
  it("keeps the found deprovision job's blockDeletionOnFailure", () => {
    const t = recordAdopted(
      status({ pendingLaunch: deprovision }),
      deprovision,
      { jobId: "d1", state: JobState.Running, message: "", blockDeletionOnFailure: false },
      T0,
      options,
    );
    expect(latestJob(t.status.jobs, "deprovision")?.blockDeletionOnFailure).toBe(false);
  });

  it("a found job that already ended: recorded, applied, and no endedAfter (when it ran is unknown)", () => {
    const earlier = job({
      jobId: "j0",
      state: JobState.Failed,
      finishedAt: iso(T0 - 9_000),
      endedAfter: iso(T0 - 10_000),
    });
    const t = recordAdopted(
      status({ jobs: [earlier], pendingLaunch: provision }),
      provision,
      { jobId: "j7", state: JobState.Succeeded, message: "done" },
      T0,
      options,
    );
    const adopted = latestJob(t.status.jobs, "provision")!;
    expect(adopted).toMatchObject({ jobId: "j7", state: JobState.Succeeded, finishedAt: iso(T0) });
    expect("endedAfter" in adopted).toBe(false);
    expect(t.status.jobs.find((j) => j.jobId === "j0")?.endedAfter).toBe(iso(T0 - 10_000));
    expect(t.status.reconciledConfigVersion).toBe(V1);
    expect(t.events.map((e) => e.reason)).toEqual(["JobAdopted", "ProvisionSucceeded"]);
  });

  it("the event says where the job came from: found in the backend, or the launching controller", () => {
    const found = { jobId: "j7", state: JobState.Running, message: "" };
    const s = status({ pendingLaunch: provision });
    const backend = recordAdopted(s, provision, found, T0, options);
    const launcher = recordAdopted(s, provision, found, T0, options, undefined, "launcher");
    for (const t of [backend, launcher]) {
      expect(t.events[0]).toMatchObject({ type: "Normal", reason: "JobAdopted" });
      expect(t.events[0]?.message).toContain("j7");
      expect(t.events[0]?.message).toContain("c1");
    }
    expect(backend.events[0]?.message).toContain("restart");
    expect(launcher.events[0]?.message).toContain("launching controller");
  });
});

describe("recordDeprovisionAnswer: what the provider answered", () => {
  const running = job();

  it("a provision status of a job not in the history is ignored", () => {
    const t = recordDeprovisionAnswer(
      status({ jobs: [running], pendingLaunch: deprovision }),
      deprovision,
      {
        action: "triggered",
        jobId: "d1",
        blockDeletionOnFailure: true,
        provisionJobStatus: { jobId: "elsewhere", state: JobState.Succeeded, message: "" },
      },
      T0,
      options,
    );
    expect(t.status.jobs.find((j) => j.type === "provision")).toEqual(running);
    expect(t.events.map((e) => e.reason)).toEqual(["DeprovisionTriggered"]);
  });

  it("triggered: the earlier wait is over; the event names the job, attempt and blockDeletionOnFailure", () => {
    const t = recordDeprovisionAnswer(
      status({ pendingLaunch: deprovision, deprovisionWaitUntil: iso(T0 + 5_000) }),
      deprovision,
      { action: "triggered", jobId: "d1", blockDeletionOnFailure: false },
      T0,
      options,
    );
    expect(t.status.deprovisionWaitUntil).toBeUndefined();
    expect(t.events[0]).toMatchObject({ type: "Normal", reason: "DeprovisionTriggered" });
    expect(t.events[0]?.message).toContain("d1");
    expect(t.events[0]?.message).toContain("attempt 1");
    expect(t.events[0]?.message).toContain("blockDeletionOnFailure=false");
  });

  it("waiting without retryAfterMs asks again after the poll interval; a negative one at once", () => {
    const s = status({ pendingLaunch: deprovision });
    const plain = recordDeprovisionAnswer(
      s,
      deprovision,
      { action: "waiting", blockDeletionOnFailure: true },
      T0,
      options,
    );
    expect(plain.status.deprovisionWaitUntil).toBe(iso(T0 + 1_000));
    expect(plain.events[0]?.message).toContain("1000 ms");
    const negative = recordDeprovisionAnswer(
      s,
      deprovision,
      { action: "waiting", blockDeletionOnFailure: true, retryAfterMs: -5_000 },
      T0,
      options,
    );
    expect(negative.status.deprovisionWaitUntil).toBe(iso(T0));
  });

  it("waiting and skipped clear a deprovision launch failure, never a provision one", () => {
    for (const answer of [
      { action: "waiting", blockDeletionOnFailure: true } as const,
      { action: "skipped", reason: "nothing there" } as const,
    ]) {
      const dFail = recordDeprovisionAnswer(
        status({
          pendingLaunch: deprovision,
          launchFailure: failure({ type: "deprovision", configVersion: undefined }),
        }),
        deprovision,
        answer,
        T0,
        options,
      );
      expect(dFail.status.launchFailure, answer.action).toBeUndefined();
      const pFail = recordDeprovisionAnswer(
        status({ pendingLaunch: deprovision, launchFailure: failure({}) }),
        deprovision,
        answer,
        T0,
        options,
      );
      expect(pFail.status.launchFailure?.type, answer.action).toBe("provision");
    }
  });

  it("waiting asks to cancel a running provision job once, and names it in the event", () => {
    const asked = job({ cancelRequestedAt: iso(T0 - 5_000), updatedAt: iso(T0 - 5_000) });
    const t = recordDeprovisionAnswer(
      status({ jobs: [asked], pendingLaunch: deprovision }),
      deprovision,
      { action: "waiting", blockDeletionOnFailure: true },
      T0,
      options,
    );
    expect(t.status.jobs[0]?.cancelRequestedAt).toBe(iso(T0 - 5_000));
    expect(t.events[0]?.message).toContain("provision job j1");
  });

  it("waiting after the provision job ended: no cancel, and the event names no provision job", () => {
    const ended = job({ state: JobState.Succeeded, finishedAt: iso(T0 - 1_000) });
    const t = recordDeprovisionAnswer(
      status({ jobs: [ended], pendingLaunch: deprovision }),
      deprovision,
      { action: "waiting", blockDeletionOnFailure: true },
      T0,
      options,
    );
    expect(t.status.jobs[0]?.cancelRequestedAt).toBeUndefined();
    expect(t.events[0]?.reason).toBe("DeprovisionWaiting");
    expect(t.events[0]?.message).not.toContain("provision job");
  });

  it("skipped: the event gives the provider's reason", () => {
    const t = recordDeprovisionAnswer(
      status({ pendingLaunch: deprovision }),
      deprovision,
      { action: "skipped", reason: "never provisioned" },
      T0,
      options,
    );
    expect(t.events[0]).toMatchObject({ type: "Normal", reason: "DeprovisionSkipped" });
    expect(t.events[0]?.message).toContain("never provisioned");
  });
});

describe("lookups of a launch whose outcome is unknown", () => {
  const lost: PendingLaunch = { ...provision, requestEndedAt: iso(T0) };

  it("a failed lookup looks again after the error backoff, or a rate limit's retry-after", () => {
    const s = status({ pendingLaunch: lost });
    const failed = recordLookupError(s, lost, new TransientError("503"), T0, options);
    expect(failed.status.pendingLaunch?.lookupAfter).toBe(iso(T0 + 100));
    expect(failed.events[0]).toMatchObject({ type: "Warning", reason: "JobLookupFailed" });
    expect(failed.events[0]?.message).toContain("c1");
    expect(failed.events[0]?.message).toContain("503");
    const limited = recordLookupError(s, lost, new RateLimitError("slow", 4_000), T0, options);
    expect(limited.status.pendingLaunch?.lookupAfter).toBe(iso(T0 + 4_000));
  });

  it("a miss with a settle time is a Normal event (LookingUp); without one a Warning (NeedsResolution)", () => {
    const s = status({ pendingLaunch: lost });
    const settling = recordLookupMiss(s, lost, T0 + 100, T0 + 100, options, 5_000);
    expect(settling.events[0]?.type).toBe("Normal");
    expect(
      settling.status.conditions.find((c) => c.type === ConditionType.LaunchOutcomeUnknown)?.reason,
    ).toBe("LookingUp");
    const human = recordLookupMiss(s, lost, T0 + 100, T0 + 100, options, undefined);
    expect(human.events[0]?.type).toBe("Warning");
    expect(
      human.status.conditions.find((c) => c.type === ConditionType.LaunchOutcomeUnknown)?.reason,
    ).toBe("NeedsResolution");
  });

  it("the event comes again when the condition's reason changes", () => {
    const first = recordLookupMiss(
      status({ pendingLaunch: lost }),
      lost,
      T0 + 100,
      T0 + 100,
      options,
      5_000,
    );
    const marker = first.status.pendingLaunch!;
    const changed = recordLookupMiss(first.status, marker, T0 + 200, T0 + 200, options, undefined);
    expect(changed.events.map((e) => e.reason)).toEqual(["LaunchOutcomeUnknown"]);
  });

  it('"relaunch" does not apply to a provider that declares a settle time', () => {
    const relaunch = resolveEngineOptions({ ...options, unknownLaunchPolicy: "relaunch" });
    const t = recordLookupMiss(
      status({ pendingLaunch: lost }),
      lost,
      T0 + 100,
      T0 + 100,
      relaunch,
      5_000,
    );
    expect(t.status.pendingLaunch).toBeDefined();
    expect(t.status.pendingLaunch?.lookups).toBe(1);
  });
});

describe("launch records keep provision and deprovision jobs of one id apart", () => {
  it("adopting a deprovision job applies what was found to it, not to a provision job of that id", () => {
    const twin = job({
      jobId: "j7",
      state: JobState.Succeeded,
      finishedAt: iso(T0 - 9_000),
      endedAfter: iso(T0 - 10_000),
    });
    const t = recordAdopted(
      status({ jobs: [twin], pendingLaunch: deprovision }),
      deprovision,
      { jobId: "j7", state: JobState.Failed, message: "teardown broke" },
      T0,
      options,
    );
    const byType = Object.fromEntries(t.status.jobs.map((j) => [j.type, j]));
    expect(byType.provision).toEqual(twin);
    expect(byType.deprovision).toMatchObject({ state: JobState.Failed, message: "teardown broke" });
  });

  it("a deprovision answer's provision status is not applied to a deprovision job of that id", () => {
    const earlier = job({
      type: "deprovision",
      jobId: "j9",
      correlationId: "c-old",
      state: JobState.Failed,
      finishedAt: iso(T0 - 60_000),
      configVersion: undefined,
    });
    const t = recordDeprovisionAnswer(
      status({ jobs: [job(), earlier], pendingLaunch: deprovision }),
      deprovision,
      {
        action: "waiting",
        blockDeletionOnFailure: true,
        provisionJobStatus: { jobId: "j9", state: JobState.Succeeded, message: "" },
      },
      T0,
      options,
    );
    expect(t.status.jobs.find((j) => j.type === "deprovision")).toEqual(earlier);
  });
});

describe("what a user reads of a deprovision and a lookup", () => {
  it("a triggered deprovision job's record says so until its first read", () => {
    const t = recordDeprovisionAnswer(
      status({ pendingLaunch: deprovision }),
      deprovision,
      { action: "triggered", jobId: "d1", blockDeletionOnFailure: true },
      T0,
      options,
    );
    expect(latestJob(t.status.jobs, "deprovision")?.message).toBe("deprovision triggered");
  });

  it("a deprovision that waits is a Normal event", () => {
    const t = recordDeprovisionAnswer(
      status({ jobs: [job()], pendingLaunch: deprovision }),
      deprovision,
      { action: "waiting", blockDeletionOnFailure: true },
      T0,
      options,
    );
    expect(t.events[0]).toMatchObject({ type: "Normal", reason: "DeprovisionWaiting" });
  });

  it("a launch proven absent is a Normal LaunchNotFound event naming the correlation id", () => {
    const lost: PendingLaunch = { ...provision, requestEndedAt: iso(T0) };
    const t = recordLookupMiss(
      status({ pendingLaunch: lost }),
      lost,
      T0 + 5_000,
      T0 + 5_000,
      options,
      5_000,
    );
    expect(t.status.pendingLaunch).toBeUndefined();
    expect(t.events[0]).toMatchObject({ type: "Normal", reason: "LaunchNotFound" });
    expect(t.events[0]?.message).toContain("c1");
  });

  it('"relaunch" waits for the request to end: not before, and at that instant it launches again', () => {
    const relaunch = resolveEngineOptions({ ...options, unknownLaunchPolicy: "relaunch" });
    const inFlight: PendingLaunch = { ...provision, requestEndedAt: iso(T0 + 1_000) };
    const early = recordLookupMiss(
      status({ pendingLaunch: inFlight }),
      inFlight,
      T0,
      T0,
      relaunch,
      undefined,
    );
    expect(early.status.pendingLaunch?.lookups).toBe(1);
    const ended: PendingLaunch = { ...provision, requestEndedAt: iso(T0) };
    const atEnd = recordLookupMiss(
      status({ pendingLaunch: ended }),
      ended,
      T0,
      T0,
      relaunch,
      undefined,
    );
    expect(atEnd.status.pendingLaunch).toBeUndefined();
  });
});
