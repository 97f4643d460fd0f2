/**
 * The AAP Controller (AWX) REST client.
 *
 * @module
 */
import { ConfigurationError, JobNotFoundError } from "@provisionkit/core";
import { HttpTransport } from "@provisionkit/core/http";
import {
  jobDecoder,
  launchDecoder,
  notificationTemplateDecoder,
  pageDecoder,
  pingDecoder,
  templateDecoder,
} from "./decoders.js";
import { Credentials } from "./credentials.js";
import { ApiPathResolver } from "./discovery.js";
import type { ErrorDetails } from "./errors.js";
import {
  resolveOptions,
  type AapClientOptions,
  type RequestOptions,
  type ResolvedOptions,
} from "./options.js";
import { Requester } from "./requester.js";
import { DecodeError, type Decoder, type FieldPath } from "./schema.js";
import { Redactor } from "./secrets.js";
import type {
  AapCancelResult,
  AapJob,
  AapJobKind,
  AapJobList,
  AapJobRef,
  AapLaunchBody,
  AapLaunchResult,
  AapNotificationEvent,
  AapNotificationTemplate,
  AapPing,
  AapTemplate,
  AapTemplateKind,
  AapTemplateRef,
  AapWebhookNotificationBody,
} from "./types.js";

/** Options of {@link AapClient.listJobs}. */
export interface ListJobsOptions extends RequestOptions {
  /** `page_size` sent to AAP (1–200; AAP caps larger values). Default: AAP's own (25). */
  pageSize?: number;
  /** Pages read at most; `complete` is false when more were left. Default 10. */
  maxPages?: number;
}

/** Largest response body read, in bytes (job lists can be long). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Default of {@link ListJobsOptions.maxPages}. */
export const DEFAULT_MAX_PAGES = 10;

const JOB_KINDS: ReadonlySet<string> = new Set<AapJobKind>(["job", "workflow_job"]);
const TEMPLATE_KINDS: ReadonlySet<string> = new Set<AapTemplateKind>([
  "job_template",
  "workflow_job_template",
]);
const JOB_OF_TEMPLATE: Readonly<Record<AapTemplateKind, AapJobKind>> = {
  job_template: "job",
  workflow_job_template: "workflow_job",
};

function badArgument(argument: string, problem: string): never {
  throw new ConfigurationError(`AAP client: ${argument} ${problem}`, { details: { argument } });
}

function checkId(id: unknown, argument: string): number {
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
    badArgument(argument, "must be a positive integer");
  }
  return id;
}

function checkJobRef(ref: AapJobRef): AapJobRef {
  if (typeof ref !== "object" || ref === null || !JOB_KINDS.has(ref.kind)) {
    badArgument("ref.kind", 'must be "job" or "workflow_job"');
  }
  return { kind: ref.kind, id: checkId(ref.id, "ref.id") };
}

function checkTemplateRef(ref: AapTemplateRef): AapTemplateRef {
  if (typeof ref !== "object" || ref === null || !TEMPLATE_KINDS.has(ref.kind)) {
    badArgument("template.kind", 'must be "job_template" or "workflow_job_template"');
  }
  return { kind: ref.kind, id: checkId(ref.id, "template.id") };
}

function checkEvent(event: AapNotificationEvent): AapNotificationEvent {
  if (event !== "started" && event !== "success" && event !== "error") {
    badArgument("event", 'must be "started", "success" or "error"');
  }
  return event;
}

function launchPayload(body: AapLaunchBody): AapLaunchBody {
  if (typeof body !== "object" || body === null) badArgument("body", "must be an object");
  const payload: AapLaunchBody = {};
  const { extra_vars: extraVars, limit, inventory } = body;
  if (extraVars !== undefined) {
    if (typeof extraVars !== "object" || extraVars === null || Array.isArray(extraVars)) {
      badArgument("body.extra_vars", "must be an object");
    }
    payload.extra_vars = extraVars;
  }
  if (limit !== undefined) {
    if (typeof limit !== "string") badArgument("body.limit", "must be a string");
    payload.limit = limit;
  }
  if (inventory !== undefined) payload.inventory = checkId(inventory, "body.inventory");
  return payload;
}

/** `jobs/` or `workflow_jobs/` (always with the trailing slash AAP needs). */
function collection(kind: AapJobKind | AapTemplateKind): string {
  return `${kind}s/`;
}

/**
 * A client of the AAP Controller (AWX) REST API: template lookup, launch, job reads,
 * cancel and job listing. Reads and cancels are retried on rate limits, 5xx, resets and
 * time-outs; launches never are. Every failure is a typed error of `@provisionkit/core`
 * whose message and details never contain credentials.
 *
 * Credentials may come from a Kubernetes Secret (`{ secretRef }` with the `secrets`
 * option): they are read through the `SecretSource` for each request, and read again once
 * after a 401 (the Secret may have been rotated), repeating the request once when the value
 * changed. Errors of the `SecretSource` are thrown as they are and not retried.
 */
