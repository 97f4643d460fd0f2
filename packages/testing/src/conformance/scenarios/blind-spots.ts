/**
 * Scenarios for realistic provider bugs the original scenarios could not see (issue 15):
 * a deletion while a *second* provision job runs, a purged job that had failed, a read
 * outage longer than a client's retries, a launch whose answer is lost after the backend
 * created the job, a crash while another resource's job of the same template exists, and a
 * crash while the resource has jobs whose correlation ids resemble the launch's.
 *
 * @module
 */
import { SPECS, type Session } from "../driver/session.js";
import type { ConformanceJob } from "../types.js";
import { HUMAN_DELAY_MS } from "../driver/human.js";
import { deleteWhileProvisioningWith } from "./deletion.js";
import { outcomeOf, runWorld, single, type ConformanceScenario } from "./scenario.js";

/**
 * Deleted while the resource's second provision job runs (the first one succeeded long
 * ago): a provider that looks at the first provision job instead of the latest triggers the
 * deprovision on top of the running one (P5, E1).
 */
export const deleteDuringSecondProvision = single(
  {
    id: "delete-during-second-provision",
    title: "delete while a second provision job runs",
    rules: ["P5", "E1", "E4"],
  },
  async (s) => {
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key);
    s.scriptNext("provision", { durationMs: 120_000 });
    s.setSpec(key, SPECS.B);
    await s.until(
      () => s.ledger(key).filter((j) => j.operation === "provision").length === 2,
      "a second provision job launched",
      "E3",
      key,
    );
    await s.runFor(15_000);
    s.delete(key);
    await s.untilGone(key);
  },
);

/**
 * A provision job that *failed* is purged before the engine read its end: a provider that
 * reports a job it cannot find as Succeeded ("gone means done") makes the engine claim a
 * version no job applied (E3); a contract-keeping one answers JobNotFoundError and the
 * resource is provisioned again.
 */
export const purgedFailedJob = single(
  {
    id: "purged-failed-job",
    title: "a failed job purged before it was read",
    rules: ["P3", "E3"],
    needs: { controls: ["failures", "purge"] },
  },
  async (s) => {
    s.scriptNext("provision", { outcome: "failed", durationMs: 25_000 });
    const key = s.create("w1", SPECS.A);
    await s.until(
      () => s.latest(key, "provision") !== undefined,
      "a provision job launched",
      "E3",
      key,
    );
    await s.advance(26_000);
    const job = s.latest(key, "provision");
    if (job) s.purge(job);
    await s.untilReady(key);
  },
);

/**
 * A provision job ends and is purged before the engine has read its end, and the resource is
 * deleted right then: the engine's record still says the job runs (polls every 10 s; the job
 * ends at 25 s, is purged at 26 s), so a provider that looks at the job before it
 * deprovisions (P5) finds nothing there. Nothing runs any more: the deprovision goes ahead
 * and the resource goes (E4). A provider that fails on the absent job, or waits for it, never
 * lets the resource go. (Jobs vanish by the "Cleanup Job Details" system job or a `DELETE`,
 * research/aap-eda-api.md; AWX refuses to `DELETE` a job still active, 403 "Cannot delete
 * running job resource.", as the AAP simulator's handler cites, aap/handlers/jobs.ts: so the
 * scenario purges a job that has ended.)
 */
export const purgedProvisionThenDelete = single(
  {
    id: "purged-provision-then-delete",
    title: "a provision job purged before its end was read, then a deletion",
    rules: ["P5", "E4"],
    needs: { controls: ["purge"] },
  },
  async (s) => {
    s.scriptNext("provision", { durationMs: 25_000 });
    const key = s.create("w1", SPECS.A);
    await s.until(
      () => s.latest(key, "provision") !== undefined,
      "a provision job launched",
      "E4",
      key,
    );
    await s.advance(26_000);
    const job = s.latest(key, "provision");
    if (job) s.purge(job);
    s.delete(key);
    await s.untilGone(key);
  },
);

/**
 * Six requests in a row fail with 503 — more than a client's own retries hide — first
 * while a provision job runs (status reads), then right after a crash that lost a launch's
 * record (the lookup by correlation id). A transient failure stays a retryable typed error
 * (P8): never a configuration error, never "no such job" (which makes the engine launch
 * again, E5).
 */
