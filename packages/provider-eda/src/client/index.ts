/**
 * The EDA event sender: public API.
 *
 * @module
 */
export { EdaClient, type EdaEvent, type EdaSendOptions, type EdaSendResult } from "./client.js";
export {
  DEFAULT_HMAC_HEADER,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_USER_AGENT,
  type EdaAuth,
  type EdaBasicAuth,
  type EdaBearerAuth,
  type EdaClientOptions,
  type EdaHmacAlgorithm,
  type EdaHmacAuth,
  type EdaHmacEncoding,
  type EdaNoAuth,
  type EdaTlsOptions,
} from "./options.js";
export {
  type EdaDestination,
  type EdaEventStreamTarget,
  type EdaEventStreamUrls,
  type EdaOperationValues,
  type EdaTarget,
  type EdaWebhookEndpoints,
  type EdaWebhookTarget,
} from "./target.js";
export { DEFAULT_RETRY_AFTER_MS } from "./errors.js";
export { kebabCase } from "@provisionkit/core";
