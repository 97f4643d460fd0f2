/**
 * P5 for `AapProvider.triggerDeprovision`: whether the latest provision job still runs in
 * AAP, asking AAP once to cancel it when it does.
 *
 * @module
 */
import {
  ErrorCode,
  isProviderError,
  isTerminal,
  type Logger,
  type ProvisionStatus,
} from "@provisionkit/core";
import type { AapClient, AapJob, AapJobRef } from "../client/index.js";
import type { AapAnnotationNames } from "./extra-vars.js";
import { decodeJobId } from "./job-id.js";
import { toProvisionStatus } from "./job-status.js";

/** Whether the provision job may still run, and its status when AAP still has it. */
export interface SettledProvision {
  /** True while the job is not terminal: the deprovision must wait. */
  running: boolean;
  /** The job's status; absent when AAP purged it or when it is not the resource's. */
  status?: ProvisionStatus;
  /**
   * Why the job is not the resource's (see `ownership.ts`): it was neither cancelled nor
   * waited for, and its status is not returned.
   */
  notOwned?: string;
}

/** What settling needs. */
export interface SettleContext {
  /** The client. */
  client: AapClient;
  /** The launch annotation names. */
  names: AapAnnotationNames;
  /** Logger. */
  logger: Logger;
  /** Aborts the calls. */
  signal: AbortSignal;
  /** Why a job is not the resource's provision job, or `undefined` when it is. */
  ownershipProblem: (job: AapJob) => string | undefined;
}

/**
 * Reads the provision job `jobId`; a job that is not the resource's (its own launch record
 * names another resource or correlation id, or none) is left alone: neither cancelled nor
 * waited for (`notOwned`). When it is not terminal and no cancel was requested yet
 * (AAP records `canceled_on`), asks AAP to cancel it (once is enough, P5) and reads it
 * again: a pending job is cancelled inside the request, a running one takes a while. A
 * purged job runs no more.
 */
export async function settleProvisionJob(
  jobId: string,
  context: SettleContext,
): Promise<SettledProvision> {
  const { client, signal } = context;
  const ref = decodeJobId(jobId);
  const job = await readUnlessPurged(client, ref, signal);
  const notOwned = job && context.ownershipProblem(job);
  if (notOwned !== undefined) return { running: false, notOwned };
  const before = job && toProvisionStatus(jobId, job, "provision", context.names);
  if (!job || !before || isTerminal(before.state)) {
    return before ? { running: false, status: before } : { running: false };
  }
  // Repeating the cancel on every poll would only add noise.
  if (job.canceledOn) return { running: true, status: before };
  try {
    const answer = await client.cancelJob(ref, { signal });
    context.logger.info(
      { jobId, answer },
      answer === "requested"
        ? "asked AAP to cancel the running provision job before deprovisioning"
        : "the provision job could no longer be cancelled; reading its final state",
    );
  } catch (error) {
    if (!(isProviderError(error) && error.code === ErrorCode.JobNotFound)) throw error;
    return { running: false };
  }
  const again = await readUnlessPurged(client, ref, signal);
  if (!again) return { running: false };
  const after = toProvisionStatus(jobId, again, "provision", context.names);
  return { running: !isTerminal(after.state), status: after };
}

async function readUnlessPurged(
  client: AapClient,
  ref: AapJobRef,
  signal: AbortSignal,
): Promise<AapJob | undefined> {
  try {
    return await client.getJob(ref, { signal });
  } catch (error) {
    if (isProviderError(error) && error.code === ErrorCode.JobNotFound) return undefined;
    throw error;
  }
}
