/**
 * The AAP Controller (AWX) REST client: public API.
 *
 * @module
 */
export { AapClient, DEFAULT_MAX_PAGES, type ListJobsOptions } from "./client.js";
export {
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_USER_AGENT,
  type AapAuth,
  type AapClientOptions,
  type AapRetryOptions,
  type AapTlsOptions,
  type RequestOptions,
} from "./options.js";
export { FILTER_NOT_ALLOWED } from "./errors.js";
export type * from "./types.js";
