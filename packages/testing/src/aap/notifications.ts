/**
 * Notification templates of the AAP simulator: the REST endpoints (CRUD, test, the
 * association sublists of job and workflow job templates) and the firing of `webhook`
 * notifications when jobs start and end, as AWX 24.x does them.
 *
 * Sources, github:ansible/awx e21dd0a0933fd544d1fe2513c54fe41203775eb5:
 * - model and fields: `awx/main/models/notifications.py:42-195` (`organization`,
 *   `notification_type`, `notification_configuration`, `messages`; unique per
 *   (organization, name); `password` fields stored encrypted and shown as `$encrypted$`,
 *   `display_notification_configuration`).
 * - webhook fields and defaults: `awx/main/notifications/webhook_backend.py:18-25` (`url`,
 *   `http_method` POST, `disable_ssl_verification` false, `username` "", `password` "",
 *   `headers`, which has no default and so is required); validation in
 *   `awx/api/serializers.py:5262-5320` (missing fields, wrong types, method POST or PUT).
 * - endpoints: `awx/api/urls/notification_template.py`, `awx/api/urls/job_template.py:37-50`,
 *   `awx/api/urls/workflow_job_template.py:36-54`; association by
 *   `SubListCreateAttachDetachAPIView` (`awx/api/generics.py:667-785`): POST `{"id": N}`
 *   attaches (204, idempotent), `{"id": N, "disassociate": true}` detaches (204), an
 *   unknown id is a 400 (`get_object_or_400`, `awx/main/utils/common.py:97-110`).
 * - delete refused with 405 while notifications are pending
 *   (`awx/api/views/__init__.py:4239-4251`); test sends `{"body": "Test Notification <id>
 *   <TOWER_URL_BASE>"}` and answers 202 (`__init__.py:4254-4280`).
 *
 * Not simulated: organization-level associations (`organizations/N/notification_templates_*`,
 * which AWX also applies to every job template of the organization, `models/jobs.py:526-549`),
 * other notification types' delivery (they are stored, never sent), custom `messages`
 * rendering (Jinja; the default webhook body `{{ job_metadata }}` is always sent), RBAC.
 *
 * @module
 */
import { parseJsonBody } from "./launch-body.js";
import { paginate } from "./pagination.js";
import { ApiError, type SimResponse } from "./response.js";
import type { ApiBase } from "./router.js";
import type { HandlerRequest, SimState } from "./state.js";
import { isoTime } from "./time.js";
import type { TemplateKind } from "./model.js";

/** The events a job template's notification templates are attached for. */
export type AapNotificationEvent = "started" | "success" | "error" | "approvals";

/** The notification types AWX knows (`models/notifications.py:43-54`). */
const NOTIFICATION_TYPES = [
  "awssns",
  "email",
  "slack",
  "twilio",
  "pagerduty",
  "grafana",
  "webhook",
  "mattermost",
  "rocketchat",
  "irc",
] as const;

/** A stored notification template. */
export interface NotificationTemplateRecord {
  readonly id: number;
  name: string;
  description: string;
  readonly organization: number;
  readonly notificationType: string;
  /** As stored; passwords in clear here (AWX encrypts them at rest). */
  configuration: Record<string, unknown>;
  messages: Record<string, unknown> | null;
  readonly createdAt: number;
  modifiedAt: number;
}

/** One notification AWX recorded (`models/notifications.py:198-246`). */
export interface AapNotificationRecord {
  /** Id. */
  readonly id: number;
  /** The notification template's id. */
  readonly notificationTemplate: number;
  /** The job it is about (undefined for a test). */
  readonly jobId: number | undefined;
  /** `started`, `success`, `error` or `test`. */
  readonly event: "started" | "success" | "error" | "test";
  /** `pending`, then `successful` or `failed`. */
  status: "pending" | "successful" | "failed";
  /** Why it failed (AWX's message), or "". */
  error: string;
  /** The body sent (the job's `job_metadata`). */
  readonly body: Record<string, unknown>;
  /** Creation instant on the simulator's clock. */
  readonly createdAt: number;
  /** The HTTP status the receiver answered with each delivery (duplicates included). */
  readonly answers: number[];
  /** The fault applied to it, if any. */
  fault?: string;
}

/** The route of a notification request under an API base. */
export type NotificationTarget =
  | { kind: "list" }
  | { kind: "detail"; id: number }
  | { kind: "test"; id: number }
  | {
      kind: "sublist";
      templateKind: TemplateKind;
      templateId: number;
      event: AapNotificationEvent;
    };

