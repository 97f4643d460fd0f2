import { describe, expect, it } from "vitest";
import {
  JobState,
  decide,
  pollDelay,
  recordJobStatus,
  recordLaunched,
  resolveEngineOptions,
  type JobRecord,
} from "@provisionkit/core";
import { T0, V2, caps, directory, input, iso, job, pending, status } from "./support/fixtures.js";

const o = resolveEngineOptions();

describe("pollDelay", () => {
  it("without a context polls every pollIntervalMs, as before adaptive polling", () => {
    for (const age of [0, 5_000, 60_000, 3_600_000])
      expect(pollDelay(age, undefined, o)).toBe(10_000);
    const fast = resolveEngineOptions({ pollIntervalMs: 50 });
    expect(pollDelay(10_000, undefined, fast)).toBe(50);
  });

  it("without an estimate doubles from minPollIntervalMs up to pollIntervalMs, then polls every pollIntervalMs", () => {
    const reads: number[] = [];
    let age = 0;
    while (age < 60_000) {
      age += pollDelay(age, {}, o);
      reads.push(age);
    }
    expect(reads).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 26_000, 36_000, 46_000, 56_000, 66_000,
    ]);
    expect(pollDelay(100_000_000, {}, o)).toBe(10_000);
  });

  it("with an estimate reads once at the expected end, then every pollStepFraction of the age", () => {
    const context = { expectedDurationMs: 300_000 };
    expect(pollDelay(0, context, o)).toBe(300_000);
    expect(pollDelay(299_500, context, o)).toBe(1_000); // at least minPollIntervalMs
    expect(pollDelay(60_000, { expectedDurationMs: 60_000 }, o)).toBe(2_400);
    expect(pollDelay(300_000, context, o)).toBe(12_000);
    expect(pollDelay(100_000_000, context, o)).toBe(600_000);
    expect(pollDelay(10_000, { expectedDurationMs: 10_000 }, o)).toBe(1_000);
    // A nonsense estimate counts as none.
    expect(pollDelay(0, { expectedDurationMs: Number.NaN }, o)).toBe(1_000);
    expect(pollDelay(0, { expectedDurationMs: -5 }, o)).toBe(1_000);
  });

  it("with completion signals polls only as a safety net: from max(S, 2E), then doubling from S", () => {
    expect(pollDelay(0, { signalsActive: true }, o)).toBe(300_000);
    expect(pollDelay(300_000, { signalsActive: true }, o)).toBe(300_000);
    expect(pollDelay(450_000, { signalsActive: true }, o)).toBe(450_000);
    const long = { signalsActive: true, expectedDurationMs: 3_600_000 };
    expect(pollDelay(0, long, o)).toBe(7_200_000);
    expect(pollDelay(7_200_000, long, o)).toBe(7_200_000);
  });

  it("treats a nonsense estimate as none also past its start: doubling up to pollIntervalMs, not a step of the age", () => {
    // At the age of 100 s a job with an estimate is read after 4 % of its age (4 s); one
    // without is read every pollIntervalMs (10 s).
    expect(pollDelay(100_000, { expectedDurationMs: 50_000 }, o)).toBe(4_000);
    for (const nonsense of [Number.NaN, -5, 0, Number.POSITIVE_INFINITY])
      expect(pollDelay(100_000, { expectedDurationMs: nonsense }, o)).toBe(10_000);
    expect(pollDelay(0, { expectedDurationMs: Number.POSITIVE_INFINITY }, o)).toBe(1_000);
  });

  it("with completion signals reads first at max(S, 2E) from the launch, however late the previous read", () => {
    // A read at 100 s (for example after a restart): the safety read stays at the age of 300 s.
    expect(pollDelay(100_000, { signalsActive: true }, o)).toBe(200_000);
    const long = { signalsActive: true, expectedDurationMs: 3_600_000 };
    expect(pollDelay(7_000_000, long, o)).toBe(200_000);
  });

  it("keeps a pollIntervalMs below minPollIntervalMs exact without an estimate", () => {
    const fast = resolveEngineOptions({ pollIntervalMs: 50 });
    for (const age of [0, 1_000, 3_600_000]) expect(pollDelay(age, {}, fast)).toBe(50);
    expect(pollDelay(1_000, { expectedDurationMs: 500 }, fast)).toBe(50);
  });
});

