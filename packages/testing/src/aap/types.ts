/**
 * Public configuration types of the AAP simulator: options, templates and job scripts.
 *
 * @module
 */
import type { AapNotificationOptions } from "./notifications-sender.js";
import type { Clock } from "../clock.js";

/** The terminal statuses a scripted job can end with. */
export type AapOutcome = "successful" | "failed" | "error" | "canceled";

/**
 * What `AapSimulator.finishJob` writes on the job besides its status, as AWX writes them
 * along with a job's final status (`awx/main/tasks/jobs.py`, `BaseTask.run`: the delayed
 * `job_explanation` and `result_traceback` saved with `status`; github:ansible/awx e21dd0a0,
 * lines 616-633 and 650). Each overrides the job script's value for this end.
 */
export interface AapFinishDetails {
  /** `job_explanation`, shown once the job is `failed`, `error` or `canceled`. */
  jobExplanation?: string;
  /** `result_traceback`, shown once the job is `failed` or `error`. */
  resultTraceback?: string;
}

/** The two kinds of unified jobs the simulator creates. */
export type AapJobKind = "job" | "workflow_job";

/** What the simulator knows about one launch when it resolves a script function. */
export interface AapLaunchContext {
  /** Id of the launched template. */
  templateId: number;
  /** Name of the launched template. */
  templateName: string;
  /** Kind of the job being created. */
  kind: AapJobKind;
  /** Id of the job being created. */
  jobId: number;
  /** The extra vars the job holds (template vars merged with the accepted launch vars). */
  extraVars: Record<string, unknown>;
  /** 0-based count of earlier launches of the same template. */
  launchIndex: number;
}

/**
 * How a job plays out. Every field is optional; missing fields come from
 * {@link AapSimulatorOptions.defaultScript} and then from the built-in defaults.
 */
export interface AapJobScript {
  /** The status the job ends with (default `"successful"`). */
  outcome?: AapOutcome;
  /** Time spent `pending` (default 500 ms). */
  pendingMs?: number;
  /** Time spent `waiting`; jobs only, workflow jobs have no waiting (default 500 ms). */
  waitingMs?: number;
  /** Time spent `running` (default 5000 ms). */
  runMs?: number;
  /** The job stays `running` until canceled or ended with `finishJob`. */
  neverFinishes?: boolean;
  /**
   * The job's `artifacts` (as `set_stats` would set them); jobs only. The API shows `{}`
   * until the job is terminal.
   */
  artifacts?: Record<string, unknown> | ((launch: AapLaunchContext) => Record<string, unknown>);
  /** `result_traceback`, shown once the job ended `failed` or `error`. */
  resultTraceback?: string;
  /** `job_explanation`, shown once the job ended `failed`, `error` or `canceled`. */
  jobExplanation?: string;
  /**
   * A `waiting` or `running` job turns terminal this long after the first cancel request
   * (default 1000 ms): for a job, the dispatcher's SIGTERM and the runner's cleanup; for a
   * `running` workflow job, its node jobs' cancels and the workflow manager's next cycle.
   * A `pending` job, and a workflow job still `pending`, is canceled inside the cancel
   * request, unless {@link AapSimulatorOptions.pendingCancel} is `"task-manager"` (then it
   * stays `pending` this long, or until it would have left `pending`, whichever is first).
   */
  cancelDelayMs?: number;
  /**
   * The status a cancel ends in when the job was already `waiting`/`running`: `"canceled"`
   * (default) or `"failed"`, the race where a canceled job reports a shutdown failure.
   * Jobs only: the workflow manager always ends a canceled workflow job `canceled`.
   */
  cancelEndsAs?: "canceled" | "failed";
}

/**
 * One survey question (`survey_spec.spec[]` of AWX; the fields its validation reads,
 * github:ansible/awx e21dd0a0 `awx/main/models/mixins.py:205-296`).
 */
export interface AapSurveyQuestion {
  /** The extra var the answer fills. */
  variable: string;
  /** Answer type. */
  type: "text" | "textarea" | "password" | "integer" | "float" | "multiplechoice" | "multiselect";
  /** Whether an answer is needed. */
  required: boolean;
  /** Default answer (a password default in plain text; AWX stores it encrypted). */
  default?: unknown;
  /** Lower bound (length for text types). */
  min?: number | string | null;
  /** Upper bound (length for text types). */
  max?: number | string | null;
  /** Choices of `multiplechoice`/`multiselect`: a list or newline-separated text. */
  choices?: string[] | string;
  /** The question text. */
  question_name?: string;
}

/** A survey (`survey_spec` of AWX). */
export interface AapSurveySpec {
  /** Survey name. */
  name: string;
  /** Survey description. */
  description: string;
  /** The questions. */
  spec: AapSurveyQuestion[];
}

/** A job template or workflow job template to register with the simulator. */
export interface AapTemplateDefinition {
  /** Template name; unique per organization within its kind. */
  name: string;
  /** Organization name (default `"Default"`). */
  organization?: string;
  /** Template description (default `""`). */
  description?: string;
  /** Whether launch-time `extra_vars` are accepted (default true). */
  askVariablesOnLaunch?: boolean;
  /** Whether a launch-time `limit` is accepted (default false). */
  askLimitOnLaunch?: boolean;
  /** Whether a launch-time `inventory` is accepted (default false; job templates only). */
  askInventoryOnLaunch?: boolean;
  /**
   * Whether jobs of this template may run side by side (default false, as in AWX: a new
   * job stays `pending` until the template's previous jobs are terminal). Job templates
   * only.
   */
  allowSimultaneous?: boolean;
  /** The template's own extra vars. */
  extraVars?: Record<string, unknown>;
  /**
   * `survey_enabled` (default false). With a `surveySpec`, the survey's answers are
   * validated and accepted on launch even when `askVariablesOnLaunch` is false, its valid
   * defaults fill the job's extra vars, and password answers show as `$encrypted$`.
   */
  surveyEnabled?: boolean;
  /** `survey_spec` (default none). */
  surveySpec?: AapSurveySpec;
  /** How the jobs of this template play out, or a function choosing it per launch. */
  script?: AapJobScript | ((launch: AapLaunchContext) => AapJobScript);
}

