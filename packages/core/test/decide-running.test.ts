import { describe, expect, it } from "vitest";
import { ConditionType, JobState, decide, latestJob } from "@provisionkit/core";
import { T0, V1, V2, caps, cond, directory, input, iso, job, status } from "./support/fixtures.js";

const cancelOnChange = { onSpecChangeWhileRunning: "cancel" as const };

describe("decide: the cancel policy on a spec change (E1)", () => {
  it("never cancels a running job that applies the desired version", () => {
    const d = decide(
      input({
        status: status({ jobs: [job()] }),
        desiredConfigVersion: V1,
        options: cancelOnChange,
      }),
    );
    expect(d.action).toMatchObject({ kind: "poll", job: { jobId: "j1" } });
  });

  it("never cancels a running deprovision job (it applies no config version)", () => {
    const d = decide(
      input({
        status: status({
          jobs: [job({ jobId: "d1", type: "deprovision", configVersion: undefined })],
        }),
        desiredConfigVersion: V2,
        options: cancelOnChange,
      }),
    );
    expect(d.action).toMatchObject({ kind: "poll", job: { jobId: "d1" } });
  });

  it("warns that a job of a provider no longer configured cannot be read, rather than failing", () => {
    const d = decide(
      input({
        status: status({ jobs: [job({ provider: "old" })] }),
        desiredConfigVersion: V2,
        options: cancelOnChange,
        providers: directory(caps("new")),
      }),
    );
    expect(d.action.kind).toBe("none");
    expect(d.requeueAfterMs).toBe(10_000);
    expect(d.events).toHaveLength(1);
    expect(d.events[0]).toMatchObject({ type: "Warning", reason: "ProviderUnavailable" });
    expect(d.events[0]?.message).toContain("job j1");
    expect(d.events[0]?.message).toContain("provider old");
  });
});

describe("decide: job timeout (P3), edge cases", () => {
  it("times out a job whose provider is no longer configured, without a cancel", () => {
    const d = decide(
      input({
        status: status({ jobs: [job({ provider: "gone" })] }),
        now: T0 + 90_000,
        options: { jobTimeoutMs: 60_000 },
      }),
    );
    expect(d.action.kind).toBe("none");
    expect(d.requeueAfterMs).toBe(0);
    expect(latestJob(d.status.jobs, "provision")).toMatchObject({
      state: JobState.Failed,
      reason: "Timeout",
      awaitingEnd: true,
    });
    expect(d.events.map((e) => e.reason)).toContain("JobTimedOut");
  });

  it("reads a timed-out job awaiting its end on its schedule, not at a deadline moved later by a larger jobTimeoutMs", () => {
    // Timed out under a 60 s timeout; the timeout is now 100 s, whose deadline is T0 + 100 s.
    const timedOut = job({
      state: JobState.Failed,
      awaitingEnd: true,
      reason: "Timeout",
      finishedAt: iso(T0 + 60_000),
      updatedAt: iso(T0 + 60_000),
      nextCheckAt: iso(T0 + 150_000),
    });
    const d = decide(
      input({
        status: status({ jobs: [timedOut] }),
        now: T0 + 90_000,
        options: { jobTimeoutMs: 100_000 },
      }),
    );
    expect(d.action.kind).toBe("none");
    expect(d.requeueAfterMs).toBe(60_000);
  });
});

describe("decide: the reconciled version (E3)", () => {
  it("keeps the reconciled version when the latest succeeded provision job names none", () => {
    const unversioned = job({
      state: JobState.Succeeded,
      finishedAt: iso(T0),
      configVersion: undefined,
    });
    const d = decide(
      input({ status: status({ jobs: [unversioned], reconciledConfigVersion: V1 }) }),
    );
    expect(d.action.kind).toBe("none");
    expect(d.status.reconciledConfigVersion).toBe(V1);
    expect(cond(d, ConditionType.Ready)?.status).toBe("True");
  });
});
