import {
  RESOURCE_UID_ANNOTATION,
  resourceKey,
  type JobType,
  type ResourceObject,
} from "@provisionkit/core";

/** Top-level extra var holding provisionkit's own launch data. */
export const PROVISIONKIT_VAR = "provisionkit";

/** What the provider records in a job's extra vars under `provisionkit`. */
export interface ProvisionkitVars {
  /** Correlation id of the launch (crash adoption looks it up). */
  correlationId: string;
  /** Provision or deprovision. */
  operation: JobType;
  /** For provision jobs: the config version applied. */
  configVersion?: string;
  /** For deprovision jobs: whether a failure blocks deletion. */
  blockDeletionOnFailure?: boolean;
  /**
   * The W3C trace context of the job's span, when the runtime traces jobs: written as
   * `provisionkit.traceparent`, for a playbook or callback plugin that continues the trace.
   */
  traceparent?: string;
}

/** Inputs of {@link buildExtraVars}. */
export interface ExtraVarsInput {
  resource: ResourceObject;
  payload: unknown;
  vars: ProvisionkitVars;
  endpoint: string;
  receivedAt: string;
  extra: Record<string, unknown>;
}

/**
 * The launch's extra vars. The resource goes to `ansible_eda.event.payload`, the shape an
 * EDA rulebook's `run_job_template` gives playbooks, so one playbook serves both the
 * direct and the event-driven path; `ansible_eda.event.meta` mimics what ansible-rulebook
 * adds. provisionkit's own data sits under `provisionkit` (snake_case, as playbooks read
 * it).
 */
export function buildExtraVars(input: ExtraVarsInput): Record<string, unknown> {
  const { resource, vars } = input;
  const { metadata } = resource;
  const own: Record<string, unknown> = {
    correlation_id: vars.correlationId,
    operation: vars.operation,
    resource: {
      api_version: resource.apiVersion ?? null,
      kind: resource.kind ?? null,
      namespace: metadata.namespace ?? null,
      name: metadata.name,
      uid: metadata.uid ?? null,
      key: resourceKey(resource),
    },
  };
  if (vars.configVersion !== undefined) own.config_version = vars.configVersion;
  if (vars.blockDeletionOnFailure !== undefined) {
    own.block_deletion_on_failure = vars.blockDeletionOnFailure;
  }
  if (vars.traceparent !== undefined) own.traceparent = vars.traceparent;
  return {
    ...input.extra,
    ansible_eda: {
      event: {
        payload: input.payload,
        meta: {
          endpoint: input.endpoint,
          received_at: input.receivedAt,
          uuid: vars.correlationId,
          source: { name: "provisionkit", type: "provisionkit.provider-aap" },
        },
      },
    },
    [PROVISIONKIT_VAR]: own,
  };
}

/**
 * Read back what the provider recorded under `provisionkit`, from a job's parsed extra vars.
 * `undefined` when the job was not launched by provisionkit (or its vars were ignored).
 */
export function readProvisionkitVars(
  extraVars: Record<string, unknown> | undefined,
): ProvisionkitVars | undefined {
  const own = extraVars?.[PROVISIONKIT_VAR];
  if (typeof own !== "object" || own === null) return undefined;
  const record = own as Record<string, unknown>;
  const correlationId = record.correlation_id;
  const operation = record.operation;
  if (typeof correlationId !== "string") return undefined;
  if (operation !== "provision" && operation !== "deprovision") return undefined;
  const vars: ProvisionkitVars = { correlationId, operation };
  if (typeof record.config_version === "string") vars.configVersion = record.config_version;
  if (typeof record.block_deletion_on_failure === "boolean") {
    vars.blockDeletionOnFailure = record.block_deletion_on_failure;
  }
  return vars;
}

/**
 * The resource a job launched by `AapProvider` was launched for, from its `provisionkit`
 * extra var (`resource.uid`, `resource.key`): each field present only when it is a
 * non-empty string.
 */
