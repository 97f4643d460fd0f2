/**
 * The part both ready-made backends share: an AAP simulator on the scenario's clock with
 * the provision and deprovision templates, job scripts, purges and the ledger.
 *
 * @module
 */
import type { JobType } from "@provisionkit/core";
import { AapSimulator } from "../../aap/simulator.js";
import type { AapAuthOptions, AapJobScript, AapSimulatorOptions } from "../../aap/types.js";
import type { AapFaultRule, AapHangFault } from "../../aap/fault-types.js";
import type {
  BackendContext,
  ConformanceJob,
  ConformanceJobScript,
  HeldRequestKind,
} from "../types.js";
import { HAND_LAUNCH_EXTRA_VARS } from "./hand-launches.js";
import { toConformanceJob } from "./ledger-map.js";
import { conventionalNames, type OperationNames } from "./names.js";
import { queuedMsOf } from "../job-script.js";

/** The AAP simulator's default write token, which the backends hand to providers. */
export const SIM_TOKEN = "sim-token";

/**
 * The most time a scripted job spends `pending`, and again `waiting`, before it runs: short,
 * so that a scripted duration is mostly running time.
 */
export const QUEUE_PHASE_MS = 100;

/** The simulator's requests each kind of {@link AapRun.holdRequests} holds. */
const HELD_REQUESTS: Record<HeldRequestKind, Pick<AapFaultRule, "operation" | "method">> = {
  read: { operation: ["job-get", "job-list"], method: "GET" },
  cancel: { operation: "cancel", method: "POST" },
  template: { operation: ["template-list", "template-get", "launch-get"], method: "GET" },
  launch: { operation: "launch", method: "POST" },
};

/** How the AAP side of a backend is set up. */
export interface AapRunOptions {
  /** AAP simulator options (its clock is always the scenario's). */
  simulator?: Omit<AapSimulatorOptions, "clock">;
  /** Template names; default the providers' convention `create-<kebab kind>` / `delete-<kebab kind>`. */
  templates?: { provision?: string; deprovision?: string };
  /** Register workflow job templates instead of job templates. */
  workflow?: boolean;
}

/**
 * The token providers get: the first write token of `auth.tokens`, or the simulator's
 * default {@link SIM_TOKEN}.
 *
 * @throws Error when `auth.tokens` holds no write token.
 */
export function writeToken(auth: AapAuthOptions | undefined): string {
  if (auth?.tokens === undefined) return SIM_TOKEN;
  const token = auth.tokens.find((t) => t.scope === "write")?.token;
  if (token === undefined) throw new Error("simulator.auth.tokens needs a write token");
  return token;
}

/**
 * The failure states of an AWX job beside `failed` (the backends' `failureKinds`): `error`,
 * "unable to run" — terminal, and counted failed by AWX itself (`failed` is true for
 * `failed`, `error` and `canceled`). [awx: awx/main/models/unified_jobs.py STATUS_CHOICES and
 * save(); ../shared/research/aap-eda-api.md, "status values"]
 */
export const AAP_FAILURE_KINDS: readonly string[] = Object.freeze(["error"]);

/**
 * The AAP script of a conformance script: `durationMs` from creation to the end, split into
 * at most {@link QUEUE_PHASE_MS} pending, as much waiting (jobs only: workflow jobs have
 * none) and the rest running; `queuedMs` more `pending` before that. Without `durationMs`
 * the simulator's own running time applies (with its own short phases too, unless the job
 * never finishes or is queued: then the short phases, after `queuedMs`).
 *
 * A `failureKind` (with `outcome: "failed"`) is the AWX status the job ends in, one of
 * {@link AAP_FAILURE_KINDS}.
 *
 * @throws RangeError for a negative or non-finite `durationMs` or `queuedMs`, or a `failureKind` that is
 *   not one of {@link AAP_FAILURE_KINDS} or comes without `outcome: "failed"`.
 */
export function aapScript(script: ConformanceJobScript, workflow: boolean): AapJobScript {
  const result: AapJobScript = { outcome: script.outcome === "failed" ? "failed" : "successful" };
  if (script.failureKind !== undefined) {
    if (script.outcome !== "failed" || !AAP_FAILURE_KINDS.includes(script.failureKind)) {
      throw new RangeError(
        `failureKind ${JSON.stringify(script.failureKind)} needs outcome "failed" and one of ` +
          AAP_FAILURE_KINDS.map((k) => JSON.stringify(k)).join(", "),
      );
    }
    result.outcome = "error";
  }
  if (script.neverFinishes === true) result.neverFinishes = true;
  const { durationMs } = script;
  const queuedMs = queuedMsOf(script);
  if (durationMs === undefined) {
    if (script.neverFinishes === true || queuedMs > 0) {
      result.pendingMs = queuedMs + QUEUE_PHASE_MS;
      result.waitingMs = QUEUE_PHASE_MS;
    }
    return result;
  }
  if (!(Number.isFinite(durationMs) && durationMs >= 0)) {
    throw new RangeError(`durationMs must be a finite number >= 0, got ${durationMs}`);
  }
  const phase = Math.min(QUEUE_PHASE_MS, Math.floor(durationMs / 4));
  // A queued job is AWX's `pending` one: created (visible to a provider's reads and
  // lookups) and waiting for the task manager to start it, which it does only once no job
  // blocks it and an instance has the capacity (github:ansible/awx e21dd0a093
  // awx/main/scheduler/task_manager.py:541-560 `process_pending_tasks`, 636-648
  // `task_needs_capacity`: "waiting for next cycle").
  result.pendingMs = phase + queuedMs;
  result.waitingMs = workflow ? 0 : phase;
  result.runMs = durationMs - phase - result.waitingMs;
  return result;
}

