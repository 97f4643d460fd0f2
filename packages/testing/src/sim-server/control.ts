/**
 * The control API of `provisionkit-sim` (protocol v1, docs/simulator-protocol.md): JSON
 * over HTTP on its own loopback port, every request with `Authorization: Bearer <control
 * token>`. It scripts jobs, injects and removes faults, purges jobs, reads the ledger and
 * the simulators' logs, reads and advances a virtual clock, resets and shuts down.
 *
 * @module
 */
import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AapFaultRule } from "../aap/fault-types.js";
import type { AapLedgerJob } from "../aap/records.js";
import type { AapJobScript, AapOutcome, AapTemplateDefinition } from "../aap/types.js";
import type { EdaQueueDelayRule, EdaWebhookFaultRule } from "../eda/fault-types.js";
import type {
  KubeConflictFaultOptions,
  KubeDelayFaultOptions,
  KubeStatusFaultOptions,
  KubeWatchFaultOptions,
} from "../kubernetes/fault-types.js";
import { SimServerError } from "./errors.js";
import {
  AAP_FAULT,
  ADD_TEMPLATE,
  ADVANCE,
  EDA_FAULT,
  FINISH,
  KUBE_FAULT,
  PURGE,
  SCRIPT_NEXT,
  SEED,
} from "./rules.js";
import { check, type Schema } from "./schema.js";
import type { SimulatorSet } from "./simulators.js";

/** The simulators of this server, as the control API names them. */
export type SimName = "aap" | "kubernetes" | "eda";

/** One injected fault rule, as the control API lists it. */
export interface SimFaultEntry {
  /** Its id (`<simulator>-<n>`), for `DELETE /v1/faults/{id}`. */
  id: string;
  /** The simulator it was injected into. */
  simulator: SimName;
  /** The rule as given. */
  rule: Record<string, unknown>;
  /** How many requests it fired for. */
  fired: number;
}

/** What the control API needs from its server. */
export interface ControlHost {
  /** The current simulators. */
  simulators(): SimulatorSet;
  /** What the ready line says (without `event`). */
  info(): object;
  /** Restarts the simulators from the configuration. */
  reset(): Promise<void>;
  /** Stops everything (after the answer is sent). */
  shutdown(): void;
}

interface Handle {
  readonly fired: number;
  remove(): void;
}

interface Route {
  readonly method: string;
  readonly path: RegExp;
  readonly run: (
    params: string[],
    query: URLSearchParams,
    body: () => Promise<unknown>,
  ) => Reply | Promise<Reply>;
}

/** A control API answer. */
interface Reply {
  status: number;
  body: unknown;
  after?: () => void;
}

const MAX_BODY = 1024 * 1024;

