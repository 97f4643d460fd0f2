/**
 * @module
 */
import { ConditionType, findCondition, isUnsuccessful, latestJob } from "@provisionkit/core";
import { isGone } from "../driver/goals.js";
import { SPECS, type Session } from "../driver/session.js";
import type { ConformanceBackend } from "../types.js";
import { outcomeOf, runWorld, type ConformanceScenario, type ScenarioEnv } from "./scenario.js";

/** The flag the engine recorded on the resource's latest failed deprovision job, if any. */
function declaredOnFailure(s: Session, key: string): boolean | undefined {
  for (const persist of [...s.world.trace.persists].reverse()) {
    if (persist.resourceKey !== key) continue;
    const job = latestJob(persist.status.jobs, "deprovision");
    if (job && isUnsuccessful(job.state)) return job.blockDeletionOnFailure !== false;
  }
  return undefined;
}

function blocked(s: Session, key: string): boolean {
  const status = s.status(key);
  return (
    status !== undefined &&
    findCondition(status.conditions, ConditionType.DeletionBlocked)?.status === "True"
  );
}

function unable(declared: boolean, flag: boolean): string {
  return `the provider declares blockDeletionOnFailure=${String(declared)} and the backend harness has no providerWith() to make it declare ${String(flag)}, so E4 with ${String(flag)} is not checked`;
}

/**
 * A deprovision that fails, with the provider declaring `flag` (through `providerWith`, or
 * as it does by default): with true, deletion stays blocked with DeletionBlocked True and
 * is retried with backoff; with false, the finalizer goes at once.
 */
function failedDeprovision(flag: boolean): ConformanceScenario {
  return {
    id: flag ? "failed-deprovision-blocking" : "failed-deprovision-non-blocking",
    title: `failed deprovision with blockDeletionOnFailure=${String(flag)}`,
    rules: ["P7", "E4"],
    needs: { controls: ["failures"] },
    skip(env: ScenarioEnv) {
      const declared = env.capabilities.blockDeletionOnFailure;
      return env.providerWith || declared === undefined || declared === flag
        ? undefined
        : unable(declared, flag);
    },
    async run(env) {
      let declared: boolean | undefined;
      const setup = env.providerWith
        ? {
            provider: (backend: ConformanceBackend) =>
              backend.providerWith?.({ blockDeletionOnFailure: flag }) ?? backend.provider(),
          }
        : {};
      const run = await runWorld(env, setup, async (s) => {
        const key = s.create("w1", SPECS.A);
        await s.untilReady(key);
        s.scriptNext("deprovision", { outcome: "failed", durationMs: 20_000 });
        if (flag) s.scriptNext("deprovision", { outcome: "failed", durationMs: 20_000 });
        s.delete(key);
        const failed = (): boolean => declaredOnFailure(s, key) !== undefined;
        await s.until(
          () => failed() || isGone(s.world, key),
          "the failed deprovision job recorded",
          "E4",
          key,
        );
        declared = declaredOnFailure(s, key);
        if (declared === true)
          await s.until(
            () => blocked(s, key),
            "DeletionBlocked True after the failed deprovision",
            "E4",
            key,
          );
        await s.untilGone(key);
      });
      const outcome = outcomeOf(run);
      const clean = outcome.violations.length === 0 && outcome.error === undefined;
      if (clean && declared !== undefined && declared !== flag)
        outcome.skipReason = unable(declared, flag);
      return outcome;
    },
  };
}

/** A deprovision that fails with blockDeletionOnFailure=true: blocked, DeletionBlocked, retried with backoff. */
export const failedDeprovisionBlocking = failedDeprovision(true);

/** A deprovision that fails with blockDeletionOnFailure=false: the finalizer goes, no retry. */
export const failedDeprovisionNonBlocking = failedDeprovision(false);
