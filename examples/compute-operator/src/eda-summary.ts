/**
 * The EDA story's closing table: per resource, every event the rulebook's webhook received
 * for it (from the EDA simulator's event log, with its fate), the AAP job its rule launched
 * (from the AAP simulator's ledger), what the playbook wrote back, and the resource's final
 * state (from the Kubernetes API).
 */
import { ANNOTATION_CONFIG_VERSION, ANNOTATION_OPERATION } from "@provisionkit/provider-eda";
import type { AapLedgerJob, EdaEffectRecord, EdaEventRecord } from "@provisionkit/testing";
import { table, type Cell } from "./console.js";
import { provisioningOf, shortVersion } from "./observer.js";
import { finalState, statusTone, type Milestones, type ResourceOutcome } from "./summary.js";

/** The parts of an `EdaEventRecord` the table reads. */
export type EventRecord = Pick<
  EdaEventRecord,
  "seq" | "endpoint" | "receivedAt" | "status" | "fate" | "reason" | "event" | "job"
> & { correlationId?: string; operation?: string };

/** The parts of an `EdaEffectRecord` the table reads. */
export type EffectRecord = Pick<EdaEffectRecord, "jobId" | "changes" | "outcome" | "reason">;

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

function payloadMetadata(record: EventRecord): Record<string, unknown> | undefined {
  return asRecord(asRecord(record.event?.payload)?.metadata);
}

/** `namespace/name` of the resource an event's payload carries, if any. */
export function eventResourceKey(record: EventRecord): string | undefined {
  const metadata = payloadMetadata(record);
  const name = metadata?.name;
  if (typeof name !== "string") return undefined;
  const namespace = metadata?.namespace;
  return typeof namespace === "string" ? `${namespace}/${name}` : name;
}

/** The operation an event asks for (its `provisionkit.io/operation` annotation). */
export function eventOperation(record: EventRecord): string | undefined {
  const value = asRecord(payloadMetadata(record)?.annotations)?.[ANNOTATION_OPERATION];
  return typeof value === "string" ? value : record.operation;
}

/** The config version a provision event applies. */
export function eventConfigVersion(record: EventRecord): string | undefined {
  const value = asRecord(payloadMetadata(record)?.annotations)?.[ANNOTATION_CONFIG_VERSION];
  return typeof value === "string" ? value : undefined;
}

/** The events of one resource, in arrival order. */
export function eventsOf<E extends EventRecord>(events: readonly E[], key: string): E[] {
  return events.filter((e) => eventResourceKey(e) === key).sort((a, b) => a.seq - b.seq);
}

/** `<operation> <fate>` of each event of a resource, in arrival order. */
export function eventFates(events: readonly EventRecord[], key: string): string[] {
  return eventsOf(events, key).map((e) => `${eventOperation(e) ?? "?"} ${e.fate}`);
}

