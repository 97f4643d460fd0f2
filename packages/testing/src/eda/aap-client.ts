/**
 * The rulebook's calls to AAP, after ansible-rulebook's `JobTemplateRunner`: template
 * lookup through `unified_job_templates/?name=…` (paging on), launch, and the reads the
 * simulated playbooks need.
 *
 * @module
 */
import type { AapJobKind } from "../aap/types.js";
import { send, type ClientResponse } from "./http-client.js";
import type { EdaLaunchedJob } from "./records.js";
import type { EdaAapAuth, EdaTemplateKind } from "./types.js";

/** The controller API base under the AAP 2.5+ gateway. */
const API = "/api/controller/v2/";

/** What the lookup keeps of a template. */
export interface TemplateInfo {
  /** Template id. */
  readonly id: number;
  /** Launch path (`related.launch`). */
  readonly launch: string;
  /** `ask_variables_on_launch`. */
  readonly askVariables: boolean;
  /** `ask_limit_on_launch`. */
  readonly askLimit: boolean;
}

/** The outcome of a launch. */
export type LaunchOutcome =
  | { readonly ok: true; readonly job: EdaLaunchedJob }
  | { readonly ok: false; readonly status?: number; readonly reason: string };

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function organizationOf(item: Record<string, unknown>): unknown {
  return record(record(item.summary_fields)?.organization)?.name;
}

/** The AAP API as an activation's controller credential reaches it. */
export class AapClient {
  readonly #baseUrl: () => string;
  readonly #authorization: string;

  /**
   * @param baseUrl - Returns AAP's base URL (no trailing slash).
   * @param auth - Token or Basic credentials.
   */
  constructor(baseUrl: () => string, auth: EdaAapAuth) {
    this.#baseUrl = baseUrl;
    this.#authorization =
      "token" in auth
        ? `Bearer ${auth.token}`
        : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
  }

  #call(method: string, path: string, body?: unknown): Promise<ClientResponse> {
    const headers: Record<string, string> = { Authorization: this.#authorization };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return send({
      method,
      url: new URL(path, `${this.#baseUrl()}/`).toString(),
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /**
   * Finds a template as `_get_template_obj` does: by name, then type and organization
   * name, over every page.
   *
   * @throws Error for a non-200 answer.
   */
  async findTemplate(
    name: string,
    organization: string,
    kind: EdaTemplateKind,
  ): Promise<TemplateInfo | undefined> {
    for (let page = 1; ; page += 1) {
      const query = new URLSearchParams({ name });
      if (page > 1) query.set("page", String(page));
      const response = await this.#call("GET", `${API}unified_job_templates/?${query.toString()}`);
      if (response.status !== 200) {
        throw new Error(`template lookup answered HTTP ${response.status}`);
      }
      const body = record(response.json);
      const results = Array.isArray(body?.results) ? body.results : [];
      for (const entry of results) {
        const item = record(entry);
        if (!item || item.type !== kind || item.name !== name) continue;
        if ((organizationOf(item) ?? organization) !== organization) continue;
        const launch = record(item.related)?.launch;
        return {
          id: Number(item.id),
          launch: typeof launch === "string" ? launch : "",
          askVariables: item.ask_variables_on_launch === true,
          askLimit: item.ask_limit_on_launch === true,
        };
      }
      if (!body?.next) return undefined;
    }
  }

  /**
   * `run_job_template` / `run_workflow_template`: looks the template up and POSTs
   * `{"limit", "extra_vars"}` to its launch URL. For a workflow job template the rulebook
   * itself drops `limit` and `extra_vars` when the template does not prompt for them; a job
   * template gets both whatever it prompts for (AWX then lists them in `ignored_fields`).
   */
  async launch(
    name: string,
    organization: string,
    kind: EdaTemplateKind,
    params: { limit: string; extraVars: Record<string, unknown> },
  ): Promise<LaunchOutcome> {
    let template: TemplateInfo | undefined;
    try {
      template = await this.findTemplate(name, organization, kind);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    if (!template) {
      const what = kind === "job_template" ? "Job template" : "Workflow template";
      return {
        ok: false,
        reason: `${what} ${name} in organization ${organization} does not exist`,
      };
    }
    const workflow = kind === "workflow_job_template";
    const body: Record<string, unknown> = {};
    if (!workflow || template.askLimit) body.limit = params.limit;
    if (!workflow || template.askVariables) body.extra_vars = params.extraVars;
    let response: ClientResponse;
    try {
      response = await this.#call("POST", template.launch, body);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    const created = record(response.json);
    const jobKind: AapJobKind = workflow ? "workflow_job" : "job";
    const id = created?.[jobKind];
    if (response.status !== 201 || typeof id !== "number") {
      return {
        ok: false,
        status: response.status,
        reason: `launch answered HTTP ${response.status}`,
      };
    }
    return { ok: true, job: { kind: jobKind, id, templateId: template.id, templateName: name } };
  }

  /** A job's `job_explanation`, or undefined when it cannot be read or is empty. */
  async jobExplanation(kind: AapJobKind, id: number): Promise<string | undefined> {
    try {
      const collection = kind === "job" ? "jobs" : "workflow_jobs";
      const response = await this.#call("GET", `${API}${collection}/${id}/`);
      const explanation = record(response.json)?.job_explanation;
      return response.status === 200 && typeof explanation === "string" && explanation !== ""
        ? explanation
        : undefined;
    } catch {
      return undefined;
    }
  }
}