export function readProvisionkitResource(extraVars: Record<string, unknown> | undefined): {
  uid?: string;
  key?: string;
} {
  const own = extraVars?.[PROVISIONKIT_VAR];
  const resource = isObject(own) ? own.resource : undefined;
  const found: { uid?: string; key?: string } = {};
  if (!isObject(resource)) return found;
  if (typeof resource.uid === "string" && resource.uid !== "") found.uid = resource.uid;
  if (typeof resource.key === "string" && resource.key !== "") found.key = resource.key;
  return found;
}

/** The names of the payload annotations that say what a launch was for. */
export interface AapAnnotationNames {
  /** The launch's correlation id. Default `provisionkit.io/correlation-id`. */
  correlationId: string;
  /** `provision` or `deprovision`. Default `provisionkit.io/operation`. */
  operation: string;
  /** Provision launches only: the config version applied. Default `provisionkit.io/config-version`. */
  configVersion: string;
  /**
   * Deprovision launches only: `"true"` or `"false"`, the provider's
   * `blockDeletionOnFailure`. A failed deprovision playbook that reads `"false"` removes the
   * `provisionkit.io/aap` finalizer along with writing the failure annotation. Default
   * `provisionkit.io/block-deletion-on-failure`.
   */
  blockDeletionOnFailure: string;
}

/**
 * The annotations the provider adds to the payload's `metadata.annotations`, the same ones
 * `@provisionkit/provider-eda` puts into its events (docs/eda-protocol.md), so one playbook
 * reads `ansible_eda.event.payload.metadata.annotations` whichever path launched it, and
 * `findJob` recognises a job whichever path launched it.
 */
export const PAYLOAD_ANNOTATIONS: Readonly<AapAnnotationNames> = Object.freeze({
  correlationId: "provisionkit.io/correlation-id",
  operation: "provisionkit.io/operation",
  configVersion: "provisionkit.io/config-version",
  blockDeletionOnFailure: "provisionkit.io/block-deletion-on-failure",
});

/**
 * A copy of `payload` whose `metadata.annotations` carry the launch's correlation id,
 * operation and, for a provision, config version or, for a deprovision,
 * `blockDeletionOnFailure` (`"true"` or `"false"`), and `resourceUid` as
 * `RESOURCE_UID_ANNOTATION` (`provisionkit.io/resource-uid`: the job then names its resource
 * whatever the payload carries); an annotation that does not apply is removed, should the
 * resource itself carry it. A payload that is not a JSON object is returned as it is.
 */
export function annotatePayload(
  payload: unknown,
  vars: ProvisionkitVars,
  names: AapAnnotationNames = PAYLOAD_ANNOTATIONS,
  resourceUid?: string,
): unknown {
  if (!isObject(payload)) return payload;
  const copy = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
  const metadata = isObject(copy.metadata) ? copy.metadata : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  annotations[names.correlationId] = vars.correlationId;
  annotations[names.operation] = vars.operation;
  if (vars.configVersion !== undefined) {
    annotations[names.configVersion] = vars.configVersion;
  } else {
    delete annotations[names.configVersion];
  }
  if (vars.operation === "deprovision" && vars.blockDeletionOnFailure !== undefined) {
    annotations[names.blockDeletionOnFailure] = String(vars.blockDeletionOnFailure);
  } else {
    delete annotations[names.blockDeletionOnFailure];
  }
  if (resourceUid !== undefined && resourceUid !== "") {
    annotations[RESOURCE_UID_ANNOTATION] = resourceUid;
  } else {
    delete annotations[RESOURCE_UID_ANNOTATION];
  }
  metadata.annotations = annotations;
  copy.metadata = metadata;
  return copy;
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The default payload: the resource without `status` and `metadata.managedFields`. */
export function defaultPayload(resource: ResourceObject): unknown {
  const { status: _status, ...rest } = resource;
  const { managedFields: _managed, ...metadata } =
    resource.metadata as ResourceObject["metadata"] & {
      managedFields?: unknown;
    };
  return { ...rest, metadata };
}
