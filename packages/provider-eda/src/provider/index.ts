export { EdaProvider } from "./provider.js";
export type { EdaProviderOptions } from "./options.js";
export {
  DEFAULT_DEPROVISION_TIMEOUT_MS,
  DEFAULT_MIN_EVENT_INTERVAL_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_PROVIDER_NAME,
  DEFAULT_PROVISION_TIMEOUT_MS,
} from "./resolve-options.js";
export { decodeEdaJobId, encodeEdaJobId, type EdaJobId } from "./job-id.js";
export { defaultPayload } from "./payload.js";
export { parseFailure, type PlaybookFailure } from "./failure.js";
export type { EdaAapFoundJob, EdaAapJobSource } from "./aap-source.js";
