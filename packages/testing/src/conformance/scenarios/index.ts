/**
 * Every scenario of the provider conformance suite, in report order.
 *
 * @module
 */
import {
  crashAmongManyJobs,
  crashAmongOtherJobs,
  crashAmongSimilarIds,
  deleteDuringCancelOutage,
  deleteDuringReadOutage,
  deleteDuringSecondProvision,
  lookupOutageAfterLostAnswer,
  lostLaunchAnswer,
  purgedFailedJob,
  purgedProvisionThenDelete,
  transientReadOutage,
} from "./blind-spots.js";
import { crashAtEveryStep } from "./crash-at-every-step.js";
import { crashAdoptsByCorrelationId, providerSwitch, twoControllers } from "./concurrency.js";
import { createToReady } from "./create-to-ready.js";
import {
  deleteAfterJobTimeout,
  deleteAfterProvisioning,
  deleteBeforeProvisioning,
  deleteWhileProvisioning,
  failedProvisionThenDelete,
  restartDuringDeprovision,
} from "./deletion.js";
import {
  failedDeprovisionAfterLostAnswer,
  failedDeprovisionBlocking,
  failedDeprovisionNonBlocking,
} from "./failed-deprovision.js";
import {
  failureKinds,
  neverFinishingJob,
  purgedJob,
  rateLimitedLaunch,
  transientFailure,
} from "./faults.js";
import { crashAmongHandLaunchedJobs } from "./hand-launched.js";
import { hungRequests } from "./hangs.js";
import { foreignJob, restoredLaunchMarker, restoredStatus } from "./ownership.js";
import { randomizedInterleavings } from "./randomized.js";
import type { ConformanceScenario } from "./scenario.js";
import { staleLaunchAnnotations } from "./stale-annotations.js";
import { specABA, specChangeCancelsRunning, specChangeWhileProvisioning } from "./spec-change.js";
import { queuedProvisionAfterTimeout, slowProvisionAfterTimeout } from "./timeouts.js";

/** The scenarios, in report order. */
export const PROVIDER_SCENARIOS: readonly ConformanceScenario[] = Object.freeze([
  createToReady,
  specChangeWhileProvisioning,
  specChangeCancelsRunning,
  specABA,
  deleteBeforeProvisioning,
  deleteWhileProvisioning,
  deleteAfterProvisioning,
  deleteDuringSecondProvision,
  deleteAfterJobTimeout,
  slowProvisionAfterTimeout,
  queuedProvisionAfterTimeout,
  deleteDuringReadOutage,
  deleteDuringCancelOutage,
  failedProvisionThenDelete,
  restartDuringDeprovision,
  failedDeprovisionBlocking,
  failedDeprovisionNonBlocking,
  failedDeprovisionAfterLostAnswer,
  failureKinds,
  purgedJob,
  purgedFailedJob,
  purgedProvisionThenDelete,
  rateLimitedLaunch,
  transientFailure,
  transientReadOutage,
  lostLaunchAnswer,
  lookupOutageAfterLostAnswer,
  neverFinishingJob,
  hungRequests,
  crashAdoptsByCorrelationId,
  crashAmongOtherJobs,
  crashAmongSimilarIds,
  crashAmongHandLaunchedJobs,
  crashAmongManyJobs,
  foreignJob,
  restoredStatus,
  restoredLaunchMarker,
  staleLaunchAnnotations,
  crashAtEveryStep,
  twoControllers,
  providerSwitch,
  randomizedInterleavings,
]);