export class AapClient {
  readonly #options: ResolvedOptions;
  readonly #requester: Requester;
  readonly #apiPath: ApiPathResolver;
  readonly #redactor: Redactor;
  readonly #transport: HttpTransport;

  /**
   * Validates `options` synchronously (no request is made).
   *
   * @throws ConfigurationError naming the bad option (never echoing secrets).
   */
  constructor(options: AapClientOptions) {
    this.#options = resolveOptions(options);
    this.#redactor = new Redactor(this.#options.auth);
    this.#transport = new HttpTransport({
      timeoutMs: this.#options.timeoutMs,
      tls: this.#options.tls,
      redactor: this.#redactor,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      maxRequestBytes: MAX_RESPONSE_BYTES,
      keepAlive: this.#options.keepAlive,
      idleTimeoutMs: this.#options.idleTimeoutMs,
      ...(this.#options.agent === undefined ? {} : { agent: this.#options.agent }),
    });
    this.#requester = new Requester(
      this.#options,
      this.#transport,
      this.#redactor,
      new Credentials(this.#options.auth, this.#options.secrets, this.#redactor),
    );
    this.#apiPath = new ApiPathResolver(this.#options, this.#requester);
    if (this.#options.tls.insecure) {
      this.#options.logger.warn(
        { origin: this.#options.origin },
        "AAP TLS certificate verification is disabled (tls.insecureSkipTLSVerify): connections can be intercepted",
      );
    }
  }

  /**
   * Closes the client's idle pooled connections at once, and the others when their request
   * ends; later calls still work, each on a connection of its own. An `agent` passed in the
   * options is left open. Idempotent.
   */
  close(): void {
    this.#transport.close();
  }

  /**
   * The versioned API path, e.g. `/api/controller/v2/`: the one in the URL, or discovered
   * once and cached. Concurrent callers share one discovery; a failed one is retried on the
   * next call.
   */
  apiPath(options: RequestOptions = {}): Promise<string> {
    return this.#apiPath.resolve(options.signal);
  }

  /** Reads `ping/` (version, HA mode, answering node). */
  async ping(options: RequestOptions = {}): Promise<AapPing> {
    const api = await this.apiPath(options);
    return this.#requester.run(
      { operation: "ping", method: "GET", target: `${api}ping/`, decode: pingDecoder },
      options.signal,
    );
  }

  /**
   * Finds a job template or workflow job template by exact name (and organization, when
   * given) through `unified_job_templates/`. Returns undefined when there is none.
   *
   * @throws ConfigurationError when several templates match (names are unique per
   *   organization only, and a job template and a workflow may share a name).
   */
  async findTemplate(
    name: string,
    organization: string | undefined,
    options: RequestOptions = {},
  ): Promise<AapTemplate | undefined> {
    if (typeof name !== "string" || name === "") badArgument("name", "must be a non-empty string");
    if (organization !== undefined && (typeof organization !== "string" || organization === "")) {
      badArgument("organization", "must be a non-empty string when given");
    }
    const api = await this.apiPath(options);
    // Whether unified_job_templates/ honours a type filter is unverified: filter locally.
    const query = new URLSearchParams({ name });
    if (organization !== undefined) query.set("organization__name", organization);
    const found: AapTemplate[] = [];
    await this.#walk(
      "findTemplate",
      `${api}unified_job_templates/?${query.toString()}`,
      templateDecoder,
      DEFAULT_MAX_PAGES,
      (template) => {
        // Filter again locally: exact name and organization.
        if (template === undefined || template.name !== name) return;
        if (organization !== undefined && template.organization !== organization) return;
        found.push(template);
      },
      options.signal,
    );
    if (found.length <= 1) return found[0];
    const where = found
      .map(
        (t) => `${t.kind} ${t.id}${t.organization === undefined ? "" : ` in "${t.organization}"`}`,
      )
      .join(", ");
    const advice =
      organization === undefined
        ? "set the organization to choose one"
        : "rename one of them: a job template and a workflow job template share this name";
    throw new ConfigurationError(
      this.#redactor.scrub(
        `AAP template "${name}" is ambiguous: ${found.length} templates match (${where}); ${advice}`,
      ),
      { details: { operation: "findTemplate", matches: found.length } },
    );
  }

  /**
   * Launches a template. Never retried: a failure after the request may have reached AAP
   * (time-out, reset, 5xx, unreadable 201) has `outcomeUnknown: true`, as the job may exist.
   *
   * @throws ConfigurationError for a missing template (404) or a rejected launch (400,
   *   with the validation messages).
   */
  async launch(
    template: AapTemplateRef,
    body: AapLaunchBody,
    options: RequestOptions = {},
  ): Promise<AapLaunchResult> {
    const ref = checkTemplateRef(template);
    const payload = launchPayload(body);
    const api = await this.apiPath(options);
    const result = await this.#requester.run(
      {
        operation: "launch",
        method: "POST",
        target: `${api}${collection(ref.kind)}${ref.id}/launch/`,
        body: payload,
        launch: true,
        notFound: (message, details) =>
          new ConfigurationError(`${message}; template ${ref.kind} ${ref.id} not found`, {
            details,
          }),
        decode: launchDecoder(JOB_OF_TEMPLATE[ref.kind]),
      },
      options.signal,
    );
    this.#options.logger.info(
      { kind: result.job.kind, id: result.job.id, template: `${ref.kind} ${ref.id}` },
      "AAP job launched",
    );
    return result;
  }

  /**
   * Reads a job or workflow job.
   *
   * @throws JobNotFoundError when AAP has no such job (purged, deleted, or the wrong kind).
   */
  async getJob(ref: AapJobRef, options: RequestOptions = {}): Promise<AapJob> {
    const job = checkJobRef(ref);
    const api = await this.apiPath(options);
    return this.#requester.run(
      {
        operation: "getJob",
        method: "GET",
        target: `${api}${collection(job.kind)}${job.id}/`,
        notFound: this.#jobNotFound(job),
        decode: jobDecoder(job.kind),
      },
      options.signal,
    );
  }

  /**
   * Asks AAP to cancel a job: `requested` (202; the job turns `canceled` later, poll it) or
   * `not-cancelable` (405: already terminal; read it for its real status).
   *
   * @throws JobNotFoundError when AAP has no such job.
   */
  async cancelJob(ref: AapJobRef, options: RequestOptions = {}): Promise<AapCancelResult> {
    const job = checkJobRef(ref);
    const api = await this.apiPath(options);
    const answer = (status: number): AapCancelResult | undefined => {
      if (status === 405) return "not-cancelable";
      if (status >= 200 && status < 300) return "requested";
      return undefined;
    };
    return this.#requester.run<AapCancelResult>(
      {
        operation: "cancelJob",
        method: "POST",
        target: `${api}${collection(job.kind)}${job.id}/cancel/`,
        // AWX needs no body (research §6); an empty JSON object with a JSON Content-Type is
        // accepted either way, whereas a body-less POST through some proxies is unverified.
        body: {},
        notFound: this.#jobNotFound(job),
        byStatus: answer,
        decode: () => "requested",
      },
      options.signal,
    );
  }

  /**
   * Lists jobs or workflow jobs matching AAP filters (e.g. `{ job_template: 5, order_by:
   * "-id" }`), following `next` links for up to `maxPages` pages.
   */
  async listJobs(
    kind: AapJobKind,
    filters: Record<string, string | number>,
    options: ListJobsOptions = {},
  ): Promise<AapJobList> {
    if (!JOB_KINDS.has(kind)) badArgument("kind", 'must be "job" or "workflow_job"');
    const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
    checkId(maxPages, "maxPages");
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) {
      if (typeof value !== "string" && !(typeof value === "number" && Number.isFinite(value))) {
        badArgument(`filters.${key}`, "must be a string or a finite number");
      }
      query.set(key, String(value));
    }
    if (options.pageSize !== undefined) {
      query.set("page_size", String(checkId(options.pageSize, "pageSize")));
    }
    const api = await this.apiPath(options);
    const search = query.toString();
    const jobs: AapJob[] = [];
    const complete = await this.#walk(
      "listJobs",
      `${api}${collection(kind)}${search === "" ? "" : `?${search}`}`,
      jobDecoder(kind),
      maxPages,
      (job) => jobs.push(job),
      options.signal,
    );
    return { jobs, complete };
  }

  /**
   * Finds a notification template by exact name in an organization (id), or undefined.
   * (`notification_templates/?name=…&organization=…`.)
   */
  async findNotificationTemplate(
    name: string,
    organization: number,
    options: RequestOptions = {},
  ): Promise<AapNotificationTemplate | undefined> {
    if (typeof name !== "string" || name === "") badArgument("name", "must be a non-empty string");
    checkId(organization, "organization");
    const api = await this.apiPath(options);
    const query = new URLSearchParams({ name, organization: String(organization) });
    let found: AapNotificationTemplate | undefined;
    await this.#walk(
      "findNotificationTemplate",
      `${api}notification_templates/?${query.toString()}`,
      notificationTemplateDecoder,
      DEFAULT_MAX_PAGES,
      (template) => {
        if (template.name === name && template.organization === organization) found ??= template;
      },
      options.signal,
    );
    return found;
  }

  /**
   * Creates a `webhook` notification template (POST `notification_templates/`) or, given
   * `id`, updates that one (PATCH `notification_templates/<id>/`), e.g. to rotate its
   * password. The password is sent, never logged.
   */
  async saveWebhookNotificationTemplate(
    body: AapWebhookNotificationBody,
    id: number | undefined,
    options: RequestOptions = {},
  ): Promise<AapNotificationTemplate> {
    checkId(body?.organization, "body.organization");
    const c = body.configuration;
    if (typeof c?.url !== "string" || c.url === "")
      badArgument("configuration.url", "must be a URL");
    if (typeof c.password !== "string" || c.password === "") {
      badArgument("configuration.password", "must be a non-empty string");
    }
    const payload = {
      name: body.name,
      description: body.description ?? "",
      organization: body.organization,
      notification_type: "webhook",
      notification_configuration: {
        url: c.url,
        http_method: c.httpMethod ?? "POST",
        username: c.username,
        password: c.password,
        headers: c.headers ?? {},
        disable_ssl_verification: c.disableSslVerification ?? false,
      },
    };
    const api = await this.apiPath(options);
    return this.#requester.run(
      id === undefined
        ? {
            operation: "createNotificationTemplate",
            method: "POST",
            target: `${api}notification_templates/`,
            body: payload,
            decode: notificationTemplateDecoder,
          }
        : {
            operation: "updateNotificationTemplate",
            method: "PATCH",
            target: `${api}notification_templates/${checkId(id, "id")}/`,
            body: payload,
            decode: notificationTemplateDecoder,
          },
      options.signal,
    );
  }

  /** The ids of the notification templates attached to `template` for `event`. */
  async attachedNotificationTemplates(
    template: AapTemplateRef,
    event: AapNotificationEvent,
    options: RequestOptions = {},
  ): Promise<number[]> {
    const ref = checkTemplateRef(template);
    const api = await this.apiPath(options);
    const ids: number[] = [];
    await this.#walk(
      "attachedNotificationTemplates",
      `${api}${collection(ref.kind)}${ref.id}/notification_templates_${checkEvent(event)}/`,
      notificationTemplateDecoder,
      DEFAULT_MAX_PAGES,
      (t) => ids.push(t.id),
      options.signal,
    );
    return ids;
  }

  /**
   * Attaches a notification template to `template` for `event` (POST `{"id": …}` to the
   * sublist: 204, and a no-op when already attached, github:ansible/awx e21dd0a0
   * `awx/api/generics.py:692-739`).
   */
  async attachNotificationTemplate(
    template: AapTemplateRef,
    event: AapNotificationEvent,
    notificationTemplateId: number,
    options: RequestOptions = {},
  ): Promise<void> {
    const ref = checkTemplateRef(template);
    const api = await this.apiPath(options);
    await this.#requester.run<"attached">(
      {
        operation: "attachNotificationTemplate",
        method: "POST",
        target: `${api}${collection(ref.kind)}${ref.id}/notification_templates_${checkEvent(event)}/`,
        body: { id: checkId(notificationTemplateId, "notificationTemplateId") },
        byStatus: (status) => (status === 204 ? "attached" : undefined),
        decode: () => "attached",
      },
      options.signal,
    );
  }

  // The 404 text varies between AWX versions (unverified for 24.x): key on the status only.
  #jobNotFound(job: AapJobRef): (message: string, details: ErrorDetails) => JobNotFoundError {
    return (message, details) =>
      new JobNotFoundError(
        String(job.id),
        `${message}; ${job.kind} ${job.id} was not found (purged or deleted)`,
        { details },
      );
  }

  /**
   * Reads a paginated list from `target`, following relative `next` links (resolved
   * against the origin: a link to another host is never followed there) for up to
   * `maxPages` pages. Returns whether the list was read to its end.
   */
  async #walk<T>(
    operation: string,
    target: string,
    item: Decoder<T>,
    maxPages: number,
    onItem: (value: T) => void,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    let next: string | null = target;
    for (let page = 0; page < maxPages && next !== null; page++) {
      const raw: { items: T[]; next: string | null } = await this.#requester.run(
        {
          operation,
          method: "GET",
          target: next,
          decode: (value, path) => {
            const decoded = pageDecoder(value, path);
            return {
              items: decoded.results.map((element, i) => item(element, [...path, "results", i])),
              next:
                decoded.next === null ? null : this.#sameOrigin(decoded.next, [...path, "next"]),
            };
          },
        },
        signal,
      );
      raw.items.forEach(onItem);
      next = raw.next;
    }
    return next === null;
  }

  /** The path and query of a `next` link; its host, if any, is ignored. */
  #sameOrigin(link: string, path: FieldPath): string {
    let url: URL;
    try {
      url = new URL(link, this.#options.origin);
    } catch {
      throw new DecodeError(path, "a relative link", "string");
    }
    return `${url.pathname}${url.search}`;
  }
}
