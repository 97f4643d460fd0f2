/**
 * The Kubernetes `Status` object and the error that carries one.
 *
 * @module
 */

/** One cause of a failure (`details.causes[]`). */
export interface KubeStatusCause {
  /** Machine-readable cause, e.g. `FieldValueForbidden`. */
  reason?: string;
  /** Human-readable description. */
  message?: string;
  /** The field at fault, e.g. `metadata.finalizers`. */
  field?: string;
}

/** `details` of a `Status`. */
export interface KubeStatusDetails {
  /** Name of the object concerned. */
  name?: string;
  /** API group of the object concerned. */
  group?: string;
  /** Resource (plural) or kind concerned, as the real server fills it per error. */
  kind?: string;
  /** UID of the object concerned. */
  uid?: string;
  /** Field-level causes. */
  causes?: KubeStatusCause[];
  /** Seconds the client should wait before retrying. */
  retryAfterSeconds?: number;
}

/** A `v1` `Status`, as a Kubernetes API server returns for errors and some deletes. */
export interface KubeStatus {
  /** Always `Status`. */
  kind: "Status";
  /** Always `v1`. */
  apiVersion: "v1";
  /** Always empty. */
  metadata: Record<string, never>;
  /** `Failure` or `Success`. */
  status: "Failure" | "Success";
  /** Human-readable description. */
  message?: string;
  /** Machine-readable reason, e.g. `NotFound`, `Conflict`, `Invalid`. */
  reason?: string;
  /** Extended data. */
  details?: KubeStatusDetails;
  /** HTTP status code. */
  code?: number;
}

/**
 * An API failure: over HTTP it is answered with {@link KubeStatusError.status}; the
 * simulator's out-of-band methods throw it as is.
 */
export class KubeStatusError extends Error {
  /** The `Status` body. */
  readonly status: KubeStatus;

  /** @param status - A `Failure` status with a `code`. */
  constructor(status: KubeStatus) {
    super(status.message ?? status.reason ?? "Failure");
    this.name = "KubeStatusError";
    this.status = status;
  }

  /** The HTTP status code. */
  get code(): number {
    return this.status.code ?? 500;
  }
}
