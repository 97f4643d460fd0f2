/**
 * The closing table: per resource, every job AAP ran for it (from the simulator's ledger)
 * and the resource's final state (from the Kubernetes API).
 */
import type { AapLedgerJob } from "@provisionkit/testing";
import { table, type Cell } from "./console.js";
import { configVersionOf, operationOf } from "./invariants.js";
import { phaseOf, provisioningOf, shortVersion } from "./observer.js";
import type { ComputeInstance } from "./operator.js";

/** One resource at the end of the story. */
export interface ResourceOutcome {
  name: string;
  /** As the API serves it at the end; undefined once deleted. */
  object: ComputeInstance | undefined;
  /** Its jobs in the AAP ledger, in creation order. */
  jobs: AapLedgerJob[];
}

/** Milestones the notes refer to (epoch ms). */
export interface Milestones {
  startedAt: number;
  /** When the first operator was stopped and when the second one started. */
  restart?: { stoppedAt: number; startedAt: number };
  /** When the story ran `kubectl delete`, per resource. */
  deletedAt?: Record<string, number>;
}

/** How a job status is shown. */
export function statusTone(status: string): Cell["tone"] {
  if (status === "successful") return "good";
  if (status === "failed" || status === "error") return "bad";
  if (status === "canceled") return "note";
  return "busy";
}

function note(job: AapLedgerJob, all: readonly AapLedgerJob[], milestones: Milestones): string {
  const notes: string[] = [];
  const at = (ms: number): string => `+${((ms - milestones.startedAt) / 1000).toFixed(1)}s`;
  if (job.cancelRequestedAt !== undefined)
    notes.push(`cancel requested at ${at(job.cancelRequestedAt)}`);
  const restart = milestones.restart;
  if (
    restart &&
    job.createdAt < restart.stoppedAt &&
    (job.finishedAt ?? Infinity) > restart.stoppedAt
  ) {
    notes.push(
      (job.finishedAt ?? Infinity) < restart.startedAt
        ? "ended while the operator was down"
        : "ran across the operator restart",
    );
  }
  const later = all.slice(all.indexOf(job) + 1);
  if (operationOf(job) === "deprovision" && job.status === "failed" && later.length > 0) {
    notes.push("deletion stayed blocked until the retry");
  }
  return notes.join("; ");
}

/** The final state column: what `kubectl get` says at the end. */
export function finalState(outcome: ResourceOutcome): Cell {
  const { object } = outcome;
  if (!object) return { text: "deleted", tone: "dim" };
  const phase = phaseOf(object);
  const reconciled = provisioningOf(object)?.reconciledConfigVersion;
  const text = `${phase.text} (generation ${object.metadata.generation ?? "?"}, ${shortVersion(reconciled ?? "nothing reconciled")})`;
  return { text, tone: phase.tone === "good" ? "good" : "bad" };
}

/** The summary table's lines. */
export function summaryTable(
  outcomes: readonly ResourceOutcome[],
  milestones: Milestones,
  paint: (cell: Cell) => string,
): string[] {
  const header = [
    "RESOURCE",
    "FINAL STATE",
    "JOB",
    "KIND",
    "TEMPLATE",
    "STATUS",
    "TOOK",
    "CONFIG",
    "NOTE",
  ];
  const rows: Cell[][] = [header.map((text) => ({ text, tone: "dim" }))];
  for (const outcome of outcomes) {
    const first: Cell[] = [{ text: outcome.name, tone: "bold" }, finalState(outcome)];
    if (outcome.jobs.length === 0) rows.push([...first, { text: "(no job)" }]);
    outcome.jobs.forEach((job, i) => {
      const took =
        job.finishedAt === undefined
          ? "running"
          : `${((job.finishedAt - job.createdAt) / 1000).toFixed(1)}s`;
      rows.push([
        ...(i === 0 ? first : [{ text: "" }, { text: "" }]),
        { text: `${job.kind}:${job.id}` },
        { text: operationOf(job) ?? "?" },
        { text: job.templateName },
        { text: job.status, tone: statusTone(job.status) },
        { text: took },
        { text: shortVersion(configVersionOf(job) ?? "") },
        { text: note(job, outcome.jobs, milestones), tone: "dim" },
      ]);
    });
  }
  return table(rows, paint);
}
