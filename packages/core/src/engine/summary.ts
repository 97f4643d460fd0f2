import { ConditionType, removeCondition, setCondition, type Condition } from "../conditions.js";
import { latestJob } from "../history.js";
import { isSuccessful, isTerminal, isUnsuccessful } from "../job-state.js";
import type { ProvisioningStatus } from "../status.js";
import { iso } from "./time.js";
import { isActive } from "./transition.js";

/** Context for {@link summarize}. */
export interface SummaryContext {
  /** True while the resource is being deleted. */
  deleting: boolean;
  /** Current time, epoch ms. */
  now: number;
  /** Resource generation for `observedGeneration`. */
  generation?: number;
}

type Cond = Omit<Condition, "lastTransitionTime">;

/**
 * Derive the `Provisioned`, `Ready`, `Deleting` and `DeletionBlocked` conditions from the
 * status. `LaunchOutcomeUnknown` is set by the decision itself; it is removed here once
 * no launch is pending. `lastTransitionTime` only moves when a condition's status does.
 */
export function summarize(status: ProvisioningStatus, ctx: SummaryContext): ProvisioningStatus {
  const now = iso(ctx.now);
  const gen = ctx.generation === undefined ? {} : { observedGeneration: ctx.generation };
  let conditions = status.conditions;
  const provisioned = { ...provisionedCondition(status), ...gen };
  conditions = setCondition(conditions, provisioned, now);
  const ready: Cond = ctx.deleting
    ? {
        type: ConditionType.Ready,
        status: "False",
        reason: "Deleting",
        message: "the resource is being deleted",
        ...gen,
      }
    : { ...provisioned, type: ConditionType.Ready };
  conditions = setCondition(conditions, ready, now);
  if (ctx.deleting) {
    const [deleting, blocked] = deletionConditions(status);
    conditions = setCondition(conditions, { ...deleting, ...gen }, now);
    conditions = setCondition(conditions, { ...blocked, ...gen }, now);
  }
  if (!status.pendingLaunch)
    conditions = removeCondition(conditions, ConditionType.LaunchOutcomeUnknown);
  return { ...status, conditions };
}

function provisionedCondition(status: ProvisioningStatus): Cond {
  const type = ConditionType.Provisioned;
  const desired = status.desiredConfigVersion;
  const job = latestJob(status.jobs, "provision");
  if (desired !== undefined && desired === status.reconciledConfigVersion) {
    return {
      type,
      status: "True",
      reason: "Reconciled",
      message: `config version ${desired} is applied`,
    };
  }
  if (job && !isTerminal(job.state)) {
    const stale = job.configVersion !== desired;
    return {
      type,
      status: "False",
      reason: "Provisioning",
      message:
        `provision job ${job.jobId} is ${job.state}` +
        (stale
          ? job.cancelRequestedAt
            ? `; it applies an older config and was asked to cancel`
            : `; it applies an older config, the new one is launched when it ends`
          : ""),
    };
  }
  const failure = status.launchFailure;
  if (failure && failure.type === "provision" && failure.configVersion === desired) {
    return {
      type,
      status: "False",
      reason: "LaunchFailed",
      message: `launching the provision job failed (${failure.count} in a row, ${failure.code}): ${failure.message}; retrying at ${failure.retryAt}`,
    };
  }
  if (status.pendingLaunch?.type === "provision") {
    return {
      type,
      status: "False",
      reason: "Launching",
      message: "a provision job is being launched",
    };
  }
  if (job && job.configVersion === desired && isUnsuccessful(job.state)) {
    return {
      type,
      status: "False",
      reason: job.reason ?? "ProvisionFailed",
      message: `provision job ${job.jobId} (attempt ${job.attempt}) ended ${job.state}: ${job.message}`,
    };
  }
  return {
    type,
    status: "False",
    reason: "Pending",
    message: `config version ${desired ?? "(none)"} is not applied yet`,
  };
}

function deletionConditions(status: ProvisioningStatus): [Cond, Cond] {
  const job = latestJob(status.jobs, "deprovision");
  const provision = latestJob(status.jobs, "provision");
  const notBlocked: Cond = {
    type: ConditionType.DeletionBlocked,
    status: "False",
    reason: "NotBlocked",
    message: "",
  };
  const deleting = (reason: string, message: string): Cond => ({
    type: ConditionType.Deleting,
    status: "True",
    reason,
    message,
  });
  if (!job) {
    if (provision && isActive(provision)) {
      return [
        deleting(
          "WaitingForProvisionJob",
          `waiting for provision job ${provision.jobId} (${provision.state}) to end before deprovisioning`,
        ),
        notBlocked,
      ];
    }
    return [deleting("DeprovisionPending", "deprovisioning is about to start"), notBlocked];
  }
  if (!isTerminal(job.state)) {
    return [
      deleting("DeprovisionRunning", `deprovision job ${job.jobId} is ${job.state}`),
      notBlocked,
    ];
  }
  if (isSuccessful(job.state)) {
    return [deleting("DeprovisionSucceeded", `deprovision job ${job.jobId} succeeded`), notBlocked];
  }
  if (job.blockDeletionOnFailure !== false) {
    const message = `deprovision job ${job.jobId} (attempt ${job.attempt}) ended ${job.state}: ${job.message}; deletion stays blocked and the deprovision is retried`;
    return [
      deleting("DeletionBlocked", message),
      {
        type: ConditionType.DeletionBlocked,
        status: "True",
        reason: job.reason ?? "DeprovisionFailed",
        message,
      },
    ];
  }
  return [
    deleting(
      "DeprovisionFailed",
      `deprovision job ${job.jobId} ended ${job.state}; the provider allows deletion anyway`,
    ),
    notBlocked,
  ];
}
