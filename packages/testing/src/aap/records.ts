/**
 * Public types of what the AAP simulator records: the job ledger and the request log.
 *
 * @module
 */
import type { AapJobKind } from "./types.js";

/** The status values of AWX unified jobs. */
export type AapJobStatus =
  "new" | "pending" | "waiting" | "running" | "successful" | "failed" | "error" | "canceled";

/** The API operations the simulator tells apart (for fault rules and the request log). */
export type AapOperation =
  | "discovery"
  | "ping"
  | "template-list"
  | "template-get"
  | "launch-get"
  | "launch"
  | "job-list"
  | "job-get"
  | "cancel-get"
  | "cancel"
  | "job-delete"
  /** A read of notification templates or their associations (notifications.ts). */
  | "notification-read"
  /** A write to notification templates or their associations (notifications.ts). */
  | "notification-write";

/** The Kubernetes-style resource a job was launched for, read from its extra vars. */
export interface AapLedgerResource {
  /** `apiVersion` of the resource, if given. */
  apiVersion?: string;
  /** `kind` of the resource, if given. */
  kind?: string;
  /** `metadata.namespace`, if given. */
  namespace?: string;
  /** `metadata.name`. */
  name: string;
  /** `metadata.uid`, if given. */
  uid?: string;
}

/** One status change of a job, at the instant it was scheduled to happen. */
export interface AapTransition {
  /** The status entered. */
  status: AapJobStatus;
  /** When, in epoch milliseconds. */
  at: number;
}

/** The simulator's out-of-band truth about one job, evaluated at the clock's current time. */
export interface AapLedgerJob {
  /** Job id. */
  id: number;
  /** `job` or `workflow_job`. */
  kind: AapJobKind;
  /** Id of the launched template. */
  templateId: number;
  /** Name of the launched template. */
  templateName: string;
  /** Organization of the launched template. */
  organization: string;
  /**
   * The resource from `extra_vars.ansible_eda.event.payload` (its `apiVersion`, `kind` and
   * `metadata`); undefined when the job's extra vars carry none.
   */
  resource?: AapLedgerResource;
  /** `namespace/name` (or `name`) of {@link AapLedgerJob.resource}. */
  resourceKey?: string;
  /** The extra vars the job holds: template vars merged with the accepted launch vars. */
  extraVars: Record<string, unknown>;
  /** The launch fields the template did not prompt for (AWX `ignored_fields`). */
  ignoredFields: Record<string, unknown>;
  /** Status at the clock's current time. */
  status: AapJobStatus;
  /** When the job was created (the launch request's time). */
  createdAt: number;
  /** When it entered `running`, if it has. */
  startedAt?: number;
  /** When it became terminal, if it has. */
  finishedAt?: number;
  /** When a cancel was first requested, if ever. */
  cancelRequestedAt?: number;
  /** When it was purged from the API, if it was. */
  purgedAt?: number;
  /** Every status change up to now, with the scheduled instants. */
  transitions: AapTransition[];
}

/** How a request authenticated itself; secrets are never recorded. */
export type AapAuthScheme = "bearer" | "basic" | "none";

/** One request the simulator received. */
export interface AapRequestRecord {
  /** HTTP method. */
  method: string;
  /** Request path without the query string. */
  path: string;
  /** Query parameters (the last value wins for repeated names). */
  query: Record<string, string>;
  /** The operation it addressed; undefined for unknown paths and unsupported methods. */
  operation: AapOperation | undefined;
  /**
   * The HTTP status sent; 0 while the response is held and when none was sent (the
   * connection was destroyed by a fault, or the simulator stopped).
   */
  status: number;
  /** Arrival time on the simulator's clock, epoch milliseconds. */
  at: number;
  /** The authorization scheme presented (whether or not it was valid). */
  auth: AapAuthScheme;
  /** The type of the fault action applied to this request, if any. */
  fault?: string;
  /**
   * The message of an unexpected error inside the simulator (a throwing script function,
   * say) that the client saw as a 500.
   */
  error?: string;
}
