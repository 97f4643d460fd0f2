/**
 * The sending side of the AAP simulator's notifications: which job transitions fire which
 * attached notification templates, the webhook request AWX makes, and seeded faults on the
 * way (drop, delay, duplicate, reorder, wrong secret).
 *
 * Sources, github:ansible/awx e21dd0a0933fd544d1fe2513c54fe41203775eb5:
 * - `started` fires when a job enters `running` (`awx/main/tasks/jobs.py:499`; a workflow
 *   job when the task manager starts it, `awx/main/scheduler/task_manager.py:499-501`);
 *   `success` / `error` when it ends (`tasks/jobs.py:653-655`, the callback receiver's
 *   `job_stats_wrapup`, `awx/main/dispatch/worker/callback.py:29-49`; workflow jobs
 *   `task_manager.py:205-219`), `canceled`, `failed` and `error` all counting as `error`
 *   (`'succeeded' if status == 'successful' else 'failed'`, and
 *   `STATUS_TO_TEMPLATE_TYPE`, `awx/main/models/notifications.py:250`).
 * - A job canceled while still `pending` is set `canceled` inside the cancel request with
 *   no notification at all (`awx/main/models/unified_jobs.py:1504-1513`: no
 *   `send_notification_templates` there): such a job is noticed by polling only. A job
 *   canceled while `waiting` is assumed to notify like one canceled while running
 *   (unverified).
 * - The body is the job's `job_metadata` (`models/notifications.py:432`,
 *   `unified_jobs.py:1353-1363`, `jobs.py:740-775`, `workflow.py:697-715`), sent with
 *   `json.dumps` by `webhook_backend.py:50-116` with `Content-Type: application/json`, AWX's
 *   `User-Agent`, the template's headers and Basic auth when a username or password is set;
 *   301/307 followed up to 5 times; no retry and no timeout; >= 400 marks it `failed`.
 * - Sending is asynchronous (`send_notifications.delay` on commit,
 *   `models/notifications.py:535-541`): {@link AapNotificationOptions.sendDelayMs} models
 *   the dispatcher's latency (default 0; the real figure is unverified). For a finished job
 *   with no host summaries `Job.notification_data` sleeps up to 5 s
 *   (`jobs.py:740-748`): not simulated.
 * - AWX looks the attached templates up at each transition; the simulator decides which
 *   jobs to watch when it first sees them (after the launch request): a notification
 *   template attached later notifies for jobs launched after that only.
 *
 * @module
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Clock } from "../clock.js";
import { checkFaultRate, checkFaultTimes, FaultRandom, FaultRules } from "../fault-rules.js";
import type { AapFaultHandle } from "./fault-types.js";
import type { JobRecord } from "./model.js";
import type {
  AapNotificationRecord,
  NotificationSink,
  NotificationStore,
  NotificationTemplateRecord,
} from "./notifications.js";
import type { SimState } from "./state.js";
import { displayExtraVars } from "./survey.js";
import { pythonJsonDumps } from "./python-json.js";
import type { Timeline } from "./timeline.js";

/** What a notification fault does to one notification. */
export type AapNotificationFaultAction =
  /** Never sent (AWX's sender failed, or the receiver was down): the Notification is `failed`. */
  | { type: "drop" }
  /** Sent `ms` later on the simulator's clock. */
  | { type: "delay"; ms: number }
  /** Sent `copies` times in all (default 2), e.g. a retried dispatcher task. */
  | { type: "duplicate"; copies?: number }
  /** Held until the next notification was sent (or `maxHoldMs`, default 1,000, passed). */
  | { type: "reorder"; maxHoldMs?: number }
  /** Sent with a wrong password (a misconfigured or forged sender). */
  | { type: "wrong-secret" };

/** A notification fault rule. */
export interface AapNotificationFaultRule {
  /** What happens. */
  action: AapNotificationFaultAction;
  /** Only notifications of this event (default: all). */
  event?: "started" | "success" | "error";
  /** How many times it fires; default 1, or `Infinity` with a `rate`. */
  times?: number;
  /** Probability per matching notification, drawn from the seeded generator. */
  rate?: number;
}

/** Options of the simulator's notifications. */
export interface AapNotificationOptions {
  /** The dispatcher's latency from a transition to the request, ms of the simulator's clock. Default 0. */
  sendDelayMs?: number;
  /** `TOWER_URL_BASE` in the payload's UI links. Default `https://aap.simulator`. */
  towerUrlBase?: string;
}

