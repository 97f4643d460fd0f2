/**
 * The AAP (AWX Controller) REST API simulator.
 *
 * @module
 */
import { systemClock, type Clock } from "../clock.js";
import { authSettings } from "./auth.js";
import type { AapFaults, AapHeldRequest } from "./fault-types.js";
import { FaultRegistry } from "./faults.js";
import { HeldRequests } from "../held-requests.js";
import { JobStore } from "./job-store.js";
import { ledgerEntry } from "./ledger.js";
import type { JobRecord, TemplateKind } from "./model.js";
import { NotificationStore, type AapNotificationRecord } from "./notifications.js";
import { NotificationSender, type AapNotificationFaults } from "./notifications-sender.js";
import type { AapLedgerJob, AapRequestRecord } from "./records.js";
import { TemplateRegistry } from "./registry.js";
import { validateScript } from "./script.js";
import { ScriptQueue } from "./script-queue.js";
import { requestLimits } from "./request-limits.js";
import { Timeline } from "./timeline.js";
import { SimServer } from "./server.js";
import type { SimState } from "./state.js";
import type {
  AapFinishDetails,
  AapJobScript,
  AapOtherTemplateDefinition,
  AapOutcome,
  AapScriptNextOptions,
  AapSimulatorOptions,
  AapTemplateDefinition,
} from "./types.js";

const OUTCOMES: readonly AapOutcome[] = ["successful", "failed", "error", "canceled"];

function pendingCancelMode(mode: string | undefined): "in-request" | "task-manager" {
  if (mode === undefined || mode === "in-request" || mode === "task-manager") {
    return mode ?? "in-request";
  }
  throw new RangeError(`pendingCancel must be "in-request" or "task-manager", got ${mode}`);
}

/**
 * A real HTTP server on loopback speaking the AAP Controller REST API (AWX 24.x) under
 * both `/api/v2/` and `/api/controller/v2/`: discovery and ping, template lookup, job and
 * workflow launches with AWX's prompt rules, lazily computed job life cycles driven by a
 * {@link Clock}, cancel, purge, auth, and injectable faults. It keeps a ledger of every
 * job it ever created.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const aap = new AapSimulator({ clock });
 * aap.addJobTemplate({ name: "provision", script: { runMs: 10_000 } });
 * const url = await aap.start();
 * // … point the client at `${url}/api/controller/v2/`, advance the clock, assert …
 * await aap.stop();
 * ```
 */
export class AapSimulator {
  /** The clock every job state is computed from. */
  readonly clock: Clock;
  /** Fault injection. */
  readonly faults: AapFaults;
  readonly #state: SimState;
  readonly #server: SimServer;
  readonly #requests: AapRequestRecord[] = [];
  readonly #timeline: Timeline;
  readonly #notifications: NotificationSender;

