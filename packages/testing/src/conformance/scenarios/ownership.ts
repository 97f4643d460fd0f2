/**
 * P10: a provider acts only on jobs launched for the resource in hand. Before a job's status
 * is reported, a job is adopted or a cancel is sent, the job's own record is checked against
 * the resource and the correlation id.
 *
 * @module
 */
import { JobState } from "@provisionkit/core";
import { SPECS } from "../driver/session.js";
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