export const transientReadOutage = single(
  {
    id: "transient-read-outage",
    title: "six consecutive 503s on reads and lookups",
    rules: ["P8", "E2", "E5"],
    needs: { controls: ["transientFailure"] },
  },
  async (s, env) => {
    s.scriptNext("provision", { durationMs: 60_000 });
    const key = s.create("w1", SPECS.A);
    await s.until(
      () => (s.status(key)?.jobs.length ?? 0) > 0,
      "a provision job recorded",
      "E3",
      key,
    );
    s.failNext(6);
    await s.untilReady(key);
    if (!env.capabilities.findJob) return;
    s.driver.crashAt("after-launch");
    s.setSpec(key, SPECS.B);
    await s.until(
      () => s.ledger(key).filter((j) => j.operation === "provision").length === 2,
      "the second provision job launched",
      "E3",
      key,
    );
    s.failNext(6);
    await s.untilReady(key);
  },
);

/**
 * Deleted while the provision job runs, and the backend answers the next twelve job reads
 * and lookups with 503 (beyond a client's retries: AapClient makes five attempts per read)
 * while launches go through: the read a provider
 * makes before it deprovisions (is the provision job still running? P5) fails. A provider
 * that takes that failure for "the provision job is over" (a `catch` that swallows the
 * error and goes on) launches the deprovision on top of the running provision (P5, E1). It
 * must throw a retryable typed error (P8) and let the engine ask again.
 */
export const deleteDuringReadOutage = single(
  {
    id: "delete-during-read-outage",
    title: "delete while provisioning, the backend's reads failing with 503",
    rules: ["P5", "P8", "E1", "E4"],
    needs: { controls: ["readFailures"] },
  },
  (s) => deleteWhileProvisioningWith(s, () => s.failNextReads(12)),
);

/**
 * Deleted while the provision job runs, and the backend answers the next six cancel requests
 * with 503 (beyond a client's retries: AapClient makes five attempts) while reads and
 * launches go through: the cancel a provider sends before it deprovisions (P5) fails. A
 * provider that takes that failure for "nothing left to cancel" (a `catch` that swallows
 * every error of the cancel, not only the job's absence) launches the deprovision on top of
 * the running provision (P5, E1). It must throw a retryable typed error (P8), or answer
 * `waiting`, and cancel again at the next ask.
 */
export const deleteDuringCancelOutage = single(
  {
    id: "delete-during-cancel-outage",
    title: "delete while provisioning, the backend's cancels failing with 503",
    rules: ["P5", "P8", "E1", "E4"],
    needs: { controls: ["cancelFailures"], capabilities: ["cancel"] },
  },
  (s) => deleteWhileProvisioningWith(s, () => s.failNextCancels(6)),
);

/**
 * The backend carries out a provision launch and a deprovision launch, and each answer is
 * lost: the provider must say the outcome is unknown (`outcomeUnknown`, P8) so that the
 * engine looks the job up instead of launching another (E5).
 *
 * A provider without `findJob` cannot look the job up: E5 then asks the engine to launch
 * nothing and ask a human (`LaunchOutcomeUnknown`, reason `NeedsResolution`). The scenario
 * checks that state and ends in it, before the simulated human would answer: the answer
 * adopts a job by the id the provider gives its jobs, which the lost answer never told
 * (an EDA-only provider's ids are its own, not the backend's), so the suite cannot give it.
 */
export const lostLaunchAnswer: ConformanceScenario = {
  id: "lost-launch-answer",
  title: "a launch carried out whose answer is lost",
  rules: ["P8", "E5"],
  needs: { controls: ["loseAnswers"] },
  run: async (env) => {
    const canFind = env.capabilities.findJob;
    const run = await runWorld(env, { quiesce: canFind }, async (s) => {
      s.world.backend.loseNextAnswer?.("provision");
      s.world.mark("", "the answer of the next provision launch is lost");
      const key = s.create("w1", SPECS.A);
      if (!canFind) {
        await s.until(
          () => s.world.trace.blocks.some((b) => b.resourceKey === key),
          "the engine asks a human about the lost launch (LaunchOutcomeUnknown, NeedsResolution)",
          "E5",
          key,
        );
        // Blocked: nothing may be launched while it waits (E5's block check).
        await s.runFor(HUMAN_DELAY_MS / 2);
        return;
      }
      await s.untilReady(key);
      s.world.backend.loseNextAnswer?.("deprovision");
      s.world.mark(key, "the answer of the next deprovision launch is lost");
      s.delete(key);
      await s.untilGone(key);
    });
    return outcomeOf(run);
  },
};

/**
 * A launch's record is lost in a crash while another resource's provision job of the same
 * template runs (launched earlier): a `findJob` that ignores the correlation id (or the
 * resource) adopts the other resource's job, and the resource's own job is lost (E5).
 */