function fateTone(fate: string): Cell["tone"] {
  if (fate === "launched") return "good";
  if (fate === "queued") return "busy";
  return "bad";
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** What one resource went through, for the table. */
export interface EdaResourceOutcome extends ResourceOutcome {
  /** `namespace/name`. */
  key: string;
}

/** What the table is made of. */
export interface EdaSummaryInput {
  outcomes: readonly EdaResourceOutcome[];
  events: readonly EventRecord[];
  effects: readonly EffectRecord[];
  milestones: Milestones;
}

/** The note of an event's row: what became of it, beyond its fate and its job's status. */
export function eventNote(
  outcome: EdaResourceOutcome,
  event: EventRecord,
  job: AapLedgerJob | undefined,
  input: EdaSummaryInput,
): string {
  const notes: string[] = [];
  const at = (ms: number): string => `+${seconds(ms - input.milestones.startedAt)}`;
  if (event.fate === "lost" || event.fate === "rejected" || event.fate === "launch-failed") {
    notes.push(`${event.fate}${event.reason ? `: ${event.reason}` : ""}`);
  }
  const record = provisioningOf(outcome.object)?.jobs.find(
    (r) => event.correlationId !== undefined && r.correlationId === event.correlationId,
  );
  if (record?.state === "Failed" && /timed out/.test(record.message)) {
    const end = record.finishedAt ? Date.parse(record.finishedAt) : Number.NaN;
    const took = end - Date.parse(record.launchedAt);
    const after = Number.isFinite(took) ? ` after ${seconds(took)}` : "";
    notes.push(`the provider timed it out${after} (Failed); the engine sent it again`);
  }
  const effect = job && input.effects.find((e) => e.jobId === job.id);
  if (effect?.outcome === "failed") {
    notes.push(`write-back FAILED: ${effect.reason ?? "unknown reason"}`);
  } else if (effect?.changes.includes("failure")) {
    notes.push("the playbook wrote the failure annotation: Failed at once");
  } else if (effect?.outcome === "applied") {
    notes.push(`written back: ${effect.changes.join(", ")}`);
  }
  const deletedAt = input.milestones.deletedAt?.[outcome.name];
  if (eventOperation(event) === "deprovision" && deletedAt !== undefined) {
    const running = outcome.jobs.find(
      (j) => j.createdAt < deletedAt && (j.finishedAt ?? Infinity) > deletedAt && j.id !== job?.id,
    );
    if (running) {
      notes.push(
        `kubectl delete at ${at(deletedAt)} while ${running.kind}:${running.id} ran; sent once it ` +
          `had ended (${at(running.finishedAt ?? Infinity)})`,
      );
    }
  }
  return shortVersion(notes.join("; "));
}

/** The summary table's rows (with the header). */
export function edaSummaryRows(input: EdaSummaryInput): Cell[][] {
  const header = [
    "RESOURCE",
    "FINAL STATE",
    "EVENT",
    "KIND",
    "SENT",
    "FATE",
    "JOB",
    "STATUS",
    "TOOK",
    "CONFIG",
    "NOTE",
  ];
  const rows: Cell[][] = [header.map((text) => ({ text, tone: "dim" }))];
  const since = (ms: number): string => `+${seconds(ms - input.milestones.startedAt)}`;
  for (const outcome of input.outcomes) {
    const first: Cell[] = [{ text: outcome.name, tone: "bold" }, finalState(outcome)];
    const lead = (i: number): Cell[] => (i === 0 ? first : [{ text: "" }, { text: "" }]);
    const jobCells = (job: AapLedgerJob | undefined): Cell[] =>
      job
        ? [
            { text: `${job.kind}:${job.id}` },
            { text: job.status, tone: statusTone(job.status) },
            {
              text:
                job.finishedAt === undefined ? "running" : seconds(job.finishedAt - job.createdAt),
            },
          ]
        : [{ text: "-" }, { text: "" }, { text: "" }];
    const events = eventsOf(input.events, outcome.key);
    const linked = new Set(events.flatMap((e) => (e.job ? [e.job.id] : [])));
    const strays = outcome.jobs.filter((job) => !linked.has(job.id));
    if (events.length === 0 && strays.length === 0) rows.push([...first, { text: "(no event)" }]);
    events.forEach((event, i) => {
      const job = event.job && outcome.jobs.find((j) => j.id === event.job?.id);
      rows.push([
        ...lead(i),
        { text: `#${event.seq}` },
        { text: eventOperation(event) ?? "?" },
        { text: since(event.receivedAt) },
        { text: event.fate, tone: fateTone(event.fate) },
        ...jobCells(job),
        { text: shortVersion(eventConfigVersion(event) ?? "") },
        { text: eventNote(outcome, event, job, input), tone: "dim" },
      ]);
    });
    strays.forEach((job, i) => {
      rows.push([
        ...lead(events.length + i),
        { text: "-" },
        { text: "?" },
        { text: "" },
        { text: "no event", tone: "bad" },
        ...jobCells(job),
        { text: "" },
        { text: "launched by no event the webhook received", tone: "bad" },
      ]);
    });
  }
  return rows;
}

/** The summary table's lines. */
export function edaSummaryTable(input: EdaSummaryInput, paint: (cell: Cell) => string): string[] {
  return table(edaSummaryRows(input), paint);
}
