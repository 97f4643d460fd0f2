/**
 * @module
 */
import { ConditionType, findCondition, isUnsuccessful, latestJob } from "@provisionkit/core";
import { isGone } from "../driver/goals.js";
import { SPECS, type Session } from "../driver/session.js";
import type { ConformanceBackend } from "../types.js";
import {
  outcomeOf,
  runWorld,
  type ConformanceScenario,
  type ScenarioEnv,
  type WorldSetup,
} from "./scenario.js";

/** The flag the engine recorded on the resource's latest failed deprovision job, if any. */
export function declaredOnFailure(s: Session, key: string): boolean | undefined {
  for (const persist of [...s.world.trace.persists].reverse()) {
    if (persist.resourceKey !== key) continue;
    const job = latestJob(persist.status.jobs, "deprovision");
    if (job && isUnsuccessful(job.state)) return job.blockDeletionOnFailure !== false;
  }
  return undefined;
}

/** Whether the resource's status has DeletionBlocked True now. */
function blocked(s: Session, key: string): boolean {
  const status = s.status(key);
  return (
    status !== undefined &&
    findCondition(status.conditions, ConditionType.DeletionBlocked)?.status === "True"
  );
}

/**
 * Creates a probe resource `name`, has it Ready, deletes it the usual way and answers the
 * `blockDeletionOnFailure` its deprovision answers declared (the first `triggered` or
 * `waiting` answer), or `undefined` when none did: what the provider declares (P7, stable
 * for a configuration), learnt before a scenario loses the answer that would say it.
 */
export async function probeDeclaredFlag(s: Session, name: string): Promise<boolean | undefined> {
  const key = s.create(name, SPECS.A);
  await s.untilReady(key);
  s.delete(key);
  await s.untilGone(key);
  for (const call of s.world.trace.calls) {
    if (call.resourceKey !== key || call.method !== "triggerDeprovision" || !call.outcome.ok) {
      continue;
    }
    const answer = call.outcome.value as { blockDeletionOnFailure?: unknown } | undefined;
    if (typeof answer?.blockDeletionOnFailure === "boolean") return answer.blockDeletionOnFailure;
  }
  return undefined;
}

/** Why a scenario is skipped when the provider declares `declared` and cannot be made to declare `flag`. */
export function unable(declared: boolean, flag: boolean): string {
  return `the provider declares blockDeletionOnFailure=${String(declared)} and the backend harness has no providerWith() to make it declare ${String(flag)}, so E4 with ${String(flag)} is not checked`;
}

/**
 * A scenario's `skip` when it needs a provider declaring `flag`: skipped only when the
 * harness states another flag and has no `providerWith()` to ask for this one.
 */
export function skipUnlessDeclarable(flag: boolean): (env: ScenarioEnv) => string | undefined {
  return (env) => {
    const declared = env.capabilities.blockDeletionOnFailure;
    return env.providerWith || declared === undefined || declared === flag
      ? undefined
      : unable(declared, flag);
  };
}

/** A world whose provider is asked to declare `flag` (`providerWith`), where it can be. */
export function declaringFlag(env: ScenarioEnv, flag: boolean): WorldSetup {
  return env.providerWith
    ? {
        provider: (backend: ConformanceBackend) =>
          backend.providerWith?.({ blockDeletionOnFailure: flag }) ?? backend.provider(),
      }
    : {};
}

/** Waits for DeletionBlocked True on `key` (E4 after a failed blocking deprovision). */
export function untilBlocked(s: Session, key: string): Promise<void> {
  return s.until(
    () => blocked(s, key),
    "DeletionBlocked True after the failed deprovision",
    "E4",
    key,
  );
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
    skip: skipUnlessDeclarable(flag),
    async run(env) {
      let declared: boolean | undefined;
      const run = await runWorld(env, declaringFlag(env, flag), async (s) => {
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
        if (declared === true) await untilBlocked(s, key);
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

/**
 * A deprovision whose launch is carried out but whose answer is lost, with the provider
 * declaring `blockDeletionOnFailure=false`; the job then fails. The engine finds the job
 * (`findJob`) and takes its `blockDeletionOnFailure` from the answer (`FoundJob`, default
 * `true` when absent): a provider that loses the flag its launch recorded makes the engine
 * block deletion and deprovision again, where the launch promised the finalizer would go
 * (E5: the found job is not the job as launched; E4 then follows the wrong flag).
 */
export const failedDeprovisionAfterLostAnswer: ConformanceScenario = {
  id: "failed-deprovision-after-lost-answer",
  title: "failed deprovision with blockDeletionOnFailure=false whose launch answer was lost",
  rules: ["E5", "E4", "P7"],
  needs: { capabilities: ["findJob"], controls: ["failures", "loseAnswers"] },
  skip: skipUnlessDeclarable(false),
  async run(env) {
    let declared: boolean | undefined;
    let deprovisions = 0;
    let skipReason: string | undefined;
    const run = await runWorld(env, declaringFlag(env, false), async (s) => {
      // The lost answer would have said the flag: learn it first, from a probe's deletion (a
      // providerWith() may ignore the option, or the harness state none).
      const probed = await probeDeclaredFlag(s, "w0");
      if (probed !== false) {
        skipReason =
          probed === undefined
            ? "no deprovision answer of the probe resource declared blockDeletionOnFailure"
            : unable(probed, false);
        return;
      }
      const key = s.create("w1", SPECS.A);
      await s.untilReady(key);
      s.scriptNext("deprovision", { outcome: "failed", durationMs: 20_000 });
      s.world.backend.loseNextAnswer?.("deprovision");
      s.world.mark(key, "the next deprovision launch's answer will be lost");
      s.delete(key);
      await s.untilGone(key);
      declared = declaredOnFailure(s, key);
      const jobs = s.ledger(key).filter((j) => j.operation === "deprovision");
      deprovisions = jobs.length;
      if (declared === true) {
        s.expect(
          "E5",
          `${key}'s deprovision job ${jobs[0]?.id ?? "?"} was launched with blockDeletionOnFailure=false, ` +
            `but the engine recorded it as blocking after findJob found it (its launch answer was lost): ` +
            `findJob's answer lost the flag the launch recorded (FoundJob.blockDeletionOnFailure ` +
            `defaults to true), so deletion was blocked and deprovisioned again (${String(deprovisions)} deprovision jobs)`,
        );
      }
    });
    const outcome = outcomeOf(run);
    const clean = outcome.violations.length === 0 && outcome.error === undefined;
    if (clean && skipReason !== undefined) outcome.skipReason = skipReason;
    else if (clean && declared === undefined && deprovisions === 0) {
      outcome.skipReason = "no deprovision job was launched (the provider skipped the deprovision)";
    }
    return outcome;
  },
};