export const crashAmongOtherJobs = single(
  {
    id: "crash-among-other-jobs",
    title: "crash adoption while another resource's job runs",
    rules: ["E5"],
    needs: { capabilities: ["findJob"] },
  },
  async (s) => {
    s.scriptNext("provision", { durationMs: 120_000 });
    const other = s.create("w2", SPECS.B);
    await s.until(() => s.active(other, "provision"), "w2's provision job running", "E3", other);
    s.driver.crashAt("after-launch");
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key);
    s.scriptNext("deprovision", { durationMs: 60_000 });
    s.delete(other);
    await s.until(
      () => s.active(other, "deprovision"),
      "w2's deprovision job running",
      "E4",
      other,
    );
    s.driver.crashAt("after-launch");
    s.delete(key);
    await s.untilGone(key);
    await s.untilGone(other);
  },
);

/**
 * Correlation ids that resemble `id` without being it, as a `findJob` matching by substring
 * or prefix confuses with it: `id` extended at its end (`corr-2x`) and at its start
 * (`re-corr-2`), and `id` less its first character (`orr-2`, inside `id`). None is an id
 * the driver gives (`corr-<n>`).
 */
export function similarCorrelationIds(id: string): string[] {
  return [`${id}x`, `re-${id}`, ...(id.length > 1 ? [id.slice(1)] : [])];
}

/**
 * Has the backend create a stray job like `like` under correlation id `id`, and records it
 * as resembling the engine's `resembles` (the checks leave strays out of the ledger; E5
 * checks that `findJob` never answers one).
 */
async function launchStray(
  s: Session,
  like: ConformanceJob,
  id: string,
  resembles: string,
): Promise<ConformanceJob> {
  const { backend, trace, clock } = s.world;
  if (!backend.launchStray) throw new Error(`${backend.name} cannot launch stray jobs`);
  const job = await backend.launchStray(like, id);
  (trace.strays ??= []).push({
    jobId: job.id,
    resourceKey: job.resourceKey,
    operation: job.operation,
    correlationId: id,
    resembles,
    at: clock.now(),
  });
  return job;
}

/**
 * A stray job like `like` under each of {@link similarCorrelationIds}`(correlationId)`
 * (see {@link launchStray}), each marked on the resource's timeline.
 */
async function straysBeside(
  s: Session,
  like: ConformanceJob,
  correlationId: string,
): Promise<void> {
  for (const id of similarCorrelationIds(correlationId)) {
    const job = await launchStray(s, like, id, correlationId);
    s.world.mark(
      job.resourceKey,
      `stray ${job.operation} job ${job.id} created with correlation id ${id} (resembles ${correlationId})`,
    );
  }
}

/**
 * Run until the first live process has crashed (the crash armed before), and answer the
 * correlation id of the launch marker it left: the restarted process has not reconciled yet.
 */
export async function crashedLeaving(s: Session, key: string, goal: string): Promise<string> {
  const process = s.driver.processes[0];
  await s.until(() => process?.alive !== true, goal, "E5", key);
  const pending = s.status(key)?.pendingLaunch;
  if (!pending) throw new Error(`${key} has no launch marker after the crash`);
  return pending.correlationId;
}

/**
 * A crash loses a launch while the resource has jobs whose correlation ids *resemble* the
 * launch's (`corr-3x`, `re-corr-3`, `orr-3` beside `corr-3`: same resource, template and
 * configuration, ended at once, succeeded). First, as the spec goes A→B→A, the crash comes
 * after the marker of the launch applying A again is written and before the launch is sent:
 * the strays (copies of the first job applying A) are older than anything the restarted
 * engine launches, and no job carries the marker's id. Then, on a change to C, the crash
 * comes after the launch is sent: the strays (copies of the launch's job) are newer than the
 * launch's job, which runs on for two minutes. A `findJob` that trusts
 * a substring or prefix match adopts a stray, oldest-first or newest-first: E5 (the answer
 * is not the job launched with the correlation id).
 */
export const crashAmongSimilarIds: ConformanceScenario = {
  id: "crash-among-similar-ids",
  title: "crash adoption beside jobs with similar correlation ids",
  rules: ["E5"],
  needs: { capabilities: ["findJob"], controls: ["strays"] },
  run: async (env) => {
    let skipReason: string | undefined;
    const run = await runWorld(env, {}, async (s) => {
      const key = s.create("w1", SPECS.A);
      await s.untilReady(key);
      const applyA = s.latest(key, "provision");
      if (applyA?.correlationId === undefined) {
        // E5 could not tell the launch's job from a stray.
        skipReason = "the backend's ledger shows no correlation id on the resource's jobs";
        return;
      }
      s.setSpec(key, SPECS.B);
      await s.untilReady(key);
      s.driver.crashAt("after-launch-write");
      s.setSpec(key, SPECS.A);
      const first = await crashedLeaving(s, key, "a crash after the launch marker was written");
      await straysBeside(s, applyA, first);
      await s.untilReady(key);
      s.scriptNext("provision", { durationMs: 120_000 });
      s.driver.crashAt("after-launch");
      s.setSpec(key, SPECS.C);
      const second = await crashedLeaving(s, key, "a crash after the launch was sent");
      const like = s.latest(key, "provision");
      if (like) await straysBeside(s, like, second);
      await s.untilReady(key);
      s.delete(key);
      await s.untilGone(key);
    });
    const outcome = outcomeOf(run);
    return skipReason === undefined ? outcome : { ...outcome, skipReason };
  },
};