describe("the engine's schedule", () => {
  const poll = { expectedDurationMs: (): number => 60_000 };

  it("schedules the first read of a launched job from the caller's estimate", () => {
    const launched = recordLaunched(
      status({ pendingLaunch: pending() }),
      pending(),
      { jobId: "j1", state: JobState.Pending, message: "" },
      T0,
      o,
      poll,
    );
    expect(launched.jobs[0]?.nextCheckAt).toBe(iso(T0 + 60_000));
    const legacy = recordLaunched(
      status({ pendingLaunch: pending() }),
      pending(),
      { jobId: "j1", state: JobState.Pending, message: "" },
      T0,
      o,
    );
    expect(legacy.jobs[0]?.nextCheckAt).toBe(iso(T0 + 10_000));
  });

  function launchedWith(poll?: Parameters<typeof recordLaunched>[5]): string | undefined {
    return recordLaunched(
      status({ pendingLaunch: pending() }),
      pending(),
      { jobId: "j1", state: JobState.Pending, message: "" },
      T0,
      o,
      poll,
    ).jobs[0]?.nextCheckAt;
  }

  it("schedules a launched job every pollIntervalMs when the caller's inputs carry neither an estimate nor signals", () => {
    expect(launchedWith({})).toBe(iso(T0 + 10_000));
    expect(launchedWith({ expectedDurationMs: undefined, signalsActive: undefined })).toBe(
      iso(T0 + 10_000),
    );
  });

  it("schedules only the safety-net read of a launched job whose completion is signaled, with no estimate", () => {
    expect(launchedWith({ signalsActive: () => true })).toBe(iso(T0 + 300_000));
    // Signals off for this job: no estimate, so the first read comes after minPollIntervalMs.
    expect(launchedWith({ signalsActive: () => false })).toBe(iso(T0 + 1_000));
  });

  it("reads a job past its estimate again after pollStepFraction of its age, and brackets its end", () => {
    const running = job({ updatedAt: iso(T0 + 60_000) });
    const s = status({ jobs: [running] });
    const again = recordJobStatus(
      s,
      running,
      { jobId: "j1", state: JobState.Running, message: "" },
      T0 + 60_000,
      o,
      poll,
    );
    expect(again.status.jobs[0]?.nextCheckAt).toBe(iso(T0 + 60_000 + 2_400));
    const after = again.status.jobs[0] as JobRecord;
    const ended = recordJobStatus(
      again.status,
      after,
      { jobId: "j1", state: JobState.Succeeded, message: "" },
      T0 + 62_400,
      o,
      poll,
    );
    expect(ended.status.jobs[0]).toMatchObject({
      finishedAt: iso(T0 + 62_400),
      endedAfter: iso(T0 + 60_000),
    });
  });
});

describe("decide with completion signals", () => {
  const running = job({ nextCheckAt: iso(T0 + 300_000) });

  it("reads a signaled job at once, whatever its nextCheckAt", () => {
    const quiet = decide(input({ status: status({ jobs: [running] }) }));
    expect(quiet.action.kind).toBe("none");
    expect(quiet.requeueAfterMs).toBe(300_000);
    const signaled = decide(
      input({ status: status({ jobs: [running] }), signaledJobIds: new Set(["j1"]) }),
    );
    expect(signaled.action).toEqual({ kind: "poll", job: running });
  });

  it("ignores signals for other jobs and for jobs already ended", () => {
    const other = decide(
      input({ status: status({ jobs: [running] }), signaledJobIds: new Set(["j2"]) }),
    );
    expect(other.action.kind).toBe("none");
    const done = job({ state: JobState.Succeeded, finishedAt: iso(T0) });
    const ended = decide(
      input({
        status: status({ jobs: [done], reconciledConfigVersion: done.configVersion ?? "" }),
        signaledJobIds: new Set(["j1"]),
      }),
    );
    expect(ended.action.kind).toBe("none");
  });

  it("keeps a failed read's retryAt (a rate limit's retry-after is never shortened)", () => {
    const limited = job({
      nextCheckAt: iso(T0 + 30_000),
      statusError: {
        code: "RATE_LIMITED",
        message: "429",
        count: 1,
        at: iso(T0),
        retryAt: iso(T0 + 30_000),
      },
    });
    const d = decide(
      input({ status: status({ jobs: [limited] }), signaledJobIds: new Set(["j1"]) }),
    );
    expect(d.action.kind).toBe("none");
    expect(d.requeueAfterMs).toBe(30_000);
    const later = decide(
      input({
        now: T0 + 30_000,
        status: status({ jobs: [limited] }),
        signaledJobIds: new Set(["j1"]),
      }),
    );
    expect(later.action.kind).toBe("poll");
  });
});

describe("decide: cancels keep their timing under the adaptive schedule", () => {
  // Read at T0; the adaptive schedule put the next read an hour later.
  const running = job({ updatedAt: iso(T0), nextCheckAt: iso(T0 + 3_600_000) });
  const options = { onSpecChangeWhileRunning: "cancel" as const };

  it("cancels on a spec change within pollIntervalMs of the last read, not at the next read", () => {
    const early = decide(
      input({
        status: status({ jobs: [running] }),
        desiredConfigVersion: V2,
        options,
        now: T0 + 4_000,
      }),
    );
    expect(early.action.kind).toBe("none");
    expect(early.requeueAfterMs).toBe(6_000);
    const due = decide(
      input({
        status: status({ jobs: [running] }),
        desiredConfigVersion: V2,
        options,
        now: T0 + 10_000,
      }),
    );
    expect(due.action).toMatchObject({ kind: "cancel", reason: "spec-change" });
  });

  it("keeps a failed call's retryAt for the cancel too", () => {
    const failed = job({
      updatedAt: iso(T0),
      nextCheckAt: iso(T0 + 40_000),
      statusError: {
        code: "RATE_LIMITED",
        message: "429",
        count: 1,
        at: iso(T0),
        retryAt: iso(T0 + 40_000),
      },
    });
    const d = decide(
      input({
        status: status({ jobs: [failed] }),
        desiredConfigVersion: V2,
        options,
        now: T0 + 10_000,
      }),
    );
    expect(d.action.kind).toBe("none");
    expect(d.requeueAfterMs).toBe(30_000);
  });

  it("cancels another provider's provision job on deletion within pollIntervalMs", () => {
    const foreign = job({
      provider: "other",
      updatedAt: iso(T0),
      nextCheckAt: iso(T0 + 3_600_000),
    });
    const providers = directory(caps("memory"), caps("other"));
    const early = decide(
      input({ status: status({ jobs: [foreign] }), deleting: true, providers, now: T0 + 1_000 }),
    );
    expect(early.action.kind).toBe("none");
    expect(early.requeueAfterMs).toBe(9_000);
    const due = decide(
      input({ status: status({ jobs: [foreign] }), deleting: true, providers, now: T0 + 10_000 }),
    );
    expect(due.action).toMatchObject({ kind: "cancel", reason: "deletion" });
  });
});
