/**
 * @module
 */
import { JobState, type JobType } from "@provisionkit/core";
import { SPECS, type Session } from "../driver/session.js";
import type { RuleId } from "../types.js";
import { SCENARIO_ENGINE_OPTIONS, single } from "./scenario.js";

/**
 * Once a job of `operation` (scripted to run 25 s) is launched, let it end with every
 * process asleep, and purge it before the engine reads its end.
 */
async function purgeOnceEnded(
  s: Session,
  key: string,
  operation: JobType,
  rule: RuleId,
): Promise<void> {
  const launched = () => s.latest(key, operation) !== undefined;
  await s.until(launched, `a ${operation} job launched`, rule, key);
  await s.advance(26_000);
  const job = s.latest(key, operation);
  if (job) s.purge(job);
}

/** A finished job purged before the engine read it: a provision is retried, a deprovision blocks or goes. */
export const purgedJob = single(
  {
    id: "purged-job",
    title: "purged jobs",
    rules: ["P3", "E2", "E3", "E4"],
    needs: { controls: ["purge"] },
  },
  async (s) => {
    s.scriptNext("provision", { durationMs: 25_000 });
    const key = s.create("w1", SPECS.A);
    await purgeOnceEnded(s, key, "provision", "E3");
    await s.untilReady(key);
    s.scriptNext("deprovision", { durationMs: 25_000 });
    s.delete(key);
    await purgeOnceEnded(s, key, "deprovision", "E4");
    await s.untilGone(key);
  },
);

/** Launches answered with a rate limit: a RateLimitError (P8), retried after its wait. */
export const rateLimitedLaunch = single(
  {
    id: "rate-limited-launch",
    title: "rate-limited launches",
    rules: ["P8", "E2"],
    needs: { controls: ["rateLimit"] },
  },
  async (s) => {
    s.rateLimitNext(1, 20_000);
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key);
    s.rateLimitNext(1, 20_000);
    s.delete(key);
    await s.untilGone(key);
  },
);

/** Requests failing with 503: retryable typed errors (P8), and the job still ends (P3). */
export const transientFailure = single(
  {
    id: "transient-failure",
    title: "transient failures",
    rules: ["P8", "P3"],
    needs: { controls: ["transientFailure"] },
  },
  async (s) => {
    s.failNext(1);
    const key = s.create("w1", SPECS.A);
    await s.until(
      () => (s.status(key)?.jobs.length ?? 0) > 0,
      "a provision job recorded",
      "E3",
      key,
    );
    s.failNext(1);
    await s.untilReady(key);
    s.failNext(1);
    s.delete(key);
    await s.untilGone(key);
  },
);

/** A provision job that never ends: timed out, canceled, retried. */
export const neverFinishingJob = single(
  {
    id: "never-finishing-job",
    title: "a job that never finishes",
    rules: ["P3", "E1", "E2"],
    needs: { controls: ["neverFinishes"], capabilities: ["cancel"] },
  },
  async (s) => {
    s.scriptNext("provision", { neverFinishes: true });
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key);
    s.delete(key);
    await s.untilGone(key);
  },
  () => ({ engine: { jobTimeoutMs: 5 * 60_000 } }),
);

/**
 * A provision job ends in each of the backend's other failure states
 * (`BackendControls.failureKinds`: AWX's `error`, beside `failed`), one resource per
 * state: the provider reports the job Failed within two polls of its end (P3 — a state
 * table that misses one leaves the job unfinished for the engine: it polls it forever or
 * until the job timeout) and the engine provisions again, to Ready (E3).
 */
export const failureKinds = single(
  {
    id: "failure-kinds",
    title: "a job ends in each of the backend's other failure states",
    rules: ["P3", "E3"],
    needs: { controls: ["failures"] },
    skip: (env) =>
      (env.controls.failureKinds?.length ?? 0) > 0
        ? undefined
        : "the backend harness declares no other failure states (BackendControls.failureKinds)",
  },
  async (s, env) => {
    for (const kind of env.controls.failureKinds ?? []) {
      s.scriptNext("provision", { outcome: "failed", failureKind: kind, durationMs: 20_000 });
      const key = s.create(`w-${kind}`, SPECS.A);
      await s.until(
        () => s.latest(key, "provision")?.finishedAt !== undefined,
        `a provision job ended in "${kind}"`,
        "E3",
        key,
      );
      await s.until(
        () =>
          (s.status(key)?.jobs ?? []).some(
            (j) => j.type === "provision" && j.state === JobState.Failed,
          ),
        `the provision job that ended in "${kind}" reported Failed`,
        "P3",
        key,
        2 * (SCENARIO_ENGINE_OPTIONS.pollIntervalMs ?? 10_000) + 1_000,
      );
      await s.untilReady(key);
    }
  },
);