/** The fault controls of the simulator's notifications. */
export interface AapNotificationFaults {
  /** Adds a rule; rules are tried in order, the first that fires applies. */
  inject(rule: AapNotificationFaultRule): AapFaultHandle;
  /** Restarts the rate-based draws from `seed`. */
  seed(seed: number): void;
  /** Removes every rule. */
  clear(): void;
}

interface Tracked {
  readonly job: JobRecord;
  started: boolean;
}

interface Delivery {
  readonly record: AapNotificationRecord;
  readonly template: NotificationTemplateRecord;
  readonly wrongSecret: boolean;
  readonly copies: number;
}

/** Fires and sends notifications for the jobs of templates that have some attached. */
export class NotificationSender implements NotificationSink {
  readonly #state: SimState;
  readonly #store: NotificationStore;
  readonly #timeline: Timeline;
  readonly #clock: Clock;
  readonly #sendDelayMs: number;
  readonly #tower: string;
  readonly #random = new FaultRandom();
  readonly #rules = new FaultRules<AapNotificationFaultRule>(this.#random);
  readonly #tracked = new Map<number, Tracked>();
  readonly #records: AapNotificationRecord[] = [];
  readonly #held: { delivery: Delivery; release: () => void }[] = [];
  readonly #inFlight = new Set<{ destroy(): void }>();
  readonly #sending = new Set<Promise<void>>();
  #nextUnseen = 0;
  #wakeup: (() => void) | undefined;
  #wakeupAt = Infinity;
  #stopped = false;

  /** The fault controls. */
  readonly faults: AapNotificationFaults;

  constructor(
    state: SimState,
    store: NotificationStore,
    timeline: Timeline,
    options: AapNotificationOptions = {},
  ) {
    this.#state = state;
    this.#store = store;
    this.#timeline = timeline;
    this.#clock = state.clock;
    const delay = options.sendDelayMs ?? 0;
    if (!(Number.isFinite(delay) && delay >= 0)) {
      throw new RangeError(`sendDelayMs must be a number >= 0, got ${delay}`);
    }
    this.#sendDelayMs = delay;
    this.#tower = options.towerUrlBase ?? "https://aap.simulator";
    this.#nextUnseen = state.jobs.peekId();
    store.connect(this);
    this.faults = {
      inject: (rule) => {
        const times = rule.times ?? (rule.rate === undefined ? 1 : Infinity);
        checkFaultTimes(times, "notification fault times");
        if (rule.rate !== undefined) checkFaultRate(rule.rate, "notification fault rate");
        const { action } = rule;
        if (action.type === "delay" && !(Number.isFinite(action.ms) && action.ms >= 0)) {
          throw new RangeError(`delay fault needs ms >= 0, got ${action.ms}`);
        }
        if (
          action.type === "duplicate" &&
          !(Number.isInteger(action.copies ?? 2) && (action.copies ?? 2) >= 2)
        ) {
          throw new RangeError("duplicate fault needs copies >= 2");
        }
        return this.#rules.add(structuredClone(rule), times, rule.rate ?? 1);
      },
      seed: (seed) => this.#random.reseed(seed),
      clear: () => this.#rules.clear(),
    };
  }

  /** Every notification recorded so far (copies). */
  records(): AapNotificationRecord[] {
    return this.#records.map((r) => structuredClone(r));
  }

