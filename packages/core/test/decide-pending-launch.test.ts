import { describe, expect, it } from "vitest";
import { ConditionType, DEFAULT_ENGINE_OPTIONS, JobState, decide } from "@provisionkit/core";
import {
  T0,
  V1,
  V2,
  caps,
  cond,
  directory,
  input,
  iso,
  job,
  pending,
  status,
} from "./support/fixtures.js";

const noFindJob = directory(caps("memory", false));
const afterGrace = T0 + DEFAULT_ENGINE_OPTIONS.pendingLaunchGraceMs;

describe("decide: a pending launch (E5), what it tells the user", () => {
  it("keeps a marker when only jobs of other launches are recorded, and looks its job up", () => {
    const p = pending({ configVersion: V2 });
    const d = decide(
      input({
        status: status({
          pendingLaunch: p,
          jobs: [job({ state: JobState.Succeeded, finishedAt: iso(T0) })],
          reconciledConfigVersion: V1,
        }),
        desiredConfigVersion: V2,
      }),
    );
    expect(d.action).toEqual({ kind: "adopt", pending: p });
    expect(d.status.pendingLaunch?.correlationId).toBe("c-pending");
  });

  it("says with a Normal event which launch a resolution without a job id closed", () => {
    const d = decide(
      input({
        status: status({ pendingLaunch: pending() }),
        providers: noFindJob,
        resolution: { correlationId: "c-pending" },
      }),
    );
    const event = d.events.find((e) => e.reason === "LaunchResolved");
    expect(event?.type).toBe("Normal");
    expect(event?.message).toContain("c-pending");
  });

  it("warns when it repairs a marker's createdAt, quoting the bad value cut to a bounded length", () => {
    const repaired = (createdAt: string) =>
      decide(
        input({
          status: status({ pendingLaunch: pending({ createdAt }) }),
          providers: noFindJob,
        }),
      ).events.find((e) => e.reason === "PendingLaunchRepaired");
    const future = repaired("2999-01-01T00:00:00.000Z");
    expect(future?.type).toBe("Warning");
    expect(future?.message).toContain("2999-01-01T00:00:00.000Z");
    const garbage = repaired("x".repeat(1_000));
    expect(garbage?.type).toBe("Warning");
    expect(garbage?.message).toContain("x".repeat(40));
    expect(garbage?.message).not.toContain("x".repeat(100));
  });

  it("under policy block, warns once and sets LaunchOutcomeUnknown for this generation, saying how to resolve", () => {
    const d = decide(
      input({
        status: status({ pendingLaunch: pending() }),
        now: afterGrace,
        providers: noFindJob,
        generation: 7,
      }),
    );
    const c = cond(d, ConditionType.LaunchOutcomeUnknown);
    expect(c).toMatchObject({ status: "True", reason: "NeedsResolution", observedGeneration: 7 });
    expect(c?.message).toContain("c-pending");
    expect(c?.message).toContain("no findJob");
    expect(c?.message).toMatch(/resolve with its job id/);
    expect(c?.message).toMatch(/no job id if there is none/);
    expect(d.events).toEqual([
      { type: "Warning", reason: "LaunchOutcomeUnknown", message: c?.message },
    ]);
  });

  it("under policy relaunch, its warning names the launch, the provider's missing findJob and the policy", () => {
    const d = decide(
      input({
        status: status({ pendingLaunch: pending() }),
        now: afterGrace,
        providers: noFindJob,
        options: { unknownLaunchPolicy: "relaunch" },
      }),
    );
    const event = d.events.find((e) => e.reason === "LaunchOutcomeUnknown");
    expect(event?.type).toBe("Warning");
    expect(event?.message).toContain("c-pending");
    expect(event?.message).toContain("no findJob");
    expect(event?.message).toContain('"relaunch"');
  });

  it("reads a job adopted from a resolution at once, leaving the next read of the other running job alone", () => {
    // Deleting while the provision job runs (P5): the deprovision launch's outcome was lost.
    const running = job({ nextCheckAt: iso(T0 + 60_000) });
    const p = pending({ type: "deprovision", configVersion: undefined });
    delete (p as { configVersion?: string }).configVersion;
    const d = decide(
      input({
        status: status({ jobs: [running], pendingLaunch: p }),
        deleting: true,
        providers: noFindJob,
        now: T0 + 5_000,
        resolution: { correlationId: "c-pending", jobId: "d9" },
      }),
    );
    expect(d.action).toMatchObject({ kind: "poll", job: { jobId: "d9", type: "deprovision" } });
    const provision = d.status.jobs.find((j) => j.jobId === "j1");
    expect(provision?.nextCheckAt).toBe(iso(T0 + 60_000));
  });
});