  /**
   * @param options - Clock, discovery mode, credentials, default script and request limits.
   * @throws RangeError for a bad default script, request limit or `pendingCancel`.
   */
  constructor(options: AapSimulatorOptions = {}) {
    if (options.defaultScript) validateScript(options.defaultScript, "defaultScript");
    this.clock = options.clock ?? systemClock;
    this.#timeline = new Timeline(this.clock);
    this.#state = {
      clock: this.clock,
      discovery: options.discovery ?? "gateway",
      auth: authSettings(options.auth),
      limits: requestLimits(options),
      pendingCancel: pendingCancelMode(options.pendingCancel),
      defaultScript: options.defaultScript,
      templates: new TemplateRegistry(),
      jobs: new JobStore(),
      scripts: new ScriptQueue(),
      notifications: new NotificationStore(),
      afterRequest: (now) => this.#notifications.sweep(now),
    };
    this.#notifications = new NotificationSender(
      this.#state,
      this.#state.notifications,
      this.#timeline,
      options.notifications,
    );
    const holds = new HeldRequests<AapHeldRequest>();
    const faults = new FaultRegistry(holds);
    this.faults = faults;
    this.#server = new SimServer({
      state: this.#state,
      faults,
      holds,
      timeline: this.#timeline,
      record: (record) => this.#requests.push(record),
    });
  }

  /**
   * Starts listening on 127.0.0.1 on a random port.
   *
   * @returns The base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
   */
  start(): Promise<string> {
    return this.#server.start();
  }

  /**
   * Closes the server and destroys open connections; held (`hang`/`delay`) requests are
   * abandoned unprocessed. Idempotent.
   */
  stop(): Promise<void> {
    this.#notifications.stop();
    return this.#server.stop();
  }

  /**
   * Fault rules for the webhook notifications the simulator sends (drop, delay, duplicate,
   * reorder, wrong secret; seeded and rate-based like {@link AapSimulator.faults}).
   */
  get notificationFaults(): AapNotificationFaults {
    return this.#notifications.faults;
  }

  /**
   * Fires and sends what is due at `clock.now()`, then resolves once every notification
   * whose sending has begun was answered by its receiver (or failed): their records are
   * final then. (Notifications delayed past `clock.now()` are not waited for.)
   */
  notificationsSettled(): Promise<void> {
    this.#timeline.runDue();
    this.#notifications.sweep(this.clock.now());
    this.#timeline.runDue();
    return this.#notifications.settled();
  }

  /**
   * Every notification fired so far (AWX's Notification objects: template, job, event,
   * status, error, body, and the HTTP status of each delivery), after firing what is due
   * at `clock.now()`.
   */
  notifications(): AapNotificationRecord[] {
    this.#timeline.runDue();
    this.#notifications.sweep(this.clock.now());
    return this.#notifications.records();
  }

  /**
   * The base URL (no trailing slash).
   *
   * @throws Error if the simulator is not started.
   */
  get url(): string {
    return this.#server.startedUrl("the AAP simulator");
  }

  /**
   * Registers a job template.
   *
   * @returns Its id (one id space with workflow job templates).
   * @throws Error if a job template of that name exists in the organization.
   */
  addJobTemplate(def: AapTemplateDefinition): number {
    return this.#addTemplate("job_template", def);
  }

  /**
   * Registers a workflow job template.
   *
   * @returns Its id (one id space with job templates).
   * @throws Error if a workflow job template of that name exists in the organization.
   */
  addWorkflowTemplate(def: AapTemplateDefinition): number {
    return this.#addTemplate("workflow_job_template", def);
  }

  /**
   * Registers a project, inventory source, system job template or workflow approval
   * template: `unified_job_templates/` lists it with its `type` beside the job and workflow
   * job templates (so a client resolving a template by name there meets it); nothing else
   * serves it.
   *
   * @returns Its id (the one id space of unified job templates).
   * @throws TypeError for an empty name; RangeError for an unknown type.
   */
  addOtherTemplate(def: AapOtherTemplateDefinition): number {
    return this.#state.templates.addOther(def, this.clock.now()).id;
  }

  /**
   * Queues a one-shot script for the next launches of the named template (of either kind):
   * it replaces the template's own script for those launches (the default script still lies
   * under it). Queued scripts are consumed in the order they were queued.
   *
   * @throws Error if no template has that name (in that organization, when given);
   *   RangeError for a bad script or `times`.
   */
  scriptNext(templateName: string, script: AapJobScript, options: AapScriptNextOptions = {}): void {
    const { organization, times = 1 } = options;
    if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
      throw new RangeError(`times must be a positive integer or Infinity, got ${times}`);
    }
    validateScript(script, `scriptNext(${templateName})`);
    const exists = this.#state.templates
      .list(undefined)
      .some((t) => t.name === templateName && (organization ?? t.organization) === t.organization);
    if (!exists) {
      const where = organization === undefined ? "" : ` in organization "${organization}"`;
      throw new Error(`no template named "${templateName}"${where}`);
    }
    this.#state.scripts.add(templateName, organization, script, times);
  }

  /**
   * Every job ever created (purged ones too), evaluated at `clock.now()`, by id. Delayed
   * requests due by then are carried out first, as with every read and control.
   */
  ledger(): AapLedgerJob[] {
    this.#timeline.runDue();
    const now = this.clock.now();
    return this.#state.jobs.all().map((job) => ledgerEntry(job, this.#state.jobs, now));
  }

  /** One job's ledger entry at `clock.now()`, or undefined for an unknown id. */
  job(id: number): AapLedgerJob | undefined {
    this.#timeline.runDue();
    const job = this.#state.jobs.get(id);
    return job && ledgerEntry(job, this.#state.jobs, this.clock.now());
  }

  /**
   * Ends an active job now with `outcome` (a test control; the job's timeline is cut at
   * `clock.now()`). `details` set the `job_explanation` and `result_traceback` this end
   * writes, over the job script's (e.g. a real run's output, see `AapPlaybookRunner`).
   *
   * @throws Error if the job is unknown or already terminal.
   */
  finishJob(id: number, outcome: AapOutcome, details?: AapFinishDetails): void {
    if (!OUTCOMES.includes(outcome)) throw new RangeError(`unknown outcome ${String(outcome)}`);
    this.#timeline.runDue();
    const job = this.#job(id);
    const now = this.clock.now();
    const { status, terminal } = this.#state.jobs.view(job, now);
    if (terminal) throw new Error(`job ${id} is already ${status}`);
    this.#state.jobs.finish(job, outcome, now, details);
    this.#notifications.sweep(now);
  }

  /**
   * Purges a job: every API path answers 404 for it from now on; the ledger keeps it with
   * `purgedAt`. Purging an active job does not stop its timeline. Purging twice is a no-op.
   *
   * @throws Error if the job is unknown.
   */
  purgeJob(id: number): void {
    this.#timeline.runDue();
    this.#state.jobs.purge(this.#job(id), this.clock.now());
  }

  /** Every request received so far, in arrival order; tokens and passwords are never kept. */
  requests(): AapRequestRecord[] {
    this.#timeline.runDue();
    return this.#requests.map((record) => structuredClone(record));
  }

  #addTemplate(kind: TemplateKind, def: AapTemplateDefinition): number {
    return this.#state.templates.add(kind, def, this.clock.now()).id;
  }

  #job(id: number): JobRecord {
    const job = this.#state.jobs.get(id);
    if (!job) throw new Error(`unknown job ${id}`);
    return job;
  }
}