  /** {@inheritDoc NotificationSink.hasPending} */
  hasPending(templateId: number): boolean {
    return this.#records.some(
      (r) => r.notificationTemplate === templateId && r.status === "pending",
    );
  }

  /** {@inheritDoc NotificationSink.test} */
  test(template: NotificationTemplateRecord, body: Record<string, unknown>): void {
    this.#fire(template, undefined, "test", body, this.#clock.now());
  }

  /** Stops sending: abandons held and in-flight deliveries. */
  stop(): void {
    this.#stopped = true;
    this.#wakeup?.();
    this.#wakeup = undefined;
    for (const request of this.#inFlight) request.destroy();
    this.#inFlight.clear();
    this.#held.length = 0;
  }

  /**
   * Fires what is due by `now`: picks up new jobs of templates with notifications attached,
   * sends `started` / `success` / `error` for transitions passed (each at its own instant),
   * and schedules the next look at the earliest coming transition.
   */
  sweep(now: number): void {
    if (this.#stopped) return;
    const jobs = this.#state.jobs;
    const end = jobs.peekId();
    for (let id = this.#nextUnseen; id < end; id++) {
      const job = jobs.get(id);
      if (job && this.#watched(job)) this.#tracked.set(id, { job, started: false });
    }
    this.#nextUnseen = end;
    let next = Infinity;
    for (const [id, tracked] of this.#tracked) {
      const { job } = tracked;
      const schedule = jobs.schedule(job);
      const ran = !schedule.neverStarts && schedule.runStart <= schedule.end;
      const leftPending = !schedule.neverStarts && schedule.pendingEnd <= schedule.end;
      if (!tracked.started && ran && schedule.runStart <= now) {
        tracked.started = true;
        this.#fireAll(job, "started", "running", schedule.runStart);
      }
      if (schedule.end <= now) {
        this.#tracked.delete(id);
        if (leftPending) {
          const event = schedule.outcome === "successful" ? "success" : "error";
          this.#fireAll(job, event, schedule.outcome, schedule.end);
        }
        continue;
      }
      if (!tracked.started && ran) next = Math.min(next, schedule.runStart);
      next = Math.min(next, schedule.end);
    }
    this.#scheduleWakeup(next);
  }

  #watched(job: JobRecord): boolean {
    return (["started", "success", "error"] as const).some(
      (event) => this.#store.attached(job.template.id, event).length > 0,
    );
  }

  #scheduleWakeup(at: number): void {
    if (at === this.#wakeupAt) return;
    this.#wakeup?.();
    this.#wakeup = undefined;
    this.#wakeupAt = at;
    if (!Number.isFinite(at)) return;
    this.#wakeup = this.#timeline.schedule(at, (when) => {
      this.#wakeup = undefined;
      this.#wakeupAt = Infinity;
      this.sweep(Math.max(when, this.#clock.now()));
    });
  }

  #fireAll(
    job: JobRecord,
    event: "started" | "success" | "error",
    status: string,
    at: number,
  ): void {
    for (const template of this.#store.attached(job.template.id, event)) {
      this.#fire(template, job.id, event, this.#metadata(job, status, at), at);
    }
  }

  #fire(
    template: NotificationTemplateRecord,
    jobId: number | undefined,
    event: AapNotificationRecord["event"],
    body: Record<string, unknown>,
    at: number,
  ): void {
    const record: AapNotificationRecord = {
      id: this.#records.length + 1,
      notificationTemplate: template.id,
      jobId,
      event,
      status: "pending",
      error: "",
      body,
      createdAt: at,
      answers: [],
    };
    this.#records.push(record);
    if (template.notificationType !== "webhook") {
      // Other backends are not simulated; their notifications stay recorded as sent.
      record.status = "successful";
      return;
    }
    const rule =
      event === "test"
        ? undefined
        : this.#rules.take((r) => r.event === undefined || r.event === event);
    const action = rule?.action;
    if (action) record.fault = action.type;
    if (action?.type === "drop") {
      record.status = "failed";
      record.error = "simulator: notification dropped (fault)";
      return;
    }
    const delivery: Delivery = {
      record,
      template,
      wrongSecret: action?.type === "wrong-secret",
      copies: action?.type === "duplicate" ? (action.copies ?? 2) : 1,
    };
    const sendAt = at + this.#sendDelayMs + (action?.type === "delay" ? action.ms : 0);
    if (action?.type === "reorder") {
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        cancelTimeout();
        void this.#send(delivery);
      };
      const cancelTimeout = this.#timeline.schedule(sendAt + (action.maxHoldMs ?? 1000), release);
      this.#held.push({ delivery, release });
      return;
    }
    this.#timeline.schedule(sendAt, () => void this.#send(delivery));
  }

  /** Resolves once every delivery under way has been answered (or failed). */
  async settled(): Promise<void> {
    while (this.#sending.size > 0) await Promise.all([...this.#sending]);
  }

  #send(delivery: Delivery): Promise<void> {
    const sending = this.#deliver(delivery).finally(() => this.#sending.delete(sending));
    this.#sending.add(sending);
    return sending;
  }

  async #deliver(delivery: Delivery): Promise<void> {
    if (this.#stopped) return;
    // A held (reordered) notification goes right after this one.
    const held = this.#held.splice(0).filter((h) => h.delivery !== delivery);
    const { record, template } = delivery;
    let failed = false;
    for (let copy = 0; copy < delivery.copies; copy++) {
      const outcome = await this.#post(template, record.body, delivery.wrongSecret);
      if (typeof outcome === "number") record.answers.push(outcome);
      if (typeof outcome !== "number" || outcome >= 400) {
        failed = true;
        record.error =
          typeof outcome === "number" ? `Error sending webhook notification: ${outcome}` : outcome;
      }
    }
    record.status = failed ? "failed" : "successful";
    for (const h of held) h.release();
  }

  /** One webhook request (`webhook_backend.py:50-116`); the status, or an error text. */
  async #post(
    template: NotificationTemplateRecord,
    body: Record<string, unknown>,
    wrongSecret: boolean,
  ): Promise<number | string> {
    const config = template.configuration;
    let url = text(config["url"], "");
    const method = text(config["http_method"], "POST").toUpperCase();
    const username = text(config["username"], "");
    const password = text(config["password"], "");
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "User-Agent": "AWX 24.6.1 (open)",
    };
    const extra = config["headers"];
    if (typeof extra === "object" && extra !== null) {
      for (const [k, v] of Object.entries(extra)) headers[k] = String(v);
    }
    if (username !== "" || password !== "" || wrongSecret) {
      const secret = wrongSecret ? `${password}-wrong` : password;
      headers["Authorization"] =
        `Basic ${Buffer.from(`${username}:${secret}`, "utf8").toString("base64")}`;
    }
    const data = Buffer.from(JSON.stringify(body), "utf8");
    for (let attempt = 0; attempt < 5; attempt++) {
      let answer: { status: number; location: string | undefined };
      try {
        answer = await this.#request(
          url,
          method,
          headers,
          data,
          config["disable_ssl_verification"] === true,
        );
      } catch (error) {
        return `simulator: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (answer.status !== 301 && answer.status !== 307) return answer.status;
      if (answer.location === undefined) {
        return `Webhook notification received redirect to a blank URL from ${url}.`;
      }
      url = new URL(answer.location, url).toString();
    }
    return `Webhook notification max number of retries [5] exceeded. Failed to send webhook notification to ${url}`;
  }

  #request(
    url: string,
    method: string,
    headers: Record<string, string>,
    data: Buffer,
    insecure: boolean,
  ): Promise<{ status: number; location: string | undefined }> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      const req = send(
        target,
        {
          method,
          headers: { ...headers, "Content-Length": String(data.length) },
          ...(target.protocol === "https:" ? { rejectUnauthorized: !insecure } : {}),
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            this.#inFlight.delete(req);
            const location = res.headers.location;
            resolve({ status: res.statusCode ?? 0, location });
          });
        },
      );
      this.#inFlight.add(req);
      req.on("error", (error) => {
        this.#inFlight.delete(req);
        reject(error);
      });
      req.end(data);
    });
  }

  /** `job_metadata` of a job at a transition (see the module comment for the sources). */
  #metadata(job: JobRecord, status: string, at: number): Record<string, unknown> {
    const schedule = this.#state.jobs.schedule(job);
    const started =
      schedule.runStart <= at && !schedule.neverStarts ? pythonTime(schedule.runStart) : null;
    const finished = status === "running" ? null : pythonTime(at);
    const base = {
      id: job.id,
      name: job.template.name,
      url: `${this.#tower}/#/jobs/${job.kind === "job" ? "playbook" : "workflow"}/${job.id}`,
      created_by: "admin",
      started,
      finished,
      status,
      traceback: "",
    };
    const extraVars = pythonJsonDumps(displayExtraVars(job.extraVars, job.surveyPasswords));
    if (job.kind === "workflow_job") {
      return {
        ...base,
        body: "Workflow job summary:\n",
        inventory: null,
        limit: job.limit,
        extra_vars: extraVars,
      };
    }
    return {
      ...base,
      inventory: "Demo Inventory",
      project: "Demo Project",
      playbook: `${job.template.name}.yml`,
      credential: null,
      limit: job.limit ?? "",
      extra_vars: extraVars,
      hosts: {},
    };
  }
}

/** Python's `datetime.isoformat()` of an aware UTC datetime (microseconds, `+00:00`). */
function pythonTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00");
}

/** A configuration field that the serializer checked to be a string, or `fallback`. */
function text(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}