/**
 * The template kinds besides job and workflow job templates that AWX's
 * `unified_job_templates/` lists (`UnifiedJobTemplateSerializer.get_types`, github:ansible/awx
 * e21dd0a0 `awx/api/serializers.py:711-715`): nothing in the simulator launches them.
 */
export type AapOtherTemplateType =
  "project" | "inventory_source" | "system_job_template" | "workflow_approval_template";

/** A project, inventory source, system job template or approval to list among templates. */
export interface AapOtherTemplateDefinition {
  /** Its `type`. */
  type: AapOtherTemplateType;
  /** Name. */
  name: string;
  /**
   * Organization name (default `"Default"`; system job templates and workflow approval
   * templates have none and ignore it).
   */
  organization?: string;
  /** Description (default `""`). */
  description?: string;
}

/** A bearer token the simulator accepts. */
export interface AapTokenCredential {
  /** The token value. */
  token: string;
  /** `read` tokens are refused (403) on POST and DELETE. */
  scope: "read" | "write";
}

/** A Basic-auth user the simulator accepts. */
export interface AapUserCredential {
  /** User name. */
  username: string;
  /** Password. */
  password: string;
}

/** Options of {@link AapSimulatorOptions.auth}. */
export interface AapAuthOptions {
  /** Accepted bearer tokens (default `[{ token: "sim-token", scope: "write" }]`). */
  tokens?: AapTokenCredential[];
  /** Accepted Basic-auth users (default `[{ username: "admin", password: "password" }]`). */
  users?: AapUserCredential[];
  /** Whether Basic auth is accepted at all (default true, as `AUTH_BASIC_ENABLED`). */
  basicEnabled?: boolean;
}

/** Options of the {@link AapSimulator} constructor. */
export interface AapSimulatorOptions {
  /** The clock every job state is computed from (default the system clock). */
  clock?: Clock;
  /**
   * What `GET /api/` answers: the AAP 2.5+ platform gateway (`"gateway"`, the default) or
   * a directly reached controller (`"controller"`). Both API prefixes are served either way.
   */
  discovery?: "gateway" | "controller";
  /** Accepted credentials. */
  auth?: AapAuthOptions;
  /** A script merged under every template's script and every one-shot script. */
  defaultScript?: AapJobScript;
  /**
   * When a cancel request ends a `pending` job (a workflow job included). `"in-request"`
   * (default), AWX at e21dd0a0 (24.x): a pending job has no `celery_task_id` yet (set on
   * leaving `pending`, `awx/main/scheduler/task_manager.py:512`), so `UnifiedJob.cancel`
   * (`awx/main/models/unified_jobs.py:1483-1521`) writes `status='canceled'` inside the
   * POST. `"task-manager"`, newer AWX (github.com/ansible/awx/pull/16325, merged 2026-03:
   * the task manager cancels cancel-flagged pending tasks with "This job was canceled
   * before it started."): the job stays `pending` after the 202 until the next task
   * manager cycle, modelled as its script's `cancelDelayMs` (how the POST itself changed in
   * that PR is not read here: unverified, and so modelled from the task manager's side).
   */
  pendingCancel?: "in-request" | "task-manager";
  /**
   * uwsgi's `harakiri` in ms, on the simulator's clock (default 115 000, AWX's
   * `tools/ansible/roles/dockerfile/files/uwsgi.ini:13`; the awx-operator sets 120 000;
   * `Infinity` for AWX 24.6.1 and older, which had none). A request held by a `delay`
   * fault for `harakiriMs + harakiriGracefulMs` or longer is killed at that instant: with
   * `ATOMIC_REQUESTS` (`awx/settings/defaults.py:30`) nothing it did is kept (a launch
   * creates no job), and its client, unless nginx already answered 504, gets nginx's 502.
   */
  harakiriMs?: number;
  /**
   * uwsgi's `harakiri-graceful-timeout` in ms (default 110 000, `uwsgi.ini:14`; operator
   * 115 000). At harakiri the worker only gets SIGABRT, which django-ansible-base's
   * `LogTracebackMiddleware` catches and logs, so the request goes on; SIGKILL follows this
   * much later. 0 kills at harakiri.
   */
  harakiriGracefulMs?: number;
  /**
   * nginx's `uwsgi_read_timeout` in ms (default 120 000, AWX's
   * `tools/docker-compose/ansible/roles/sources/templates/nginx.locations.conf.j2:42`;
   * operator 125 000; `Infinity` for none). A request held by a `delay` fault longer than
   * this is answered 504 Gateway Time-out at this instant, and is still carried out when
   * its delay ends (unless the worker is killed first).
   */
  proxyReadTimeoutMs?: number;
  /**
   * The webhook notifications the simulator sends for jobs of templates with notification
   * templates attached (see `notifications-sender.ts`): the dispatcher's latency and the UI
   * base URL of the payload's links.
   */
  notifications?: AapNotificationOptions;
}

/** Options of {@link AapSimulator.scriptNext}. */
export interface AapScriptNextOptions {
  /** Only launches of the template in this organization (default: any organization). */
  organization?: string;
  /** How many launches the script is used for (default 1). */
  times?: number;
}
