/**
 * Decoders of the AAP (AWX) payloads the client reads, built from the combinators in
 * `schema.ts`. Unknown fields are ignored; fields the client does not need are not checked.
 *
 * @module
 */
import {
  DecodeError,
  array,
  boolean,
  describeValue,
  integer,
  isPlainObject,
  map,
  nullable,
  number,
  object,
  optional,
  record,
  string,
  unknownValue,
  type Decoder,
  type FieldPath,
} from "./schema.js";
import type {
  AapJob,
  AapJobKind,
  AapLaunchResult,
  AapNotificationTemplate,
  AapPing,
  AapTemplate,
  AapTemplateKind,
} from "./types.js";

/** The value AWX puts in `artifacts` when the playbook ran `set_stats` under `no_log`. */
export const HIDDEN_ARTIFACTS = "$hidden due to Ansible no_log flag$";

/** Accepts exactly `expected`. */
function literal<T extends string>(expected: T): Decoder<T> {
  return (value, path) => {
    if (value !== expected) {
      const found = typeof value === "string" ? JSON.stringify(value) : describeValue(value);
      throw new DecodeError(path, JSON.stringify(expected), found);
    }
    return expected;
  };
}

/**
 * `elapsed` is a number of seconds; a numeric string is accepted too, in case a deployment
 * serialises Django decimals as strings (unverified; accepting both is the safe choice).
 */
const elapsed: Decoder<number> = (value, path) => {
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return number(value, path);
};

/**
 * `artifacts`: an object, or a string (the no_log marker, {@link HIDDEN_ARTIFACTS}) which
 * becomes undefined. Any string is treated so: AWX puts no other string there.
 */
const artifacts: Decoder<Record<string, unknown> | undefined> = (value, path) => {
  if (value === undefined || value === null || typeof value === "string") return undefined;
  return record(unknownValue)(value, path);
};

/**
 * Parses the JSON string field `extra_vars`. Empty, unparsable or non-object content gives
 * undefined: never an error (the value is informational).
 */
export function parseExtraVars(
  text: string | null | undefined,
): Record<string, unknown> | undefined {
  if (text === null || text === undefined || text.trim() === "") return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const id = nullable(integer);
const text = optional(nullable(string));

const jobFields = object({
  id: integer,
  type: optional(string),
  status: string,
  failed: boolean,
  name: string,
  job_template: optional(id),
  workflow_job_template: optional(id),
  unified_job_template: optional(id),
  created: text,
  started: text,
  finished: text,
  canceled_on: text,
  elapsed: optional(nullable(elapsed)),
  job_explanation: text,
  result_traceback: text,
  extra_vars: text,
  artifacts: optional(unknownValue),
});

/** Decodes a job (`kind` `job`) or workflow job (`workflow_job`) detail or list item. */
export function jobDecoder(kind: AapJobKind): Decoder<AapJob> {
  return (value: unknown, path: FieldPath): AapJob => {
    const raw = jobFields(value, path);
    if (raw.type !== undefined) literal(kind)(raw.type, [...path, "type"]);
    const templateId =
      (kind === "job" ? raw.job_template : raw.workflow_job_template) ?? raw.unified_job_template;
    const job: AapJob = {
      id: raw.id,
      kind,
      status: raw.status,
      failed: raw.failed,
      name: raw.name,
      started: raw.started ?? null,
      finished: raw.finished ?? null,
      jobExplanation: raw.job_explanation ?? "",
      resultTraceback: raw.result_traceback ?? "",
    };
    if (templateId !== undefined && templateId !== null) job.templateId = templateId;
    if (raw.created !== undefined && raw.created !== null) job.created = raw.created;
    if (raw.canceled_on !== undefined && raw.canceled_on !== null) job.canceledOn = raw.canceled_on;
    if (raw.elapsed !== undefined && raw.elapsed !== null) job.elapsed = raw.elapsed;
    const extraVars = parseExtraVars(raw.extra_vars);
    if (extraVars !== undefined) job.extraVars = extraVars;
    if (kind === "job") {
      const data = artifacts(raw.artifacts, [...path, "artifacts"]);
      if (data !== undefined) job.artifacts = data;
    }
    return job;
  };
}

/** Accepts integers from 1: AWX's ids are database primary keys, which start at 1. */
const positiveId: Decoder<number> = (value, path) => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    const found = typeof value === "number" ? String(value) : describeValue(value);
    throw new DecodeError(path, "a positive integer", found);
  }
  return value;
};