/** An AAP simulator set up for one scenario (not started). */
export class AapRun {
  /** The simulator. */
  readonly aap: AapSimulator;
  /** The template of each operation. */
  readonly templates: OperationNames;
  /** Whether the templates are workflow job templates. */
  readonly workflow: boolean;
  /** The bearer token providers use. */
  readonly token: string;
  /** Whom to tell when a request of each of {@link AapRun.holdRequests}' rules is held, by label. */
  readonly #onHeld = new Map<string, () => void>();
  #holdSeq = 0;
  #listening = false;

  /**
   * Creates the simulator on the context's clock and registers both templates, with
   * `allowSimultaneous` (the ledger, not AAP's own serialization, shows overlaps) and
   * `askVariablesOnLaunch`.
   */
  constructor(context: BackendContext, options: AapRunOptions) {
    this.token = writeToken(options.simulator?.auth);
    this.workflow = options.workflow === true;
    this.templates = conventionalNames(context.resource.kind, options.templates);
    this.aap = new AapSimulator({ ...options.simulator, clock: context.clock });
    const names = new Set([this.templates.provision, this.templates.deprovision]);
    for (const name of names) {
      const definition = { name, allowSimultaneous: true, askVariablesOnLaunch: true };
      if (this.workflow) this.aap.addWorkflowTemplate(definition);
      else this.aap.addJobTemplate(definition);
    }
  }

  /** Queues the script of the next job of `operation`'s template. */
  scriptNext(operation: JobType, script: ConformanceJobScript): void {
    this.aap.scriptNext(this.templates[operation], aapScript(script, this.workflow));
  }

  /**
   * Purges a job by its ledger id.
   *
   * @throws Error for an id the simulator never gave.
   */
  purge(job: ConformanceJob): void {
    const id = Number(job.id);
    if (!Number.isSafeInteger(id)) throw new Error(`not an AAP job id: ${job.id}`);
    this.aap.purgeJob(id);
  }

  /**
   * Launches a job of `like`'s template through the simulator's API (`POST
   * <templates>/<id>/launch/`, as any client would) with `like`'s extra vars, every string
   * equal to its correlation id replaced by `correlationId`, then ends it as successful at
   * once (`finishJob`). The launch takes a script queued for the template, if any.
   *
   * @param url - the simulator's base URL.
   * @throws Error when `like` is no job of the simulator, has no correlation id, or the
   *   launch is refused.
   */
  async launchStray(
    url: string,
    like: ConformanceJob,
    correlationId: string,
  ): Promise<ConformanceJob> {
    const source = this.#source(like);
    if (like.correlationId === undefined) {
      throw new Error(`AAP job ${like.id} carries no correlation id to resemble`);
    }
    const extraVars = replaceText(source.extraVars, like.correlationId, correlationId);
    return this.#launchEnded(url, source.templateId, extraVars, "a stray job");
  }

  /**
   * Launches one job of `like`'s template per entry of {@link HAND_LAUNCH_EXTRA_VARS}
   * through the simulator's API, as a person launching the template by hand (or another
   * tool) would, and ends each as successful at once. None carries a provider's launch
   * record; most carry something where one would be.
   *
   * @param url - the simulator's base URL.
   * @throws Error when `like` is no job of the simulator or a launch is refused.
   */
  async launchByHand(url: string, like: ConformanceJob): Promise<ConformanceJob[]> {
    const source = this.#source(like);
    const jobs: ConformanceJob[] = [];
    for (const extraVars of HAND_LAUNCH_EXTRA_VARS) {
      jobs.push(await this.#launchEnded(url, source.templateId, extraVars, "a job by hand"));
    }
    return jobs;
  }

  #source(like: ConformanceJob): { templateId: number; extraVars: Record<string, unknown> } {
    const source = this.aap.job(Number(like.id));
    if (!source) throw new Error(`not a job of the AAP simulator: ${like.id}`);
    return source;
  }