const SUBLISTS: Record<string, AapNotificationEvent> = {
  notification_templates_started: "started",
  notification_templates_success: "success",
  notification_templates_error: "error",
  notification_templates_approvals: "approvals",
};

/**
 * Matches the notification paths below an API base (segments without the trailing empty
 * one): `notification_templates/`, `notification_templates/N/`, `…/N/test/`, and
 * `job_templates/N/notification_templates_{started,success,error}/`,
 * `workflow_job_templates/N/notification_templates_{started,success,error,approvals}/`.
 */
export function matchNotificationPath(segments: readonly string[]): NotificationTarget | undefined {
  const [collection, item, sub, ...extra] = segments;
  if (extra.length > 0) return undefined;
  if (collection === "notification_templates") {
    if (item === undefined) return { kind: "list" };
    if (!/^[0-9]+$/.test(item)) return undefined;
    if (sub === undefined) return { kind: "detail", id: Number(item) };
    return sub === "test" ? { kind: "test", id: Number(item) } : undefined;
  }
  const templateKind: TemplateKind | undefined =
    collection === "job_templates"
      ? "job_template"
      : collection === "workflow_job_templates"
        ? "workflow_job_template"
        : undefined;
  if (!templateKind || item === undefined || sub === undefined || !/^[0-9]+$/.test(item)) {
    return undefined;
  }
  const event = SUBLISTS[sub];
  if (event === undefined || (event === "approvals" && templateKind === "job_template")) {
    return undefined;
  }
  return { kind: "sublist", templateKind, templateId: Number(item), event };
}

/** The methods each notification route allows. */
export function notificationMethods(target: NotificationTarget): string[] {
  switch (target.kind) {
    case "list":
    case "sublist":
      return ["GET", "POST"];
    case "detail":
      return ["GET", "PUT", "PATCH", "DELETE"];
    case "test":
      return ["POST"];
  }
}

/** What the firing side needs from the store. */
export interface NotificationSink {
  /** Sends a test notification of a template (fire and forget). */
  test(template: NotificationTemplateRecord, body: Record<string, unknown>): void;
  /** Whether a template has notifications still pending (delete refused). */
  hasPending(templateId: number): boolean;
}

/** Notification templates and their associations. */
export class NotificationStore {
  readonly #templates = new Map<number, NotificationTemplateRecord>();
  /** `${templateId}:${event}` → notification template ids, in attach order. */
  readonly #attached = new Map<string, number[]>();
  #nextId = 1;
  #sink: NotificationSink | undefined;

  /** Connects the firing side (set once by the simulator). */
  connect(sink: NotificationSink): void {
    this.#sink = sink;
  }

  /** A notification template by id. */
  get(id: number): NotificationTemplateRecord | undefined {
    return this.#templates.get(id);
  }

