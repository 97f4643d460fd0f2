/**
 * P10: a provider acts only on jobs launched for the resource in hand. Before a job's status
 * is reported, a job is adopted or a cancel is sent, the job's own record is checked against
 * the resource and the correlation id.
 *
 * @module
 */
import { JobState } from "@provisionkit/core";
import type { CallRecord } from "../driver/trace.js";
import { SPECS, type Session } from "../driver/session.js";
import { crashedLeaving } from "./blind-spots.js";
import { single } from "./scenario.js";

/**
 * How long the two resources may take to get past the copied record: two hours of virtual
 * time. A provider that cannot tell whose a job is, and so waits for it, keeps P10 (it acts
 * on nothing) but holds the resources until its own job timeout ends the wait (EdaProvider's
 * default `provisionTimeoutMs`: 60 minutes).
 */
const FOREIGN_JOB_BUDGET_MS = 2 * 60 * 60_000;

/**
 * Another resource's running provision job is copied into two statuses, as a status
 * restored onto the wrong object (or forged) would carry it: one resource is then deleted,
 * the other's spec changed. Neither may get the other resource's job cancelled (the
 * deletion's settle of the running provision, P5, and the spec change's cancel both reach
 * it) or take its end for its own provision: the owner's job runs to its end untouched
 * (P10), and each resource still ends Ready or gone through jobs of its own (E3, E4).
 *
 * A provider that reads the job by its id from the backend must check the job's record
 * first (AapProvider: `JobOwnershipError`, and no cancel). One with no cancel whose reports
 * come from the resource itself (EdaProvider: the playbooks' write-backs) keeps the rule
 * without a check, and waits for the copied job until its own timeout
 * ({@link FOREIGN_JOB_BUDGET_MS}).
 */
export const foreignJob = single(
  {
    id: "foreign-job",
    title: "another resource's running job copied into two statuses",
    rules: ["P10", "E3", "E4"],
  },
  async (s) => {
    const deleted = s.create("w1", SPECS.A);
    const changed = s.create("w2", SPECS.A);
    await s.untilReady(deleted);
    await s.untilReady(changed);
    s.scriptNext("provision", { durationMs: 120_000 });
    const owner = s.create("w3", SPECS.A);
    await s.until(
      () => (s.status(owner)?.jobs ?? []).some((j) => j.type === "provision"),
      "w3's provision job recorded",
      "E3",
      owner,
    );
    const ownerJob = s.latest(owner, "provision");
    const copied = s.copyProvisionRecord(owner, deleted);
    s.copyProvisionRecord(owner, changed);
    s.delete(deleted);
    s.setSpec(changed, SPECS.B);
    await s.untilGone(deleted, FOREIGN_JOB_BUDGET_MS);
    await s.untilReady(owner);
    await s.untilReady(changed, FOREIGN_JOB_BUDGET_MS);

    const cancelled = s.ledger(owner).find((j) => j.id === ownerJob?.id)?.cancelRequestedAt;
    if (cancelled !== undefined) {
      s.expect(
        "P10",
        `${owner}'s provision job ${copied.jobId} was cancelled at t+${(cancelled - s.world.trace.start) / 1000}s: ` +
          `only ${deleted} and ${changed} named it, through a record copied into their statuses`,
      );
    }
    for (const call of s.world.trace.calls) {
      if (call.resourceKey === owner || call.jobId !== copied.jobId) continue;
      const reported = call.outcome.ok ? (call.outcome.value as { state?: unknown }) : undefined;
      if (call.method === "getProvisionStatus" && reported?.state === JobState.Succeeded) {
        s.expect(
          "P10",
          `getProvisionStatus on ${call.resourceKey} reported ${owner}'s job ${copied.jobId} ` +
            `Successful at t+${(call.at - s.world.trace.start) / 1000}s: the job was launched ` +
            `for ${owner}, so ${call.resourceKey} would count a provision it never had`,
        );
      }
    }
  },
);

/**
 * Waits for `first` Ready, deletes it, creates it again under its name with `backup`
 * restored as its whole status (`what` says what the backup holds, on the timeline), and
 * waits for the re-created object Ready. Checks E3 for it: a provision launched since its
 * re-creation succeeded. Answers its key, the provider calls made since the re-creation, and
 * how to write a virtual instant. The predecessor's last calls and jobs may share the
 * re-creation's virtual millisecond: they are told apart by position in the trace and by
 * job id, not by time.
 */