  /**
   * `POST <templates>/<id>/launch/` (as any client would; no `extra_vars` field when
   * `extraVars` is undefined), then `finishJob` successful. The launch takes a script queued
   * for the template, if any.
   */
  async #launchEnded(
    url: string,
    templateId: number,
    extraVars: Record<string, unknown> | undefined,
    what: string,
  ): Promise<ConformanceJob> {
    const path = this.workflow ? "workflow_job_templates" : "job_templates";
    const response = await fetch(`${url}/api/v2/${path}/${templateId}/launch/`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json" },
      body: JSON.stringify(extraVars === undefined ? {} : { extra_vars: extraVars }),
    });
    const body = await response.text();
    if (!response.ok) {
      throw new Error(`launching ${what} answered HTTP ${response.status}: ${body.slice(0, 200)}`);
    }
    // The 201's body carries the new job's serialization, `id` among it (see the
    // simulator's launchPost): read like any client, not by diffing the whole ledger, which
    // made a scenario launching hundreds of strays quadratic.
    const id = (JSON.parse(body) as { id?: unknown }).id;
    if (typeof id !== "number" || !this.aap.job(id)) {
      throw new Error(`launching ${what} answered no job id: ${body.slice(0, 200)}`);
    }
    this.aap.finishJob(id, "successful");
    const entry = this.aap.job(id);
    if (!entry) throw new Error(`job ${id} (${what}) vanished`);
    return toConformanceJob(entry, this.templates);
  }

  /**
   * The next `count` job reads and job lookups (GET of a job or a workflow job, GET of a job
   * list: the simulator's operations `job-get` and `job-list`) answered 503. Launches go
   * through, with the template reads they make, and so do cancels: a provider's read before
   * it deprovisions fails while its own launches do not (`ConformanceBackend.failNextReads`).
   *
   * @throws RangeError for a negative or fractional count.
   */
  failJobReads(count: number): void {
    if (!faultCount(count)) return;
    this.aap.faults.inject({
      operation: ["job-get", "job-list"],
      method: "GET",
      times: count,
      action: { type: "status", status: 503 },
    });
  }

  /**
   * The next `count` cancel POSTs (the simulator's operation `cancel`) answered 503, as a
   * controller behind a failing load balancer answers them; reads and launches go through
   * (`ConformanceBackend.failNextCancels`).
   *
   * @throws RangeError for a negative or fractional count.
   */
  failCancels(count: number): void {
    if (!faultCount(count)) return;
    this.aap.faults.inject({
      operation: ["cancel"],
      method: "POST",
      times: count,
      action: { type: "status", status: 503 },
    });
  }

  /**
   * Hold the next `count` requests of `kind` unanswered (the simulator's `hang` fault), and
   * call `onHeld` as each is held (`AapFaults.onHold`): job reads and lookups (`job-get`,
   * `job-list`) for `read`, cancel POSTs for `cancel`, template reads (`template-list`,
   * `template-get`, `launch-get`) for `template`, launch POSTs for `launch`. Each is carried
   * out and answered once {@link AapRun.releaseHeld} is called (a launch is abandoned then,
   * never carried out), or abandoned unanswered when the simulator stops. The rule matches
   * every client of the simulator: the EDA simulator's playbook reads a *failed* job's
   * `job_explanation` here too, so a scenario holding reads must not end a job failed while
   * a hold is armed, and the EDA backend does not hold `template` or `launch` (those are its
   * rulebooks' requests).
   *
   * @throws RangeError for a negative or fractional count.
   */
  holdRequests(kind: HeldRequestKind, count: number, onHeld: () => void): void {
    if (!faultCount(count)) return;
    const label = `hold-${++this.#holdSeq}`;
    this.#onHeld.set(label, onHeld);
    if (!this.#listening) {
      this.#listening = true;
      this.aap.faults.onHold((held) => {
        if (held.label !== undefined) this.#onHeld.get(held.label)?.();
      });
    }
    const action: AapHangFault = {
      type: "hang",
      label,
      ...(kind === "launch" ? { release: "abandon" as const } : {}),
    };
    this.aap.faults.inject({ ...HELD_REQUESTS[kind], times: count, action });
  }

  /**
   * Let every held request go on (`AapFaults.release`): reads, cancels and template reads are
   * carried out, then answered; held launches are abandoned, never carried out.
   */
  releaseHeld(): void {
    this.aap.faults.release();
  }

  /** Every job, evaluated at `clock.now()`. */
  ledger(): ConformanceJob[] {
    return this.aap.ledger().map((job) => toConformanceJob(job, this.templates));
  }
}

/** `value` with every string equal to `from` replaced by `to`, at any depth (a copy). */
function replaceText(
  value: Record<string, unknown>,
  from: string,
  to: string,
): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (v === from) return to;
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
    }
    return v;
  };
  return walk(value) as Record<string, unknown>;
}

/**
 * A `Retry-After` in whole seconds (rounded up) for `ms`.
 *
 * @throws RangeError for a negative or non-finite `ms`.
 */
export function retryAfterSeconds(ms: number): number {
  if (!(Number.isFinite(ms) && ms >= 0)) {
    throw new RangeError(`retryAfterMs must be a finite number >= 0, got ${ms}`);
  }
  return Math.ceil(ms / 1000);
}

/**
 * Validates a fault count.
 *
 * @returns false for 0 (nothing to inject).
 * @throws RangeError for a negative or fractional count.
 */
export function faultCount(count: number): boolean {
  if (!(Number.isInteger(count) && count >= 0)) {
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  }
  return count > 0;
}
