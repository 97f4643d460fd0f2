import {
  ConditionType,
  MAX_RETRY_AFTER_MS,
  findCondition,
  type ReconcileResult,
} from "@provisionkit/core";
import { driveEngine, type EngineState } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import { computeInstance, startAap } from "./support/fixture.ts";

// Issue 16, item 4: a 429 whose Retry-After is absurd (`100000000000000` seconds, or a
// date in year 9999) once made every reconcile fail with "Invalid time value" (the engine
// wrote `now + delay` as a date) and nothing was recorded while it lasted. The delay is
// clamped to MAX_RETRY_AFTER_MS where the header is parsed and where a RateLimitError is
// built, so the engine records the failure and retries a day later.

const ready = (r: ReconcileResult) =>
  findCondition(r.status.conditions, ConditionType.Ready)?.status === "True";

describe.each([
  ["delay seconds", "100000000000000"],
  ["an HTTP date in year 9999", "Fri, 31 Dec 9999 23:59:59 GMT"],
])("engine + AapProvider: a launch answered 429 with Retry-After as %s", (_label, header) => {
  it(
    "is recorded as a launch failure retried after MAX_RETRY_AFTER_MS, then provisions",
    { timeout: 30_000 },
    async () => {
      const fx = await startAap();
      fx.sim.faults.inject({
        operation: "launch",
        action: { type: "status", status: 429, headers: { "Retry-After": header } },
      });
      const vm = computeInstance("vm-1");
      const state: EngineState = { status: undefined };
      const engine = { pollIntervalMs: 5000, pendingLaunchGraceMs: 10_000 };
      const failed = await driveEngine({
        provider: fx.provider,
        resource: vm,
        state,
        clock: fx.clock,
        engine,
        until: (r) => r.status.launchFailure !== undefined,
      });
      const failure = failed.status.launchFailure!;
      expect(failure.code).toBe("RATE_LIMITED");
      expect(Date.parse(failure.retryAt) - Date.parse(failure.at)).toBe(MAX_RETRY_AFTER_MS);
      expect(failed.requeueAfterMs).toBe(MAX_RETRY_AFTER_MS);
      // The failure is persisted (not only returned), and no job exists.
      expect(state.status?.launchFailure?.retryAt).toBe(failure.retryAt);
      expect(fx.sim.ledger()).toHaveLength(0);

      const launchedAt = fx.clock.now();
      const result = await driveEngine({
        provider: fx.provider,
        resource: vm,
        state,
        clock: fx.clock,
        engine,
        until: ready,
      });
      expect(result.status.launchFailure).toBeUndefined();
      expect(fx.sim.ledger()).toHaveLength(1);
      // The relaunch waited the whole (clamped) day: never shortened (P8).
      expect(fx.sim.ledger()[0]!.createdAt - launchedAt).toBeGreaterThanOrEqual(MAX_RETRY_AFTER_MS);
    },
  );
});

describe("engine + AapProvider: a status read answered 429 with Retry-After: 100000000000000", () => {
  it(
    "records the job's status error with a valid date and keeps the job",
    { timeout: 30_000 },
    async () => {
      const fx = await startAap({
        simulator: { defaultScript: { pendingMs: 1000, waitingMs: 1000, runMs: 60_000 } },
      });
      const vm = computeInstance("vm-1");
      const state: EngineState = { status: undefined };
      const engine = { pollIntervalMs: 5000, pendingLaunchGraceMs: 10_000 };
      await driveEngine({
        provider: fx.provider,
        resource: vm,
        state,
        clock: fx.clock,
        engine,
        until: (r) => r.status.jobs.length === 1 && r.status.pendingLaunch === undefined,
      });
      fx.sim.faults.inject({
        operation: "job-get",
        times: 10,
        action: { type: "status", status: 429, headers: { "Retry-After": "100000000000000" } },
      });
      const failed = await driveEngine({
        provider: fx.provider,
        resource: vm,
        state,
        clock: fx.clock,
        engine,
        until: (r) => r.status.jobs[0]?.statusError !== undefined,
      });
      const job = failed.status.jobs[0]!;
      expect(job.statusError?.code).toBe("RATE_LIMITED");
      expect(Date.parse(job.statusError!.retryAt) - Date.parse(job.statusError!.at)).toBe(
        MAX_RETRY_AFTER_MS,
      );
      expect(state.status?.jobs[0]?.statusError?.code).toBe("RATE_LIMITED");
      expect(fx.sim.ledger()).toHaveLength(1);
    },
  );
});
