/**
 * The AAP simulator's public surface.
 *
 * @module
 */
export { AapSimulator } from "./simulator.js";
export type { AapNotificationEvent, AapNotificationRecord } from "./notifications.js";
export type {
  AapNotificationFaultAction,
  AapNotificationFaultRule,
  AapNotificationFaults,
  AapNotificationOptions,
} from "./notifications-sender.js";
export { AAP_CANCEL_SIGNAL, AapPlaybookRunner, REAL_PLAYBOOK_SCRIPT } from "./playbook-runner.js";
export type {
  AapPlaybookFailure,
  AapPlaybookRun,
  AapPlaybookRunnerOptions,
} from "./playbook-runner.js";
export type {
  AapAuthOptions,
  AapFinishDetails,
  AapJobKind,
  AapJobScript,
  AapLaunchContext,
  AapOtherTemplateDefinition,
  AapOtherTemplateType,
  AapOutcome,
  AapScriptNextOptions,
  AapSurveyQuestion,
  AapSurveySpec,
  AapSimulatorOptions,
  AapTemplateDefinition,
  AapTokenCredential,
  AapUserCredential,
} from "./types.js";
export type {
  AapAuthScheme,
  AapJobStatus,
  AapLedgerJob,
  AapLedgerResource,
  AapOperation,
  AapRequestRecord,
  AapTransition,
} from "./records.js";
export type {
  AapDelayFault,
  AapDropAfterAcceptFault,
  AapFaultAction,
  AapFaultHandle,
  AapFaultRule,
  AapFaults,
  AapHangFault,
  AapHeldRequest,
  AapMalformedFault,
  AapRateLimitFault,
  AapResetFault,
  AapStatusFault,
} from "./fault-types.js";