async function recreateWithStatus(
  s: Session,
  first: string,
  backup: Record<string, unknown>,
  what: string,
): Promise<{ again: string; calls: CallRecord[]; since: (at: number) => string }> {
  await s.untilReady(first);
  s.delete(first);
  await s.untilGone(first);
  const recreatedAt = s.world.clock.now();
  const callsBefore = s.world.trace.calls.length;
  const jobsBefore = new Set(s.ledger(first).map((j) => j.id));
  const again = s.create(first.slice(first.lastIndexOf("/") + 1), SPECS.A);
  s.restoreStatus(again, backup, `re-created; its predecessor's status restored, ${what}`);
  await s.untilReady(again, FOREIGN_JOB_BUDGET_MS);
  const since = (at: number): string => `t+${(at - s.world.trace.start) / 1000}s`;
  const own = s.ledger(again).filter((j) => j.operation === "provision" && !jobsBefore.has(j.id));
  if (!own.some((j) => j.outcome === "succeeded")) {
    s.expect(
      "E3",
      `the re-created ${again} is Ready, but no provision job launched since its re-creation ` +
        `at ${since(recreatedAt)} succeeded (${own.length} launched)`,
    );
  }
  return { again, calls: s.world.trace.calls.slice(callsBefore), since };
}

/**
 * A Widget is deleted and then re-created under the same name, and a backup of its
 * predecessor's status, taken while the predecessor's provision job ran, is restored onto
 * it (a restore with `restoreStatus`, or a GitOps tool that re-applies a whole object). The
 * status names a job of the right name, operation, config version and correlation id: only
 * the uid tells that it was launched for the predecessor, whose deletion has since
 * deprovisioned what it made. The re-created resource may not take that job's success for
 * its own (P10) and must become Ready through a provision launched for it (E3).
 *
 * A provider that checks a job's resource only by `namespace/name` fails here; an EDA
 * provider that waits for the restored job's write-back waits until its own timeout
 * ({@link FOREIGN_JOB_BUDGET_MS}).
 */
export const restoredStatus = single(
  {
    id: "restored-status",
    title: "a re-created resource given its predecessor's restored status",
    rules: ["P10", "E3"],
  },
  async (s) => {
    s.scriptNext("provision", { durationMs: 120_000 });
    const first = s.create("r1", SPECS.A);
    await s.until(
      () => (s.status(first)?.jobs ?? []).some((j) => j.type === "provision"),
      "r1's provision job recorded",
      "E3",
      first,
    );
    const backup = s.statusSnapshot(first);
    const predecessorJob = s.status(first)?.jobs.find((j) => j.type === "provision")?.jobId;
    const { again, calls, since } = await recreateWithStatus(
      s,
      first,
      backup,
      `naming provision job ${predecessorJob} running`,
    );
    for (const call of calls) {
      if (call.jobId !== predecessorJob) continue;
      const reported = call.outcome.ok ? (call.outcome.value as { state?: unknown }) : undefined;
      if (call.method === "getProvisionStatus" && reported?.state === JobState.Succeeded) {
        s.expect(
          "P10",
          `getProvisionStatus on the re-created ${again} reported its predecessor's job ` +
            `${predecessorJob} Successful at ${since(call.at)}: that job was launched for the ` +
            `object deleted before, and its deprovision has undone it`,
        );
      }
    }
  },
);

/**
 * Like {@link restoredStatus}, but the backup was taken while the predecessor's launch was
 * in flight: a crash right after the provision launch was sent left the launch marker
 * (`pendingLaunch`, with its correlation id) and no job record yet. The predecessor then
 * adopts its job, becomes Ready, and is deleted; the re-created resource gets the backup.
 * Its engine looks the marker's correlation id up (`findJob`): the one job carrying it was
 * launched for the predecessor (another uid), so the answer must be "none" (P10), and the
 * re-created resource must become Ready through a provision launched for it (E3). A lookup
 * that matches the correlation id and operation but not the resource adopts the
 * predecessor's long-ended job as the re-created resource's own.
 */
export const restoredLaunchMarker = single(
  {
    id: "restored-launch-marker",
    title: "a re-created resource given its predecessor's launch marker",
    rules: ["P10", "E3", "E5"],
    needs: { capabilities: ["findJob"] },
  },
  async (s) => {
    s.scriptNext("provision", { durationMs: 120_000 });
    s.driver.crashAt("after-launch");
    const first = s.create("r1", SPECS.A);
    const correlationId = await crashedLeaving(s, first, "a crash after the launch was sent");
    const backup = s.statusSnapshot(first);
    const { again, calls, since } = await recreateWithStatus(
      s,
      first,
      backup,
      `with the launch marker of correlation id ${correlationId}`,
    );
    for (const call of calls) {
      if (call.method !== "findJob" || !call.outcome.ok) continue;
      const answer = call.outcome.value as { jobId?: unknown } | undefined;
      // Only the predecessor's launch carried the marker's correlation id: whatever the
      // re-created resource's engine launches gets a fresh one.
      if (call.correlationId !== correlationId || typeof answer?.jobId !== "string") continue;
      s.expect(
        "P10",
        `findJob for the re-created ${again} at ${since(call.at)}, asked for correlation id ` +
          `${correlationId}, answered job ${answer.jobId}: the only job launched with that id ` +
          `was its predecessor's (another uid), deleted and deprovisioned since`,
      );
    }
  },
);
