/**
 * The names shared with the playbooks (docs/eda-protocol.md): the annotations the provider
 * puts into every event, the ones the playbooks write back onto the Kubernetes resource,
 * and the finalizer that says something was provisioned. All are configurable; these are
 * the defaults.
 *
 * @module
 */

/** Event annotation: the engine's correlation id of the launch. */
export const ANNOTATION_CORRELATION_ID = "provisionkit.io/correlation-id";
/** Event annotation: `provision` or `deprovision`. */
export const ANNOTATION_OPERATION = "provisionkit.io/operation";
/** Event annotation (provision events only): the config version the event applies. */
export const ANNOTATION_CONFIG_VERSION = "provisionkit.io/config-version";
/**
 * Event annotation (deprovision events only): the provider's `blockDeletionOnFailure`,
 * `"true"` or `"false"`. A deprovision playbook that fails and reads `"false"` removes
 * {@link FINALIZER_AAP} along with writing {@link ANNOTATION_PLAYBOOK_FAILURE}, so a failed
 * teardown does not keep the object from going; absent means `"true"` (keep the finalizer).
 */
export const ANNOTATION_BLOCK_DELETION_ON_FAILURE = "provisionkit.io/block-deletion-on-failure";
/** Written back by a successful provision playbook: the config version it applied. */
export const ANNOTATION_APPLIED_CONFIG_VERSION = "provisionkit.io/applied-config-version";
/** Written back by a successful provision playbook: the correlation id of its event. */
export const ANNOTATION_APPLIED_CORRELATION_ID = "provisionkit.io/applied-correlation-id";
/**
 * Written back by a failed playbook: JSON text
 * `{"correlationId":"…","operation":"provision"|"deprovision","message":"…"}`.
 */
export const ANNOTATION_PLAYBOOK_FAILURE = "provisionkit.io/playbook-failure";
/**
 * Added by a provision playbook, removed by a successful deprovision playbook (and by a
 * failed one whose event says {@link ANNOTATION_BLOCK_DELETION_ON_FAILURE} `"false"`).
 */
export const FINALIZER_AAP = "provisionkit.io/aap";

/** The annotation names the provider writes into events and reads back from resources. */
export interface EdaAnnotationNames {
  /** See {@link ANNOTATION_CORRELATION_ID}. */
  correlationId: string;
  /** See {@link ANNOTATION_OPERATION}. */
  operation: string;
  /** See {@link ANNOTATION_CONFIG_VERSION}. */
  configVersion: string;
  /** See {@link ANNOTATION_BLOCK_DELETION_ON_FAILURE}. */
  blockDeletionOnFailure: string;
  /** See {@link ANNOTATION_APPLIED_CONFIG_VERSION}. */
  appliedConfigVersion: string;
  /** See {@link ANNOTATION_APPLIED_CORRELATION_ID}. */
  appliedCorrelationId: string;
  /** See {@link ANNOTATION_PLAYBOOK_FAILURE}. */
  failure: string;
}

/** The default annotation names (docs/eda-protocol.md). */
export const DEFAULT_EDA_ANNOTATIONS: Readonly<EdaAnnotationNames> = Object.freeze({
  correlationId: ANNOTATION_CORRELATION_ID,
  operation: ANNOTATION_OPERATION,
  configVersion: ANNOTATION_CONFIG_VERSION,
  blockDeletionOnFailure: ANNOTATION_BLOCK_DELETION_ON_FAILURE,
  appliedConfigVersion: ANNOTATION_APPLIED_CONFIG_VERSION,
  appliedCorrelationId: ANNOTATION_APPLIED_CORRELATION_ID,
  failure: ANNOTATION_PLAYBOOK_FAILURE,
});

/**
 * Event annotation carrying the W3C trace context (`traceparent`) of the job's span, when
 * the runtime traces jobs (docs/tracing.md); absent otherwise. Not renamable.
 */
export const ANNOTATION_TRACEPARENT = "provisionkit.io/traceparent";

/** Informational request header carrying the correlation id. */
export const HEADER_CORRELATION_ID = "X-Provisionkit-Correlation-Id";
/** Informational request header carrying the operation. */
export const HEADER_OPERATION = "X-Provisionkit-Operation";