/**
 * How many other jobs of the same template crash-among-many-jobs creates: more than one
 * page of AWX's largest (`page_size` is capped at 200: awx/api/pagination.py, see
 * research/aap-eda-api.md, "List"), so a lookup that reads only its first page misses
 * the job it seeks.
 */
export const MANY_STRAYS = 250;

/**
 * A crash right after a launch on a busy template: {@link MANY_STRAYS} other jobs of the same
 * template, launched like the resource's own under unrelated correlation ids, are created just
 * before the launch's job, and as many after it. A `findJob` that reads only its first page
 * of jobs, newest first, answers "no such job" and the engine launches a duplicate (E5, E1,
 * E2); one that reads oldest first (a lookup without `order_by=-id`: the AAP simulator lists
 * by ascending id when no order is asked, ordering.ts; AWX's own default order is NOT
 * verified here, and a lookup must not rely on it either way) walks back through older jobs
 * only, runs out and answers "no such job" too. A contract-keeping one reads on, or fails
 * retryably when it cannot read everything. The older jobs are created at the same virtual
 * instant as the launch, so a lookup bounded by the launch's time (`created__gte`) still
 * lists them.
 */
export const crashAmongManyJobs: ConformanceScenario = {
  id: "crash-among-many-jobs",
  title: "crash adoption on a template with many newer jobs",
  rules: ["E5"],
  needs: { capabilities: ["findJob"], controls: ["strays"] },
  run: async (env) => {
    const run = await runWorld(env, {}, async (s) => {
      const key = s.create("w1", SPECS.A);
      await s.untilReady(key);
      const first = s.latest(key, "provision");
      if (first?.correlationId !== undefined) {
        const resembles = first.correlationId;
        for (let i = 0; i < MANY_STRAYS; i++) {
          await launchStray(s, first, `busy-before-${i}`, resembles);
        }
        s.world.mark(key, `${MANY_STRAYS} other jobs of the template created before the launch`);
      }
      s.scriptNext("provision", { durationMs: 120_000 });
      s.driver.crashAt("after-launch");
      s.setSpec(key, SPECS.B);
      const launched = await crashedLeaving(s, key, "a crash after the launch was sent");
      const like = s.latest(key, "provision");
      if (like) {
        for (let i = 0; i < MANY_STRAYS; i++) await launchStray(s, like, `busy-${i}`, launched);
        s.world.mark(key, `${MANY_STRAYS} other jobs of the template created after ${like.id}`);
      }
      await s.untilReady(key);
    });
    return outcomeOf(run);
  },
};

/**
 * A launch's answer is lost, and the lookups that follow meet an outage longer than a
 * client's own retries (six 503s). A `findJob` that answers "no such job" when its lookup
 * failed makes the engine launch again once the backend could no longer create the lost
 * launch's job (the request's end plus `launchSettleMs`): a duplicate (E5, with E1 and E2
 * following). A contract-keeping `findJob` throws a retryable error; the engine keeps the
 * launch's marker and looks again (E5).
 */
export const lookupOutageAfterLostAnswer = single(
  {
    id: "lookup-outage-after-lost-answer",
    title: "a lost launch answer, then lookups failing with 503",
    rules: ["P8", "E5"],
    needs: { controls: ["loseAnswers", "transientFailure"], capabilities: ["findJob"] },
  },
  async (s) => {
    s.scriptNext("provision", { durationMs: 60_000 });
    s.world.backend.loseNextAnswer?.("provision");
    s.world.mark("", "the answer of the next provision launch is lost");
    // The process dies right after the status write that follows the launch (with the
    // reference providers: the marker recording the launch's end and unknown outcome),
    // before it looks the job up: the outage starts there.
    s.driver.crashAt("after-update-write");
    const key = s.create("w1", SPECS.A);
    const process = s.driver.processes[0];
    await s.until(() => process?.alive !== true, "a crash after a status write", "E5", key);
    s.failNext(6);
    await s.untilReady(key);
  },
);
