/**
 * Watches the ComputeInstances and the operator's events through the Kubernetes API (what
 * `kubectl get computeinstances -w` and `kubectl get events -w` show), logs what changes,
 * and keeps the live table up to date.
 */
import {
  ConditionType,
  isTerminal,
  type JobRecord,
  type ProvisioningStatus,
} from "@provisionkit/core";
import { defaultStatusMapping } from "@provisionkit/core/kubernetes";
import type { Cell, DemoConsole, Tone } from "./console.js";
import { table } from "./console.js";
import type { Kubectl } from "./kubectl.js";
import type { ComputeInstance } from "./operator.js";

const mapping = defaultStatusMapping();

/**
 * The provisioning status of an object as the operator wrote it: undefined before the first
 * write, and for a status that is not one (which the checks then report).
 */
export function provisioningOf(
  object: ComputeInstance | undefined,
): ProvisioningStatus | undefined {
  try {
    return object ? mapping.read(object) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a condition of the object is True. */
export function conditionIsTrue(object: ComputeInstance | undefined, type: string): boolean {
  return (
    provisioningOf(object)?.conditions.some((c) => c.type === type && c.status === "True") ?? false
  );
}

/** `sha256:0123456789abcdef…` → `sha256:01234567`, for narrow columns and log lines. */
export function shortVersion(text: string): string {
  return text.replace(/sha256:([0-9a-f]{8})[0-9a-f]+/g, "sha256:$1");
}

/**
 * Long identifiers made short for the log and the table: provider-eda's synthetic job ids
 * (`eda:provision:<correlation id>:<sent at>:<version>` → `eda:provision:1a2b3c4d`), UUIDs
 * and config versions.
 */
export function brief(text: string): string {
  return shortVersion(
    text
      .replace(
        /eda:(provision|deprovision):([0-9a-f]{8})[0-9a-f-]*:\d+(?::sha256:[0-9a-f]+)?/g,
        "eda:$1:$2",
      )
      .replace(/\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, "$1…"),
  );
}

/** What a user would call the state of the resource. */
export function phaseOf(object: ComputeInstance | undefined): Cell {
  if (!object) return { text: "deleted", tone: "dim" };
  const status = provisioningOf(object);
  if (object.metadata.deletionTimestamp) {
    return conditionIsTrue(object, ConditionType.DeletionBlocked)
      ? { text: "DeletionBlocked", tone: "bad" }
      : { text: "Deleting", tone: "busy" };
  }
  if (conditionIsTrue(object, ConditionType.Ready)) return { text: "Ready", tone: "good" };
  if (!status || status.jobs.length === 0) return { text: "Pending", tone: "busy" };
  if (status.reconciledConfigVersion === undefined) return { text: "Provisioning", tone: "busy" };
  return { text: "Updating", tone: "busy" };
}

function stateTone(job: JobRecord): Tone {
  if (job.state === "Succeeded") return "good";
  if (job.state === "Failed") return "bad";
  if (job.state === "Canceled") return "note";
  return "busy";
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

interface Tracked {
  object: ComputeInstance | undefined;
  phase: string | undefined;
  /** The watched annotations and finalizers as last logged. */
  metadata?: Map<string, string | undefined>;
  /** When the API first answered without it (its finalizer was released). */
  goneAt?: number;
}

/** What else the observer shows, besides phases, conditions, jobs and events. */
export interface ObserverOptions {
  /** Poll interval, ms. Default 200. */
  intervalMs?: number;
  /** Annotations whose changes are logged (the `kubectl get -o yaml` a user would diff). */
  annotations?: readonly string[];
  /** Finalizers whose arrival and removal are logged. */
  finalizers?: readonly string[];
  /** One more column of the live table. */
  column?: { title: string; cell: (object: ComputeInstance) => Cell };
}

/** The demo's `kubectl get -w`. */
export class Observer {
  private readonly tracked = new Map<string, Tracked>();
  private readonly seenEvents = new Set<string>();
  private readonly reasons = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Shown above the table: what the operator is doing. */
  operatorState = "starting";

  private readonly intervalMs: number;

  constructor(
    private readonly kubectl: Kubectl,
    private readonly out: DemoConsole,
    private readonly options: ObserverOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 200;
  }

  /** The reasons of the Kubernetes events seen so far for a resource. */
  reasonsSeen(name: string): ReadonlySet<string> {
    return this.reasons.get(name) ?? new Set();
  }

  /** Show this resource in the table from now on (in the order tracked). */
  track(name: string): void {
    if (!this.tracked.has(name)) this.tracked.set(name, { object: undefined, phase: undefined });
  }

  /** Start polling. */
  start(): void {
    const loop = (): void => {
      this.running = this.poll().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs);
      });
    };
    loop();
  }

  /** Stop polling, after one last look. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.poll();
  }

  /** Read objects and events once, log what changed, redraw. */
  async poll(): Promise<void> {
    try {
      const [objects, events] = await Promise.all([this.kubectl.list(), this.kubectl.events()]);
      const byName = new Map(objects.map((o) => [o.metadata.name, o]));
      const fresh = events
        .filter((e) => e.metadata.name && !this.seenEvents.has(e.metadata.name))
        .sort((a, b) => time(a.firstTimestamp) - time(b.firstTimestamp));
      for (const event of fresh) {
        this.seenEvents.add(event.metadata.name ?? "");
        const subject = event.involvedObject.name ?? "";
        this.track(subject);
        const reasons = this.reasons.get(subject) ?? new Set<string>();
        reasons.add(event.reason ?? "");
        this.reasons.set(subject, reasons);
        const warning = event.type === "Warning";
        this.out.event(
          subject,
          `event ${event.reason ?? ""}: ${brief(event.message ?? "")}`,
          warning ? "bad" : "plain",
        );
      }
      for (const [name, entry] of this.tracked) {
        const object = byName.get(name);
        if (!object && entry.phase === undefined) continue; // not created yet
        if (object) {
          entry.object = object;
          this.logMetadata(name, entry, object);
        } else entry.goneAt ??= Date.now();
        const phase = phaseOf(object);
        if (phase.text !== entry.phase) {
          if (entry.phase !== undefined) {
            const blocked = provisioningOf(object)?.conditions.find(
              (c) => c.type === ConditionType.DeletionBlocked && c.status === "True",
            );
            const why = blocked ? `: ${blocked.message}` : "";
            this.out.event(name, `${entry.phase} → ${phase.text}${why}`, phase.tone);
          }
          entry.phase = phase.text;
        }
      }
    } catch (error) {
      this.out.event("", `could not read the API: ${String(error)}`, "bad");
    }
    this.redraw();
  }

  /** Logs the watched annotations and finalizers that changed since the last look. */
  private logMetadata(name: string, entry: Tracked, object: ComputeInstance): void {
    const { annotations = [], finalizers = [] } = this.options;
    if (annotations.length === 0 && finalizers.length === 0) return;
    const now = new Map<string, string | undefined>();
    for (const key of annotations) now.set(key, object.metadata.annotations?.[key]);
    for (const key of finalizers) {
      now.set(`finalizer ${key}`, object.metadata.finalizers?.includes(key) ? "set" : undefined);
    }
    const before = entry.metadata ?? new Map<string, string | undefined>();
    const changes: string[] = [];
    for (const [key, value] of now) {
      if (value === before.get(key)) continue;
      if (key.startsWith("finalizer ")) changes.push(`${key} ${value ? "added" : "removed"}`);
      else changes.push(value === undefined ? `annotation ${key} removed` : `${key}=${value}`);
    }
    entry.metadata = now;
    if (changes.length > 0) this.out.event(name, `metadata: ${brief(changes.join(", "))}`, "note");
  }

  /** The live table. */
  redraw(now = Date.now()): void {
    if (!this.out.live) return;
    const column = this.options.column;
    const titles = ["RESOURCE", "PHASE", "CONDITIONS", "JOB", "STATE", "ELAPSED"];
    if (column) titles.splice(3, 0, column.title);
    const header: Cell[] = titles.map((text) => ({ text, tone: "dim" }));
    const rows: Cell[][] = [header];
    for (const [name, entry] of this.tracked) {
      if (!entry.phase) continue;
      if (entry.goneAt !== undefined) {
        const since = `finalizer released at ${this.out.clock(entry.goneAt).trim()}`;
        rows.push([
          { text: name, tone: "bold" },
          phaseOf(undefined),
          { text: "-" },
          ...(column ? [{ text: "" }] : []),
          { text: since, tone: "dim" },
        ]);
        continue;
      }
      const object = entry.object;
      const status = provisioningOf(object);
      const conditions =
        status?.conditions.filter((c) => c.status === "True").map((c) => c.type) ?? [];
      const job = status?.jobs.at(-1);
      const row: Cell[] = [
        { text: name, tone: "bold" },
        phaseOf(object),
        { text: conditions.join(" ") || "-" },
      ];
      if (column) row.push(object ? column.cell(object) : { text: "" });
      if (job) {
        const cancel = job.cancelRequestedAt && !isTerminal(job.state) ? " (cancel asked)" : "";
        const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
        row.push(
          { text: `${job.type} ${brief(job.jobId)}` },
          { text: `${job.state}${cancel}`, tone: stateTone(job) },
          {
            text: seconds(end - Date.parse(job.launchedAt)),
            tone: isTerminal(job.state) ? "dim" : "plain",
          },
        );
      } else {
        row.push({ text: "-" }, { text: "" }, { text: "" });
      }
      rows.push(row);
    }
    const title = `ComputeInstances in namespace ${this.kubectl.namespace}  ·  operator: ${this.operatorState}  ·  ${this.out.clock(now).trim()}`;
    this.out.setPanel([
      "",
      this.out.paint({ text: title, tone: "bold" }),
      ...table(rows, this.out.paint).map((line) => `  ${line}`),
    ]);
  }
}

function time(value: Date | string | undefined): number {
  if (value === undefined) return 0;
  return value instanceof Date ? value.getTime() : Date.parse(value);
}
