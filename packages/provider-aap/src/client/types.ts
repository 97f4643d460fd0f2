/**
 * Public data types of the AAP client: references to jobs and templates, and the decoded
 * forms of the AAP objects the client returns.
 *
 * @module
 */

/** The kind of a unified job the client handles: a playbook job or a workflow job. */
export type AapJobKind = "job" | "workflow_job";

/** The kind of a launchable template: a job template or a workflow job template. */
export type AapTemplateKind = "job_template" | "workflow_job_template";

/** Identifies a job in AAP. Job and workflow job ids share one sequence but live under different paths. */
export interface AapJobRef {
  /** `job` (under `jobs/`) or `workflow_job` (under `workflow_jobs/`). */
  kind: AapJobKind;
  /** The numeric AAP id. */
  id: number;
}

/** Identifies a launchable template in AAP. */
export interface AapTemplateRef {
  /** `job_template` or `workflow_job_template`. */
  kind: AapTemplateKind;
  /** The numeric AAP id. */
  id: number;
}

/** A launchable template as found by `AapClient.findTemplate`. */
export interface AapTemplate extends AapTemplateRef {
  /** The template name (unique per organization only). */
  name: string;
  /** The organization name (`summary_fields.organization.name`), when the template has one. */
  organization?: string;
  /** The organization id (`organization`), when the template has one. */
  organizationId?: number;
  /** Whether the template prompts for extra variables on launch (`ask_variables_on_launch`). */
  askVariablesOnLaunch: boolean;
}

/** A job or workflow job as read from AAP. */
export interface AapJob {
  /** The numeric AAP id. */
  id: number;
  /** `job` or `workflow_job`. */
  kind: AapJobKind;
  /** The raw AWX status: `new`, `pending`, `waiting`, `running`, `successful`, `failed`, `error`, `canceled`. */
  status: string;
  /** True when the status is `failed`, `error` or `canceled`. */
  failed: boolean;
  /** The job name (the template name at launch). */
  name: string;
  /** The template that launched it (`job_template`, `workflow_job_template` or `unified_job_template`). */
  templateId?: number;
  /** Creation time, ISO-8601. */
  created?: string;
  /** Time the job started running, ISO-8601, or null. */
  started: string | null;
  /** Time the job reached a terminal status, ISO-8601, or null. */
  finished: string | null;
  /**
   * When a cancel was requested (`canceled_on`, set by AWX 24.x at the cancel request), or
   * absent. A set value on an active job means the cancel is already under way.
   */
  canceledOn?: string;
  /** Seconds elapsed (live while running). */
  elapsed?: number;
  /** Why the job is in its state (`job_explanation`), or an empty string. */
  jobExplanation: string;
  /** The traceback of an `error` job (`result_traceback`), or an empty string. */
  resultTraceback: string;
  /**
   * The extra variables, parsed from the JSON string field `extra_vars`; undefined when that
   * field is absent, empty or not a JSON object.
   */
  extraVars?: Record<string, unknown>;
  /**
   * Data returned by the playbook through `set_stats` (jobs only); undefined when absent or
   * hidden by `no_log`.
   */
  artifacts?: Record<string, unknown>;
}

/** The body of a launch request. Send only the fields the template prompts for. */
export interface AapLaunchBody {
  /** Extra variables (survey answers, the `ansible_eda` payload…). */
  extra_vars?: Record<string, unknown>;
  /** A host pattern limiting the run. */
  limit?: string;
  /** An inventory id. */
  inventory?: number;
}

/** The outcome of a successful launch. */
export interface AapLaunchResult {
  /** The job AAP created (status `pending` at first). */
  job: AapJob;
  /**
   * Fields AAP accepted the launch without applying, because the job template does not prompt
   * for them (`ignored_fields`); empty when none.
   */
  ignoredFields: Record<string, unknown>;
}

/** Information returned by `AapClient.ping`. */
export interface AapPing {
  /** The controller version. */
  version: string;
  /** Whether the controller runs in high-availability mode. */
  ha: boolean;
  /** The node that answered, when reported. */
  activeNode?: string;
}

/** A page walk's result, as returned by `AapClient.listJobs`. */
export interface AapJobList {
  /** The jobs read, in the order AAP returned them. */
  jobs: AapJob[];
  /** False when the walk stopped at `maxPages` with more pages left. */
  complete: boolean;
}

/** The answer to a cancel request. */
export type AapCancelResult = "requested" | "not-cancelable";

/** An event a notification template can be attached to a template for. */
export type AapNotificationEvent = "started" | "success" | "error";

/** A notification template as read from AAP (`notification_templates/`). */
export interface AapNotificationTemplate {
  /** The numeric AAP id. */
  id: number;
  /** The name (unique per organization). */
  name: string;
  /** The organization id. */
  organization: number;
  /** `webhook`, `email`, `slack`… */
  notificationType: string;
}

/**
 * The fields of a `webhook` notification template that the client writes (AWX's
 * `notification_configuration`, github:ansible/awx e21dd0a0
 * `awx/main/notifications/webhook_backend.py:18-25`).
 */
export interface AapWebhookNotificationBody {
  /** Name, unique per organization. */
  name: string;
  /** Description. */
  description?: string;
  /** Organization id (required by AWX). */
  organization: number;
  /** The webhook's settings. */
  configuration: {
    /** Where AAP POSTs (or PUTs). */
    url: string;
    /** `POST` (default) or `PUT`. */
    httpMethod?: "POST" | "PUT";
    /** Basic auth user name sent with each notification. */
    username: string;
    /** Basic auth password (AWX stores it encrypted and shows `$encrypted$`). */
    password: string;
    /** Extra headers (AWX stores them in clear: never put a secret here). */
    headers?: Record<string, string>;
    /** Skip TLS verification of the receiver. Default false. */
    disableSslVerification?: boolean;
  };
}
