/**
 * Public types of what the EDA simulator records: events and their fates, playbook side
 * effects, event-stream state and the request log.
 *
 * @module
 */
import type { AapJobStatus } from "../aap/records.js";
import type { AapJobKind } from "../aap/types.js";

/** The status of the simulated rulebook activation. */
export type EdaActivationStatus = "stopped" | "starting" | "running";

/**
 * What became of an event:
 * - `queued`: accepted, waiting for the rule engine (latency, sequential strategy, startup);
 * - `launched`: its rule's action created an AAP job;
 * - `launch-failed`: the action failed (template not found, launch not 201, network error);
 * - `lost`: dropped by an activation restart, or no activation was running to receive it;
 * - `unmatched`: no rule matched it;
 * - `test-mode`: received by an event stream in test mode, not forwarded;
 * - `rejected`: refused by the server (see `status`).
 */
export type EdaEventFate =
  "queued" | "launched" | "launch-failed" | "lost" | "unmatched" | "test-mode" | "rejected";

/** The AAP job an event's action created. */
export interface EdaLaunchedJob {
  /** `job` or `workflow_job`. */
  kind: AapJobKind;
  /** Job id. */
  id: number;
  /** Id of the launched template. */
  templateId: number;
  /** Name of the launched template. */
  templateName: string;
}

/** One POST received by the webhook or an event stream, with its fate. */
export interface EdaEventRecord {
  /** Sequence number, from 1, in arrival order. */
  seq: number;
  /** Which server received it. */
  source: "webhook" | "event-stream";
  /** The webhook path without its leading slash (webhook only). */
  endpoint?: string;
  /** The event stream's name (event streams only). */
  eventStream?: string;
  /** Arrival time, epoch ms. */
  receivedAt: number;
  /** The HTTP status answered. */
  status: number;
  /** The fate of the event. */
  fate: EdaEventFate;
  /** Why it was rejected, lost or failed to launch. */
  reason?: string;
  /** When the rule engine processes it (receipt + `eventLatencyMs`); accepted events only. */
  dueAt?: number;
  /** The event as the rule engine sees it (`payload` and `meta`); accepted events only. */
  event?: Record<string, unknown>;
  /** The `provisionkit.io/correlation-id` annotation of the payload, if any. */
  correlationId?: string;
  /** The `provisionkit.io/operation` annotation of the payload, if any. */
  operation?: string;
  /** The name of the rule that matched it. */
  rule?: string;
  /** When its action launched (or tried to). */
  launchedAt?: number;
  /** The HTTP status of a failed launch request (undefined for a network error or lookup failure). */
  launchStatus?: number;
  /** The job its action created. */
  job?: EdaLaunchedJob;
  /** When the rulebook's job poll saw the job terminal (the action completed). */
  completedAt?: number;
  /** The terminal status that poll saw. */
  jobStatus?: AapJobStatus;
}

/**
 * A change a playbook makes to the Kubernetes resource: `applied-version` sets the applied
 * config version and correlation id (provision), `applied-correlation` the correlation id
 * alone (deprovision's acknowledgement), `failure` the failure annotation;
 * `finalizer-removed` comes from a succeeded deprovision, or from a failed one whose event
 * said block-deletion-on-failure `"false"`.
 */
export type EdaEffectChange =
  "finalizer-added" | "applied-version" | "finalizer-removed" | "applied-correlation" | "failure";

/**
 * What a playbook run did to the resource:
 * - `applied`: the write succeeded;
 * - `unchanged`: nothing to write (finalizer already there/absent, same annotations);
 * - `skipped`: no write attempted (no payload, no operation annotation, canceled job,
 *   failure writing disabled, no Kubernetes connection);
 * - `failed`: the write or the read before it failed (see `error`).
 */
export type EdaEffectOutcome = "applied" | "unchanged" | "skipped" | "failed";

/** The resource a job's payload names. */
export interface EdaEffectResource {
  /** `apiVersion` of the payload. */
  apiVersion: string;
  /** `kind` of the payload. */
  kind: string;
  /** `metadata.namespace`, if any. */
  namespace?: string;
  /** `metadata.name`. */
  name: string;
}

/** One playbook run's side effect on the resource, applied or attempted. */
export interface EdaEffectRecord {
  /** When the effect was applied or attempted (the pump that saw the job terminal), epoch ms. */
  at: number;
  /** The job's id. */
  jobId: number;
  /** `job` or `workflow_job`. */
  jobKind: AapJobKind;
  /** The job's template name. */
  templateName: string;
  /** The job's terminal status. */
  jobStatus: AapJobStatus;
  /** When the job became terminal, epoch ms. */
  jobFinishedAt: number;
  /** The resource from the payload, when it names one. */
  resource?: EdaEffectResource;
  /** `namespace/name` (or `name`) of the resource. */
  resourceKey?: string;
  /** The payload's operation annotation, if any. */
  operation?: string;
  /** The payload's correlation-id annotation, if any. */
  correlationId?: string;
  /**
   * The changes written, in order; for a `failed` run, those written before the failing task
   * and by its rescue (the failure annotation).
   */
  changes: EdaEffectChange[];
  /** What happened. */
  outcome: EdaEffectOutcome;
  /** Why it was skipped or failed. */
  reason?: string;
  /** The HTTP status of the failing request, if any. */
  httpStatus?: number;
  /** How many write requests were sent (more than 1 after 409 Conflicts). */
  attempts: number;
}

/** The state of an event stream, as the EDA server keeps it. */
export interface EdaEventStreamState {
  /** Name. */
  name: string;
  /** UUID in the URL. */
  uuid: string;
  /** The POST URL, or undefined while the simulator is stopped. */
  url: string | undefined;
  /** Whether the stream is in test mode. */
  testMode: boolean;
  /** `events_received`: POSTs that authenticated, or failed authentication with a 403. */
  eventsReceived: number;
  /** `last_event_received_at`, epoch ms. */
  lastEventReceivedAt?: number;
  /** `test_content`: the last parsed body received in test mode. */
  testContent?: unknown;
  /** `test_headers`: the last request headers in test mode, without the auth header. */
  testHeaders?: Record<string, string>;
  /** `test_content_type`: the last Content-Type in test mode (`unknown` when absent). */
  testContentType?: string;
  /** `test_error_message`: the last error in test mode (`""` after a success). */
  testErrorMessage?: string;
}

/** One HTTP request either server received; credentials and signatures are never kept. */
export interface EdaRequestRecord {
  /** The server. */
  server: "webhook" | "event-stream";
  /** HTTP method. */
  method: string;
  /** Request path without the query string. */
  path: string;
  /** `Content-Type`, if any. */
  contentType?: string;
  /** Arrival time, epoch ms. */
  at: number;
  /** The HTTP status answered (0 when none was sent). */
  status: number;
  /** Whether the request carried the configured credentials header (its value is not kept). */
  credentialsPresented: boolean;
}
