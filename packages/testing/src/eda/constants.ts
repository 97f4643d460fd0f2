/**
 * Defaults of the EDA simulator, from research §10 and docs/eda-protocol.md.
 *
 * @module
 */

/** The AAP simulator's default bearer token. */
export const DEFAULT_AAP_TOKEN = "sim-token";
/** The organization rules launch in when they name none (the AAP simulator's default). */
export const DEFAULT_ORGANIZATION = "Default";
/** `EDA_JOB_TEMPLATE_REFRESH_DELAY`: how often ansible-rulebook polls a launched job. */
export const DEFAULT_JOB_POLL_MS = 10_000;
/** The real-time pump interval when the clock moves by itself (not a `VirtualClock`). */
export const DEFAULT_PUMP_INTERVAL_MS = 25;
/** The ruleset name sent in `ansible_eda.ruleset`. */
export const DEFAULT_RULESET = "provisionkit";
/** `meta.source.type` of webhook events. */
export const WEBHOOK_SOURCE_TYPE = "ansible.eda.webhook";
/**
 * `meta.source.type` of event-stream events: EDA swaps the rulebook's source for a
 * PG NOTIFY listener when a stream is attached (unverified name).
 */
export const STREAM_SOURCE_TYPE = "ansible.eda.pg_listener";
/** The path prefix of event-stream POST URLs, up to the UUID. */
export const STREAM_PATH_PREFIX = "/eda-event-streams/api/eda/v1/external_event_stream/";

/** Webhook HMAC defaults (`hmac_algo`, `hmac_header`, `hmac_format`). */
export const WEBHOOK_HMAC_DEFAULTS = {
  algorithm: "sha256",
  header: "x-hub-signature-256",
  format: "hex",
} as const;

/** Event-stream credential defaults (EDA `create_initial_data`). */
export const STREAM_DEFAULTS = {
  authHeader: "Authorization",
  hmacHeader: "X-Hub-Signature-256",
  hmacAlgorithm: "sha256",
  hmacEncoding: "base64",
} as const;

/** The playbook's annotations and finalizer (docs/eda-protocol.md). */
export const PLAYBOOK_DEFAULTS = {
  finalizer: "provisionkit.io/aap",
  appliedVersionAnnotation: "provisionkit.io/applied-config-version",
  appliedCorrelationAnnotation: "provisionkit.io/applied-correlation-id",
  failureAnnotation: "provisionkit.io/playbook-failure",
  operationAnnotation: "provisionkit.io/operation",
  correlationAnnotation: "provisionkit.io/correlation-id",
  configVersionAnnotation: "provisionkit.io/config-version",
  blockDeletionOnFailureAnnotation: "provisionkit.io/block-deletion-on-failure",
  // 5 attempts in all, as ansible/playbooks/vars/provisionkit.yml's provisionkit_write_attempts.
  conflictRetries: 4,
} as const;
