/**
 * E1 and E2 after a provider's own timeout: a job that was only slow, or only queued, is not
 * run twice.
 *
 * @module
 */
import { SPECS } from "../driver/session.js";
import type { ConformanceBackend } from "../types.js";
import { single, type ScenarioEnv, type WorldSetup } from "./scenario.js";

/** The job timeout the scenario asks the provider for (`ProviderVariant.jobTimeoutMs`). */
const JOB_TIMEOUT_MS = 10 * 60_000;

/**
 * How much longer than that timeout the provision job runs: it ends well before the engine's
 * first retry after a failure (`provisionBackoff`, 30 s by default), so the retry finds the
 * job's end already there.
 */
const OVERRUN_MS = 5_000;

/**
 * A provider that gives up on a job it cannot see end (it reports the job `Failed` once its
 * own timeout passed, as EdaProvider without AAP mode does) gets a provision job that runs
 * just past that timeout and then succeeds. The engine retries the "failed" provision after
 * its backoff; by then the job's end is there to see (the playbook wrote it back), so the
 * retry must follow that job instead of running the same work again: two successful jobs of
 * one config version are an E2 violation. A provider that reads its jobs' real end (AAP,
 * EdaProvider in AAP mode once the job exists) never times out here, and the job simply
 * succeeds.
 *
 * The provider comes from `providerWith({ jobTimeoutMs })` (10 minutes); a backend without
 * `providerWith` runs its default provider, whose own timeout, if it has one, may outlast
 * the job, so the scenario then proves less. "There to see" means by the backend's ledger:
 * the job's end, 25 s before the engine's retry. A backend whose jobs show their end to the
 * provider later than that (a write-back that lags) would fail a correct provider here.
 */
export const slowProvisionAfterTimeout = single(
  {
    id: "slow-provision-after-timeout",
    title: "a provision job that runs just past the provider's own timeout, then succeeds",
    rules: ["E1", "E2", "E3"],
  },
  async (s) => {
    s.scriptNext("provision", { durationMs: JOB_TIMEOUT_MS + OVERRUN_MS });
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key, 4 * JOB_TIMEOUT_MS);
    // Ready: spend the engine's next backoffs too, so that a late second launch of the same
    // version is still seen.
    await s.runFor(5 * 60_000);
    // The generic E2 check excuses a relaunch after a job the engine recorded as failed (a
    // job purged unseen cannot be followed). Here the job's success was there to see before
    // the retry: running the same version again is the duplicate E2 forbids.
    const succeeded = s
      .ledger(key)
      .filter((j) => j.operation === "provision" && j.outcome === "succeeded");
    const at = (ms: number): string => `t+${(ms - s.world.trace.start) / 1000}s`;
    for (const [i, later] of succeeded.entries()) {
      const first = succeeded
        .slice(0, i)
        .find(
          (j) =>
            j.configVersion === later.configVersion &&
            j.finishedAt !== undefined &&
            j.finishedAt <= later.createdAt,
        );
      if (first?.finishedAt === undefined) continue;
      s.expect(
        "E2",
        `${key}: provision job ${later.id} was launched ${at(later.createdAt)} for the config ` +
          `version job ${first.id} had already applied (it succeeded ${at(first.finishedAt)}): ` +
          "after its own timeout reported that job Failed, the provider ran the same work again " +
          "instead of finding the earlier job's end",
      );
    }
  },
  withJobTimeout,
);

/**
 * How long past the provider's own timeout a queued provision job waits in the backend
 * before it runs: it is there to find well before the engine's first retry (30 s after the
 * timeout).
 */
const QUEUE_OVERRUN_MS = 5_000;

/** How long that job then runs: past the engine's retry, so that a second launch overlaps it. */
const QUEUED_RUN_MS = 2 * 60_000;

/**
 * A provider that can look its jobs up (`findJob`) gets a provision job that waits queued in
 * the backend (`queuedMs`) just past the provider's own timeout, then runs for two minutes.
 * Where the backend shows queued work (AAP: `pending`), the provider sees the job all along
 * and never times out. Where it does not (an EDA activation's queue: no AAP job exists until
 * the rule fires), a provider that gives up on jobs it cannot see reports it `Failed` at the
 * timeout; when the engine retries 30 s later, the job exists and runs. The provider can find
 * it, as it could after a crash: launching the same work again then runs two jobs of the
 * resource at once (E1). (The generic E2 check excuses that second job, as it does any
 * relaunch after a job the engine recorded as failed.)
 *
 * A provider without `findJob` is skipped: it cannot see a job before its end, and an
 * EDA-only provider's resend of a job still queued past its timeout is the documented price
 * of that mode (see `slow-provision-after-timeout` for what such a provider must still do).
 * The provider comes from `providerWith({ jobTimeoutMs })`, as in that scenario.
 */
export const queuedProvisionAfterTimeout = single(
  {
    id: "queued-provision-after-timeout",
    title:
      "a provision job queued in the backend past the provider's own timeout, running at the retry",
    rules: ["E1", "E2", "E3"],
    needs: { controls: ["queuedJobs"], capabilities: ["findJob"] },
  },
  async (s) => {
    s.scriptNext("provision", {
      queuedMs: JOB_TIMEOUT_MS + QUEUE_OVERRUN_MS,
      durationMs: QUEUED_RUN_MS,
    });
    const key = s.create("w1", SPECS.A);
    await s.untilReady(key, 4 * JOB_TIMEOUT_MS);
    // Ready: spend the engine's next backoffs too, so that a late second launch is still seen.
    await s.runFor(5 * 60_000);
  },
  withJobTimeout,
);

/** The provider of {@link JOB_TIMEOUT_MS}, when the backend can build one. */
function withJobTimeout(env: ScenarioEnv): WorldSetup {
  return env.providerWith
    ? {
        provider: (backend: ConformanceBackend) =>
          backend.providerWith?.({ jobTimeoutMs: JOB_TIMEOUT_MS }) ?? backend.provider(),
      }
    : {};
}
