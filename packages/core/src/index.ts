/**
 * provisionkit core: the Provider contract, job and result types, typed errors,
 * config-version hashing, job history helpers and the pure lifecycle engine.
 *
 * @packageDocumentation
 */
export {
  JobState,
  isJobState,
  isSuccessful,
  isTerminal,
  isUnsuccessful,
  type JobType,
} from "./job-state.js";
export {
  RESOURCE_UID_ANNOTATION,
  resourceKey,
  type ResourceMetadata,
  type ResourceObject,
} from "./resource.js";
export type { FailureRecord, JobRecord, JobTiming } from "./job-record.js";
export {
  JOB_TIMING_FIELDS,
  MAX_TIMING_OFFSET_MS,
  isTraceparent,
  jobPhases,
  parseJobTiming,
  timingOffset,
  type JobPhase,
  type JobPhaseName,
} from "./tracing/timing.js";
export type {
  JobTraceInfo,
  JobTracer,
  LaunchTrace,
  LaunchTraceOutcome,
  ReconcileTrace,
} from "./tracing/hooks.js";
export {
  duration as formatDuration,
  explainResource,
  renderExplain,
  waitingFor,
  type ExplainJob,
  type ExplainOptions,
  type ExplainPhase,
  type ExplainReport,
} from "./cli/explain.js";
export type {
  DeprovisionResult,
  DeprovisionSkipped,
  DeprovisionTriggered,
  DeprovisionWaiting,
  FoundJob,
  ProvisionResult,
  ProvisionStatus,
} from "./results.js";
export {
  capabilitiesOf,
  providerDeclarations,
  type CallOptions,
  type FindJobQuery,
  type JobSignal,
  type JobSignalListener,
  type JobSignalSubscription,
  type Provider,
  type ProviderCapabilities,
  type ProviderDeclarations,
  type TriggerDeprovisionOptions,
  type TriggerProvisionOptions,
} from "./provider.js";
export {
  AbortedError,
  AuthenticationError,
  ConfigurationError,
  ContractViolationError,
  ErrorCode,
  InvalidResponseError,
  JobNotFoundError,
  JobOwnershipError,
  ProviderError,
  RateLimitError,
  TimeoutError,
  TransientError,
  hasErrorCode,
  isOutcomeUnknown,
  isProviderError,
  toErrorRecord,
  type ErrorRecordData,
  type ProviderErrorOptions,
  MAX_RETRY_AFTER_MS,
  clampRetryAfterMs,
} from "./errors.js";
export {
  CONFIG_VERSION_PREFIX,
  MAX_CONFIG_DEPTH,
  canonicalJson,
  sameJson,
  configVersion,
} from "./config-version.js";
export { DEFAULT_HISTORY_LIMIT, appendJob, jobsOfType, latestJob, updateJob } from "./history.js";
export {
  ConditionType,
  findCondition,
  removeCondition,
  setCondition,
  type Condition,
} from "./conditions.js";
export { backoffDelay, type BackoffPolicy } from "./backoff.js";
export {
  emptyStatus,
  type LaunchFailure,
  type PendingLaunch,
  type ProvisioningStatus,
} from "./status.js";
export * from "./engine/index.js";
export { silentLogger, type Logger } from "./logger.js";
export {
  checkSecretValue,
  describeSecretReference,
  resolveSecretValue,
  type SecretReadOptions,
  type SecretReference,
  type SecretSource,
  type SecretValue,
} from "./secrets.js";
export {
  MAX_SERVER_TEXT,
  MIN_BASE64_FRAGMENT,
  REDACTED,
  SecretRedactor,
  type SecretRedactorOptions,
} from "./redaction.js";
export { kebabCase } from "./naming.js";
export {
  MAX_CODE_CHARS,
  MAX_CONDITION_MESSAGE_CHARS,
  MAX_ERROR_DETAILS_CHARS,
  MAX_EVENT_MESSAGE_BYTES,
  MAX_HISTORY_LIMIT,
  MAX_JOB_ID_CHARS,
  MAX_OLD_JOB_TEXT_CHARS,
  MAX_OPERATOR_STRING_CHARS,
  MAX_STATUS_MESSAGE_CHARS,
  STATUS_BUDGET,
  clipText,
  clipUtf8,
} from "./text-bounds.js";