function ok(body: unknown, status = 200): Reply {
  return { status, body };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** The control API: routes, auth, fault handles. One instance per server. */
export class ControlApi {
  readonly #host: ControlHost;
  readonly #tokenDigest: Buffer;
  readonly #faults = new Map<string, { entry: Omit<SimFaultEntry, "fired">; handle: Handle }>();
  readonly #routes: Route[];
  #nextFault = 1;
  #queue: Promise<unknown> = Promise.resolve();
  #closing = false;

  /**
   * @param host - The server.
   * @param token - The bearer token every request needs.
   */
  constructor(host: ControlHost, token: string) {
    this.#host = host;
    this.#tokenDigest = digest(token);
    this.#routes = this.#table();
  }

  /** Forgets every fault handle (their simulators were replaced). */
  forgetFaults(): void {
    this.#faults.clear();
  }

  /** Serves one HTTP request; requests are handled one at a time, in arrival order. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const run = this.#queue.then(() => this.#serve(req));
    this.#queue = run.catch(() => undefined);
    void run
      .catch((error: unknown): Reply => ({ status: 500, body: errorBody(error) }))
      .then((reply) => {
        const text = JSON.stringify(reply.body);
        res.writeHead(reply.status, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(text),
          ...(reply.status === 405 ? { allow: allowOf(this.#routes, req) } : {}),
        });
        res.end(text, () => reply.after?.());
      });
  }

  async #serve(req: IncomingMessage): Promise<Reply> {
    try {
      if (this.#closing) throw new SimServerError("shutting-down", "the server is shutting down");
      this.#authorize(req);
      const url = new URL(req.url ?? "/", "http://control");
      const path = url.pathname.replace(/\/+$/, "") || "/";
      const matching = this.#routes.filter((route) => route.path.test(path));
      if (matching.length === 0) {
        throw new SimServerError("not-found", `no control endpoint ${path} (protocol v1: /v1/...)`);
      }
      const route = matching.find((r) => r.method === req.method);
      if (!route) {
        throw new SimServerError(
          "method-not-allowed",
          `${req.method ?? "?"} is not allowed on ${path}`,
        );
      }
      const params = route.path.exec(path)?.slice(1) ?? [];
      return await route.run(params, url.searchParams, () => readJson(req));
    } catch (error) {
      const known = error instanceof SimServerError ? error : undefined;
      return { status: known?.status ?? 500, body: errorBody(error) };
    }
  }

  #authorize(req: IncomingMessage): void {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer (.+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1] ?? ""), this.#tokenDigest)) {
      throw new SimServerError("unauthorized", "Authorization: Bearer <control token> is required");
    }
  }

  #table(): Route[] {
    const host = this.#host;
    const sim = (): SimulatorSet => host.simulators();
    const aap = () => running(sim().aap, "aap");
    const kube = () => running(sim().kubernetes, "kubernetes");
    const eda = () => running(sim().eda, "eda");
    const route = (method: string, path: string, run: Route["run"]): Route => ({
      method,
      path: new RegExp(`^${path}$`),
      run,
    });
    const body = async <T>(read: () => Promise<unknown>, schema: Schema): Promise<T> =>
      check(await read(), schema, "", "invalid-request") as T;
    return [
      route("GET", "/v1", () => ok(host.info())),
      route("POST", "/v1/shutdown", () => {
        this.#closing = true;
        return { status: 202, body: { shuttingDown: true }, after: () => host.shutdown() };
      }),
      route("POST", "/v1/reset", async () => {
        await host.reset();
        this.forgetFaults();
        return ok({ reset: true, clock: clockOf(sim()) });
      }),
      route("GET", "/v1/clock", () => ok(clockOf(sim()))),
      route("POST", "/v1/clock/advance", async (_p, _q, read) => {
        const { ms } = await body<{ ms: number }>(read, ADVANCE);
        const set = sim();
        if (!set.virtualClock) {
          throw new SimServerError(
            "real-time-clock",
            "the simulators run on the system clock (real time only); start with clock: virtual",
          );
        }
        set.virtualClock.advance(ms);
        // What is due by now happens before the answer: delayed AAP requests and notifications
        // (notificationsSettled runs the AAP timeline), then the EDA pump.
        await set.aap?.notificationsSettled();
        await set.eda?.pump();
        return ok(clockOf(set));
      }),
      // AAP
      route("POST", "/v1/aap/templates", async (_p, _q, read) => {
        const { kind, template } = await body<{
          kind?: "job" | "workflow";
          template: AapTemplateDefinition;
        }>(read, ADD_TEMPLATE);
        const sim = aap();
        try {
          const id =
            kind === "workflow" ? sim.addWorkflowTemplate(template) : sim.addJobTemplate(template);
          return ok({ id, name: template.name, kind: kind ?? "job" }, 201);
        } catch (error) {
          throw requestError("template", error);
        }
      }),
      route("POST", "/v1/aap/scripts", async (_p, _q, read) => {
        const b = await body<{
          template: string;
          organization?: string;
          times?: number;
          script: AapJobScript;
        }>(read, SCRIPT_NEXT);
        const sim = aap();
        try {
          sim.scriptNext(b.template, b.script, {
            organization: b.organization,
            times: b.times ?? 1,
          });
        } catch (error) {
          if (error instanceof Error && error.message.startsWith("no template named")) {
            throw new SimServerError("unknown-template", error.message, { field: "template" });
          }
          throw requestError("script", error);
        }
        return ok({ template: b.template, times: jsonTimes(b.times ?? 1) }, 201);
      }),
      route("GET", "/v1/aap/ledger", (_p, query) => {
        const sim = aap();
        let jobs = sim.ledger();
        const key = query.get("resourceKey");
        const template = query.get("template");
        if (key !== null) jobs = jobs.filter((job) => job.resourceKey === key);
        if (template !== null) jobs = jobs.filter((job) => job.templateName === template);
        return ok({ now: sim.clock.now(), jobs });
      }),
      route("GET", "/v1/aap/jobs/(\\d+)", ([id]) => ok({ job: jobOf(aap().job(Number(id)), id) })),
      route("POST", "/v1/aap/jobs/(\\d+)/finish", async ([id], _q, read) => {
        const b = await body<{
          outcome: AapOutcome;
          jobExplanation?: string;
          resultTraceback?: string;
        }>(read, FINISH);
        const sim = aap();
        const job = jobOf(sim.job(Number(id)), id);
        if (isTerminal(job)) {
          throw new SimServerError("job-terminal", `job ${job.id} is already ${job.status}`);
        }
        sim.finishJob(job.id, b.outcome, {
          jobExplanation: b.jobExplanation,
          resultTraceback: b.resultTraceback,
        });
        await sim.notificationsSettled();
        return ok({ job: sim.job(job.id) });
      }),
      route("POST", "/v1/aap/jobs/(\\d+)/purge", ([id]) => {
        const sim = aap();
        const job = jobOf(sim.job(Number(id)), id);
        sim.purgeJob(job.id);
        return ok({ job: sim.job(job.id) });
      }),
      route("POST", "/v1/aap/purge", async (_p, _q, read) => {
        const b = await body<{ ids?: number[]; terminal?: boolean }>(read, PURGE);
        if (b.ids === undefined && b.terminal !== true) {
          throw new SimServerError("invalid-request", "give ids, or terminal: true", {
            field: "ids",
          });
        }
        const sim = aap();
        const ledger = sim.ledger();
        const chosen = new Set<number>();
        for (const [i, id] of (b.ids ?? []).entries()) {
          if (!ledger.some((job) => job.id === id)) {
            throw new SimServerError("unknown-job", `no job ${id}`, { field: `ids[${i}]` });
          }
          chosen.add(id);
        }
        if (b.terminal === true) {
          for (const job of ledger)
            if (isTerminal(job) && job.purgedAt === undefined) chosen.add(job.id);
        }
        const purged = [...chosen].sort((x, y) => x - y);
        for (const id of purged) sim.purgeJob(id);
        return ok({ purged });
      }),
      route("GET", "/v1/aap/requests", () => ok({ requests: aap().requests() })),
      route("POST", "/v1/aap/faults", async (_p, _q, read) => {
        const rule = await body<AapFaultRule>(read, AAP_FAULT);
        const sim = aap();
        return ok(
          { fault: this.#add("aap", rule, () => sim.faults.inject(structuredClone(rule))) },
          201,
        );
      }),
      route("POST", "/v1/aap/faults/release", () => {
        aap().faults.release();
        return ok({ released: true });
      }),
      // Kubernetes
      route("POST", "/v1/kubernetes/faults", async (_p, _q, read) => {
        const rule = await body<Record<string, unknown> & { type: string }>(read, KUBE_FAULT);
        const faults = kube().faults;
        const { type, ...options } = rule;
        return ok(
          {
            fault: this.#add("kubernetes", rule, () => {
              switch (type) {
                case "conflicts":
                  return faults.conflicts(options as unknown as KubeConflictFaultOptions);
                case "status":
                  return faults.status(options as unknown as KubeStatusFaultOptions);
                case "delay":
                  return faults.delay(options as unknown as KubeDelayFaultOptions);
                default:
                  return faults.watches(options as unknown as KubeWatchFaultOptions);
              }
            }),
          },
          201,
        );
      }),
      route("POST", "/v1/kubernetes/watches/drop", () =>
        ok({ dropped: kube().faults.dropWatches() }),
      ),
      route("POST", "/v1/kubernetes/watches/compact", () => {
        kube().faults.compact();
        return ok({ compacted: true });
      }),
      route("GET", "/v1/kubernetes/requests", () => ok({ requests: kube().requests() })),
      route("GET", "/v1/kubernetes/history", () => ok({ writes: kube().history() })),
      // EDA
      route("POST", "/v1/eda/faults", async (_p, _q, read) => {
        const rule = await body<Record<string, unknown> & { type: string }>(read, EDA_FAULT);
        const faults = eda().faults;
        const { type, ...options } = rule;
        return ok(
          {
            fault: this.#add("eda", rule, () =>
              type === "webhook"
                ? faults.webhook(options as unknown as EdaWebhookFaultRule)
                : type === "hold"
                  ? faults.hold(options)
                  : type === "queue-delay"
                    ? faults.queueDelay(options as unknown as EdaQueueDelayRule)
                    : faults.dropAfterAccept(options),
            ),
          },
          201,
        );
      }),
      route("POST", "/v1/eda/faults/release", () => {
        eda().faults.release();
        return ok({ released: true });
      }),
      route("GET", "/v1/eda/events", () => ok({ events: eda().events() })),
      route("GET", "/v1/eda/effects", () => ok({ effects: eda().effects() })),
      route("POST", "/v1/eda/activation/restart", () => {
        eda().restartActivation();
        return ok({ activation: eda().activationStatus });
      }),
      route("POST", "/v1/eda/pump", async () => {
        await eda().pump();
        return ok({ pumped: true });
      }),
      // Faults of every simulator
      route("GET", "/v1/faults", () => ok({ faults: this.#list() })),
      route("DELETE", "/v1/faults", (_p, query) => {
        const only = query.get("simulator");
        if (only !== null && !["aap", "kubernetes", "eda"].includes(only)) {
          throw new SimServerError(
            "invalid-request",
            'simulator must be "aap", "kubernetes" or "eda"',
            {
              field: "simulator",
            },
          );
        }
        const set = sim();
        if (only === null || only === "aap") set.aap?.faults.clear();
        if (only === null || only === "kubernetes") set.kubernetes?.faults.clear();
        if (only === null || only === "eda") set.eda?.faults.clear();
        const removed: string[] = [];
        for (const [id, { entry }] of this.#faults) {
          if (only === null || entry.simulator === only) {
            this.#faults.delete(id);
            removed.push(id);
          }
        }
        return ok({ removed });
      }),
      route("DELETE", "/v1/faults/([a-z]+-\\d+)", ([id]) => {
        const found = this.#faults.get(id ?? "");
        if (!found) throw new SimServerError("unknown-fault", `no fault rule ${id ?? ""}`);
        found.handle.remove();
        this.#faults.delete(found.entry.id);
        return ok({ fault: { ...found.entry, fired: found.handle.fired } });
      }),
      route("POST", "/v1/faults/seed", async (_p, _q, read) => {
        const b = await body<{ seed: number; simulator?: SimName }>(read, SEED);
        const set = sim();
        if (b.simulator !== undefined) running(set[b.simulator], b.simulator);
        if (b.simulator === undefined || b.simulator === "aap") set.aap?.faults.seed(b.seed);
        if (b.simulator === undefined || b.simulator === "kubernetes")
          set.kubernetes?.faults.seed(b.seed);
        if (b.simulator === undefined || b.simulator === "eda") set.eda?.faults.seed(b.seed);
        return ok({ seed: b.seed });
      }),
    ];
  }

  #add(simulator: SimName, rule: object, inject: () => Handle): SimFaultEntry {
    let handle: Handle;
    try {
      handle = inject();
    } catch (error) {
      throw requestError("", error);
    }
    const id = `${simulator}-${this.#nextFault++}`;
    const entry = { id, simulator, rule: jsonRule(rule) };
    this.#faults.set(id, { entry, handle });
    return { ...entry, fired: 0 };
  }

  #list(): SimFaultEntry[] {
    return [...this.#faults.values()].map(({ entry, handle }) => ({
      ...entry,
      fired: handle.fired,
    }));
  }
}

function running<T>(simulator: T | undefined, name: SimName): T {
  if (simulator === undefined) {
    throw new SimServerError(
      "simulator-not-running",
      `the ${name} simulator is not running in this server`,
    );
  }
  return simulator;
}

function jobOf(job: AapLedgerJob | undefined, id: string | undefined): AapLedgerJob {
  if (!job) throw new SimServerError("unknown-job", `no job ${id ?? ""}`);
  return job;
}

function isTerminal(job: AapLedgerJob): boolean {
  return ["successful", "failed", "error", "canceled"].includes(job.status);
}

function clockOf(set: SimulatorSet): { mode: "virtual" | "system"; now: number } {
  return { mode: set.virtualClock ? "virtual" : "system", now: set.clock.now() };
}

function jsonTimes(times: number): number | "Infinity" {
  return times === Infinity ? "Infinity" : times;
}

/** The rule as JSON shows it (`Infinity` as the string). */
function jsonRule(rule: object): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(rule, (_key, value: unknown) => (value === Infinity ? "Infinity" : value)),
  ) as Record<string, unknown>;
}

/** A simulator's own refusal (RangeError, TypeError, Error) of a valid-shaped request. */
function requestError(field: string, error: unknown): SimServerError {
  const message = error instanceof Error ? error.message : String(error);
  return new SimServerError("invalid-request", message, field === "" ? {} : { field });
}

function errorBody(error: unknown): object {
  if (error instanceof SimServerError) return error.toBody();
  const message = error instanceof Error ? error.message : String(error);
  return new SimServerError("internal", message).toBody();
}

function allowOf(routes: readonly Route[], req: IncomingMessage): string {
  const path = new URL(req.url ?? "/", "http://control").pathname.replace(/\/+$/, "") || "/";
  return routes
    .filter((route) => route.path.test(path))
    .map((route) => route.method)
    .join(", ");
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) {
      throw new SimServerError("invalid-json", `the body is larger than ${MAX_BODY} bytes`, {
        status: 413,
      });
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SimServerError(
      "invalid-json",
      `the body is not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
