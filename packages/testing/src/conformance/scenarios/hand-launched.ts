/**
 * @module
 */
import type { JobType } from "@provisionkit/core";
import { SPECS, type Session } from "../driver/session.js";
import type { ConformanceJob } from "../types.js";
import { crashedLeaving } from "./blind-spots.js";
import { single } from "./scenario.js";

/**
 * Has the backend launch its jobs "by hand" on `like`'s template, records them as strays
 * created beside the launch with correlation id `beside` (so that no check counts them as
 * the engine's jobs, and E5 checks that `findJob` never answers one), and marks them.
 */
async function byHand(
  s: Session,
  key: string,
  like: ConformanceJob,
  beside: string,
): Promise<void> {
  const { backend, trace, clock } = s.world;
  if (!backend.launchByHand) throw new Error(`${backend.name} cannot launch jobs by hand`);
  const jobs = await backend.launchByHand(like);
  for (const job of jobs) {
    (trace.strays ??= []).push({
      jobId: job.id,
      resourceKey: key,
      operation: like.operation,
      resembles: beside,
      at: clock.now(),
    });
  }
  s.world.mark(
    key,
    `${String(jobs.length)} ${like.operation} jobs launched by hand beside job ${like.id}, none with a launch record: ${jobs.map((j) => j.id).join(", ")}`,
  );
}

/**
 * Crash after the `operation` launch is sent, then jobs by hand beside its job (once the
 * backend holds it: an event-driven backend creates it when its rule runs).
 */
async function crashThenHandLaunches(s: Session, key: string, operation: JobType): Promise<void> {
  const correlationId = await crashedLeaving(
    s,
    key,
    `a crash after the ${operation} launch was sent`,
  );
  const launched = (): ConformanceJob | undefined =>
    s.ledger(key).find((j) => j.operation === operation && j.correlationId === correlationId);
  await s.until(() => launched() !== undefined, `the ${operation} launch's job`, "E5", key);
  const like = launched();
  if (like) await byHand(s, key, like, correlationId);
}

/**
 * A crash loses a launch, and the backend then holds newer jobs of the same template that no
 * provider launched: a person launched the template by hand, or another tool did, with no
 * launch data or with something else where a provider's record sits (AAP: `extra_vars`
 * without a `provisionkit` var, with it `null`, a string, an array, an object without a
 * correlation id, a payload that is no object, annotations that are no object or name an
 * empty correlation id; see the AAP backends' `HAND_LAUNCH_EXTRA_VARS`). Once for a
 * provision (a spec change, the job running two minutes) and once for a deprovision (one
 * minute). The restarted engine's `findJob` must pass over every one of them and find the
 * launch's own job: a lookup that adopts one answers a job that ended at once while the
 * launch's job still runs (E5), and one that fails on a shape it did not expect fails
 * untyped or for good, so the resource never gets past the lost launch.
 */
export const crashAmongHandLaunchedJobs = single(
  {
    id: "crash-among-hand-launched-jobs",
    title: "crash adoption beside jobs launched by hand on the same templates",
    rules: ["E5", "P10"],
    needs: { capabilities: ["findJob"], controls: ["handLaunches"] },
  },
  async (s) => {
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key);
    s.scriptNext("provision", { durationMs: 120_000 });
    s.driver.crashAt("after-launch");
    s.setSpec(key, SPECS.B);
    await crashThenHandLaunches(s, key, "provision");
    await s.untilReady(key);
    s.scriptNext("deprovision", { durationMs: 60_000 });
    s.driver.crashAt("after-launch");
    s.delete(key);
    await crashThenHandLaunches(s, key, "deprovision");
    await s.untilGone(key);
  },
);
