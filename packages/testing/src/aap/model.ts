/**
 * Internal records of the AAP simulator's state.
 *
 * @module
 */
import type {
  AapJobKind,
  AapJobScript,
  AapLaunchContext,
  AapOtherTemplateType,
  AapOutcome,
} from "./types.js";

import type { SurveySettings } from "./survey.js";

/** The two template kinds, as their API `type`. */
export type TemplateKind = "job_template" | "workflow_job_template";

/** A registered template. */
export interface TemplateRecord {
  /** Id, shared between both kinds. */
  readonly id: number;
  /** Kind. */
  readonly kind: TemplateKind;
  /** Name. */
  readonly name: string;
  /** Organization name. */
  readonly organization: string;
  /** Organization id. */
  readonly organizationId: number;
  /** Description. */
  readonly description: string;
  /** `ask_variables_on_launch`. */
  readonly askVariables: boolean;
  /** `ask_limit_on_launch`. */
  readonly askLimit: boolean;
  /** `ask_inventory_on_launch` (always false for workflow templates). */
  readonly askInventory: boolean;
  /** `allow_simultaneous` (always true for workflow templates: they are never blocked). */
  readonly allowSimultaneous: boolean;
  /** The template's own extra vars. */
  readonly extraVars: Record<string, unknown>;
  /** `survey_enabled` and `survey_spec`. */
  readonly survey: SurveySettings;
  /** The template's inventory id (null for workflow templates). */
  readonly inventory: number | null;
  /** The template's script. */
  readonly script: AapJobScript | ((launch: AapLaunchContext) => AapJobScript) | undefined;
  /** Registration time. */
  readonly createdAt: number;
  /** How many jobs were launched from it so far. */
  launches: number;
}

/** A project, inventory source, system job template or approval template. */
export interface OtherTemplateRecord {
  /** Id, in the one id space of unified job templates. */
  readonly id: number;
  /** Its API `type`. */
  readonly type: AapOtherTemplateType;
  /** Name. */
  readonly name: string;
  /** Organization name and id, if it has one. */
  readonly organization: { readonly name: string; readonly id: number } | undefined;
  /** Description. */
  readonly description: string;
  /** Registration time. */
  readonly createdAt: number;
}

/** A job script with every default applied and functions resolved. */
export interface ResolvedScript {
  /** Natural outcome. */
  readonly outcome: AapOutcome;
  /** Pending phase length. */
  readonly pendingMs: number;
  /** Waiting phase length (0 for workflow jobs). */
  readonly waitingMs: number;
  /** Running phase length. */
  readonly runMs: number;
  /** Whether the job never ends by itself. */
  readonly neverFinishes: boolean;
  /** Artifacts shown once terminal. */
  readonly artifacts: Record<string, unknown>;
  /** Traceback shown once failed/error. */
  readonly resultTraceback: string | undefined;
  /** Explanation shown once failed/error/canceled. */
  readonly jobExplanation: string | undefined;
  /** Delay between a cancel request and its effect on a started job. */
  readonly cancelDelayMs: number;
  /** How a delayed cancel ends. */
  readonly cancelEndsAs: "canceled" | "failed";
}

/** A scheduled end of a job that overrides its natural one. */
export interface EndOverride {
  /** When. */
  readonly at: number;
  /** With which status. */
  readonly outcome: AapOutcome;
  /** Why: `cancel` (a cancel request) or `forced` (`finishJob`). */
  readonly cause: "cancel" | "forced";
  /** The `job_explanation` the end writes, if it writes one. */
  readonly explanation?: string;
  /** The `result_traceback` the end writes, if it writes one (a `finishJob` detail). */
  readonly traceback?: string;
  /** The end comes instead of leaving `pending`: the job never starts. */
  readonly beforeStart?: boolean;
}

/** A created job. */
export interface JobRecord {
  /** Id, one sequence for both kinds. */
  readonly id: number;
  /** Kind. */
  readonly kind: AapJobKind;
  /** The launched template. */
  readonly template: TemplateRecord;
  /** Creation time. */
  readonly createdAt: number;
  /** Extra vars the job holds (password answers in plain text). */
  readonly extraVars: Record<string, unknown>;
  /** `survey_passwords`: the password answers the API shows as `$encrypted$`. */
  readonly surveyPasswords: Record<string, string>;
  /** `ignored_fields` of the launch. */
  readonly ignoredFields: Record<string, unknown>;
  /** `limit`. */
  readonly limit: string | null;
  /** `inventory`. */
  readonly inventory: number | null;
  /** How it plays out. */
  readonly script: ResolvedScript;
  /** First cancel request time. */
  cancelRequestedAt?: number;
  /** End scheduled by the first cancel request. */
  cancelEnd?: EndOverride;
  /** End forced by `finishJob`. */
  forcedEnd?: EndOverride;
  /** Purge time. */
  purgedAt?: number;
}