/**
 * Decodes the 201 body of a launch: the job plus `ignored_fields`. The job's `id` must be a
 * positive integer: a 201 whose id is `0`, negative, fractional, a string, null or missing
 * names no job that can be polled, so it fails like any unreadable 201 (an
 * `InvalidResponseError` with `outcomeUnknown: true`: AAP said it created a job, so the
 * engine looks it up by correlation id instead of launching again).
 */
export function launchDecoder(kind: AapJobKind): Decoder<AapLaunchResult> {
  const job = jobDecoder(kind);
  const launched = object({ id: positiveId });
  const ignored = object({ ignored_fields: optional(nullable(record(unknownValue))) });
  return (value, path) => {
    launched(value, path);
    return {
      job: job(value, path),
      ignoredFields: ignored(value, path).ignored_fields ?? {},
    };
  };
}

/** Decodes `ping/`. */
export const pingDecoder: Decoder<AapPing> = map(
  object({ version: string, ha: boolean, active_node: optional(nullable(string)) }),
  (raw): AapPing => {
    const ping: AapPing = { version: raw.version, ha: raw.ha };
    if (typeof raw.active_node === "string") ping.activeNode = raw.active_node;
    return ping;
  },
);

/** One page of a list: the raw items and the relative link to the next page. */
export interface RawPage {
  /** The items, not yet decoded. */
  results: unknown[];
  /** The next page (a relative path with query), or null on the last page. */
  next: string | null;
}

/** Decodes the envelope of a paginated list. */
export const pageDecoder: Decoder<RawPage> = map(
  object({ results: array(unknownValue), next: optional(nullable(string)) }),
  (raw) => ({ results: raw.results, next: raw.next ?? null }),
);

const templateKind = object({ type: optional(nullable(string)) });

const templateFields = object({
  id: integer,
  name: string,
  summary_fields: optional(
    nullable(object({ organization: optional(nullable(object({ name: text }))) })),
  ),
  ask_variables_on_launch: optional(nullable(boolean)),
  organization: optional(nullable(unknownValue)),
});

/**
 * Decodes a `unified_job_templates/` item when it is a job template or a workflow job
 * template; other kinds (projects, inventory sources, system jobs) give undefined.
 * A missing `ask_variables_on_launch` is read as false (unverified whether every AAP
 * version includes it in the unified list; false makes callers send no extra_vars that
 * would be dropped or rejected).
 */
export const templateDecoder: Decoder<AapTemplate | undefined> = (value, path) => {
  const { type } = templateKind(value, path);
  if (type !== "job_template" && type !== "workflow_job_template") return undefined;
  const raw = templateFields(value, path);
  const template: AapTemplate = {
    kind: type satisfies AapTemplateKind,
    id: raw.id,
    name: raw.name,
    askVariablesOnLaunch: raw.ask_variables_on_launch === true,
  };
  const organization = raw.summary_fields?.organization?.name;
  if (typeof organization === "string") template.organization = organization;
  const organizationId = raw.organization;
  if (typeof organizationId === "number" && Number.isSafeInteger(organizationId)) {
    template.organizationId = organizationId;
  }
  return template;
};

/** Decodes a `notification_templates/` item. */
export const notificationTemplateDecoder: Decoder<AapNotificationTemplate> = map(
  object({ id: integer, name: string, organization: integer, notification_type: string }),
  (raw) => ({
    id: raw.id,
    name: raw.name,
    organization: raw.organization,
    notificationType: raw.notification_type,
  }),
);

/** The API root (`/api/`) of a controller or a platform gateway. */
export interface ApiRoot {
  /** The versioned path (legacy controller), e.g. `/api/v2/`. */
  currentVersion: string | undefined;
  /** The gateway's controller root, e.g. `/api/controller/`, when behind a gateway. */
  controller: string | undefined;
  /** Whether the root lists services (`apis`): a gateway. */
  gateway: boolean;
}

/** Decodes `GET /api/` (or a service root such as `/api/controller/`). */
export const apiRootDecoder: Decoder<ApiRoot> = map(
  object({
    current_version: optional(nullable(string)),
    apis: optional(nullable(object({ controller: optional(nullable(string)) }))),
  }),
  (raw) => ({
    currentVersion: raw.current_version ?? undefined,
    controller: raw.apis?.controller ?? undefined,
    gateway: raw.apis !== undefined && raw.apis !== null,
  }),
);

/** Decodes a service root that must name its versioned path (`current_version`). */
export const versionRootDecoder: Decoder<string> = map(
  object({ current_version: string }),
  (raw) => raw.current_version,
);