  /** Whether any notification template is attached anywhere (fast path for the sweeps). */
  get anyAttached(): boolean {
    for (const ids of this.#attached.values()) if (ids.length > 0) return true;
    return false;
  }

  /** The notification templates attached to a template for an event. */
  attached(templateId: number, event: AapNotificationEvent): NotificationTemplateRecord[] {
    return (this.#attached.get(`${templateId}:${event}`) ?? [])
      .map((id) => this.#templates.get(id))
      .filter((t): t is NotificationTemplateRecord => t !== undefined);
  }

  /** Handles a request to a notification route. */
  handle(
    state: SimState,
    base: ApiBase,
    target: NotificationTarget,
    request: HandlerRequest,
  ): SimResponse {
    switch (target.kind) {
      case "list":
        return request.method === "POST"
          ? this.#create(state, base, request)
          : this.#list(state, base, request, [...this.#templates.values()]);
      case "detail":
        return this.#detail(state, base, target.id, request);
      case "test":
        return this.#test(base, target.id);
      case "sublist":
        return this.#sublist(state, base, target, request);
    }
  }

  #list(
    state: SimState,
    base: ApiBase,
    request: HandlerRequest,
    items: NotificationTemplateRecord[],
  ): SimResponse {
    const query = request.query;
    const filtered = items
      .filter((t) => {
        for (const [key, value] of query) {
          if (key === "name" && t.name !== value) return false;
          if (key === "id" && String(t.id) !== value) return false;
          if (key === "organization" && String(t.organization) !== value) return false;
          if (key === "notification_type" && t.notificationType !== value) return false;
        }
        return true;
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
    const serialized = filtered.map((t) => this.#serialize(state, base, t));
    return { status: 200, body: paginate(serialized, request.path, query) };
  }

  #create(state: SimState, base: ApiBase, request: HandlerRequest): SimResponse {
    const data = parseJsonBody(request.contentType, request.body);
    const errors: Record<string, string[]> = {};
    const name = data["name"];
    if (typeof name !== "string" || name.trim() === "")
      errors["name"] = ["This field is required."];
    const organization = data["organization"];
    if (organization === undefined || organization === null) {
      errors["organization"] = ["This field is required."];
    } else if (organizationName(state, organization) === undefined) {
      errors["organization"] = [
        `Invalid pk "${JSON.stringify(organization)}" - object does not exist.`,
      ];
    }
    const type = data["notification_type"];
    if (typeof type !== "string" || !(NOTIFICATION_TYPES as readonly string[]).includes(type)) {
      errors["notification_type"] = [
        type === undefined
          ? "This field is required."
          : `${JSON.stringify(type)} is not a valid choice.`,
      ];
    }
    if (Object.keys(errors).length > 0) throw new ApiError(400, errors);
    const orgId = organization as number;
    const duplicate = [...this.#templates.values()].some(
      (t) => t.organization === orgId && t.name === name,
    );
    if (duplicate) {
      throw new ApiError(400, {
        __all__: ["Notification template with this Organization and Name already exists."],
      });
    }
    const configuration = checkConfiguration(
      type as string,
      data["notification_configuration"],
      {},
    );
    const record: NotificationTemplateRecord = {
      id: this.#nextId++,
      name: name as string,
      description: typeof data["description"] === "string" ? data["description"] : "",
      organization: orgId,
      notificationType: type as string,
      configuration,
      messages: isRecord(data["messages"])
        ? data["messages"]
        : { started: null, success: null, error: null, workflow_approval: null },
      createdAt: request.now,
      modifiedAt: request.now,
    };
    this.#templates.set(record.id, record);
    return { status: 201, body: this.#serialize(state, base, record) };
  }

  #detail(state: SimState, base: ApiBase, id: number, request: HandlerRequest): SimResponse {
    const record = this.#templates.get(id);
    if (!record)
      throw new ApiError(404, { detail: "No NotificationTemplate matches the given query." });
    if (request.method === "GET")
      return { status: 200, body: this.#serialize(state, base, record) };
    if (request.method === "DELETE") {
      if (this.#sink?.hasPending(id)) {
        throw new ApiError(405, {
          error: "Delete not allowed while there are pending notifications",
        });
      }
      this.#templates.delete(id);
      for (const ids of this.#attached.values()) {
        const index = ids.indexOf(id);
        if (index >= 0) ids.splice(index, 1);
      }
      return { status: 204 };
    }
    const data = parseJsonBody(request.contentType, request.body);
    if (request.method === "PUT" && typeof data["name"] !== "string") {
      throw new ApiError(400, { name: ["This field is required."] });
    }
    if (typeof data["name"] === "string") record.name = data["name"];
    if (typeof data["description"] === "string") record.description = data["description"];
    if ("notification_configuration" in data) {
      record.configuration = checkConfiguration(
        record.notificationType,
        data["notification_configuration"],
        record.configuration,
      );
    }
    if (isRecord(data["messages"])) record.messages = data["messages"];
    record.modifiedAt = request.now;
    return { status: 200, body: this.#serialize(state, base, record) };
  }

  #test(base: ApiBase, id: number): SimResponse {
    const record = this.#templates.get(id);
    if (!record)
      throw new ApiError(404, { detail: "No NotificationTemplate matches the given query." });
    this.#sink?.test(record, { body: `Test Notification ${id} https://aap.simulator` });
    return {
      status: 202,
      body: { notification: id },
      headers: { Location: `${base}notifications/` },
    };
  }

  #sublist(
    state: SimState,
    base: ApiBase,
    target: Extract<NotificationTarget, { kind: "sublist" }>,
    request: HandlerRequest,
  ): SimResponse {
    const parent = state.templates
      .list(undefined)
      .find((t) => t.id === target.templateId && t.kind === target.templateKind);
    const model = target.templateKind === "job_template" ? "JobTemplate" : "WorkflowJobTemplate";
    if (!parent) throw new ApiError(404, { detail: `No ${model} matches the given query.` });
    const key = `${parent.id}:${target.event}`;
    if (request.method === "GET") {
      return this.#list(state, base, request, this.attached(parent.id, target.event));
    }
    const data = parseJsonBody(request.contentType, request.body);
    const id = data["id"];
    if (id !== undefined && id !== null && !Number.isInteger(id)) {
      throw new ApiError(400, { msg: '"id" field must be an integer.' });
    }
    if ("disassociate" in data) {
      if (!id) throw new ApiError(400, { msg: '"id" is required to disassociate' });
      if (!this.#templates.has(id as number)) {
        throw new ApiError(400, { detail: "NotificationTemplate matching query does not exist." });
      }
      const ids = this.#attached.get(key) ?? [];
      const index = ids.indexOf(id as number);
      if (index >= 0) ids.splice(index, 1);
      return { status: 204 };
    }
    if (!id) {
      // Creating the sub-object through the sublist: not simulated.
      throw new ApiError(400, {
        detail:
          "simulator: POST the notification template to notification_templates/ first, then attach it by id",
      });
    }
    if (!this.#templates.has(id as number)) {
      throw new ApiError(400, { detail: "NotificationTemplate matching query does not exist." });
    }
    const ids = this.#attached.get(key) ?? [];
    if (!ids.includes(id as number)) ids.push(id as number);
    this.#attached.set(key, ids);
    return { status: 204 };
  }

  #serialize(
    state: SimState,
    base: ApiBase,
    t: NotificationTemplateRecord,
  ): Record<string, unknown> {
    const url = `${base}notification_templates/${t.id}/`;
    return {
      id: t.id,
      type: "notification_template",
      url,
      related: {
        test: `${url}test/`,
        notifications: `${url}notifications/`,
        copy: `${url}copy/`,
        organization: `${base}organizations/${t.organization}/`,
      },
      summary_fields: {
        organization: { id: t.organization, name: organizationName(state, t.organization) ?? "" },
      },
      created: isoTime(t.createdAt),
      modified: isoTime(t.modifiedAt),
      name: t.name,
      description: t.description,
      organization: t.organization,
      notification_type: t.notificationType,
      notification_configuration: displayConfiguration(t),
      messages: t.messages,
    };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The name of the organization with this id, among those the templates use. */
function organizationName(state: SimState, id: unknown): string | undefined {
  if (typeof id !== "number") return undefined;
  return state.templates.list(undefined).find((t) => t.organizationId === id)?.organization;
}

/** Webhook parameters: type and default (`webhook_backend.py:18-25`). */
const WEBHOOK_PARAMETERS: Record<
  string,
  { type: "string" | "bool" | "object" | "password"; default?: unknown }
> = {
  url: { type: "string" },
  http_method: { type: "string", default: "POST" },
  disable_ssl_verification: { type: "bool", default: false },
  username: { type: "string", default: "" },
  password: { type: "password", default: "" },
  headers: { type: "object" },
};

/**
 * Validates a `notification_configuration` as AWX's serializer does for webhooks
 * (`serializers.py:5280-5320`); other types are stored as given. A password of
 * `$encrypted$` keeps the stored one.
 */
function checkConfiguration(
  type: string,
  value: unknown,
  previous: Record<string, unknown>,
): Record<string, unknown> {
  if (type !== "webhook") return isRecord(value) ? { ...value } : {};
  if (!isRecord(value)) {
    throw new ApiError(400, { notification_configuration: ["Expected a dictionary of items."] });
  }
  const config: Record<string, unknown> = { ...value };
  const errors: string[] = [];
  const missing: string[] = [];
  for (const [field, spec] of Object.entries(WEBHOOK_PARAMETERS)) {
    if (!(field in config)) {
      if ("default" in spec) config[field] = spec.default;
      else {
        missing.push(field);
        continue;
      }
    }
    const v = config[field];
    const ok =
      spec.type === "bool"
        ? typeof v === "boolean"
        : spec.type === "object"
          ? isRecord(v)
          : typeof v === "string";
    if (!ok) {
      errors.push(`Configuration field '${field}' incorrect type, expected ${spec.type}.`);
      continue;
    }
    if (spec.type === "password" && v === "$encrypted$") config[field] = previous[field] ?? "";
    if (field === "http_method" && !["put", "post"].includes(String(v).toLowerCase())) {
      errors.push("HTTP method must be either 'POST' or 'PUT'.");
    }
  }
  if (missing.length > 0) {
    errors.unshift(
      `Missing required fields for Notification Configuration: [${missing.map((m) => `'${m}'`).join(", ")}].`,
    );
  }
  if (errors.length > 0) throw new ApiError(400, errors);
  return config;
}

/** The configuration as the API shows it: a set password as `$encrypted$`. */
function displayConfiguration(t: NotificationTemplateRecord): Record<string, unknown> {
  const shown = { ...t.configuration };
  if (
    t.notificationType === "webhook" &&
    typeof shown["password"] === "string" &&
    shown["password"] !== ""
  ) {
    shown["password"] = "$encrypted$";
  }
  return shown;
}
