export { AapProvider } from "./provider.js";
export type {
  AapKindTemplates,
  AapExtraVarsContext,
  AapProviderOptions,
  AapTemplateOptions,
} from "./options.js";
export { decodeJobId, encodeJobId } from "./job-id.js";
export { toJobState } from "./status-map.js";
export { PROVISIONKIT_VAR, readProvisionkitVars, type ProvisionkitVars } from "./extra-vars.js";
export { kebabCase } from "./kebab.js";
export { templateNameFor, type TemplateName } from "./templates.js";
export { PAYLOAD_ANNOTATIONS, annotatePayload, type AapAnnotationNames } from "./extra-vars.js";
export { eventAnnotations, readLaunchRecord, type LaunchRecord } from "./launch-record.js";
export {
  FIND_PAGE_SIZE,
  LAUNCHED_AT_SKEW_MS,
  LOOKUP_INCOMPLETE,
  type AapFoundJob,
} from "./find-job.js";
export { DEFAULT_LAUNCH_SETTLE_MS } from "./options.js";
