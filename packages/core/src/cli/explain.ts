import { findCondition } from "../conditions.js";
import type { JobRecord } from "../job-record.js";
import { isTerminal } from "../job-state.js";
import { defaultStatusMapping } from "../kubernetes/status-mapping.js";
import {
  LAUNCH_RESOLUTION_ANNOTATION,
  OBSERVE_ONLY_ANNOTATION,
  PAUSE_ANNOTATION,
} from "../kubernetes/options.js";
import type { ResourceObject } from "../resource.js";
import type { ProvisioningStatus } from "../status.js";
import { jobPhases, type JobPhaseName } from "../tracing/timing.js";

/** One phase of a job in an {@link ExplainReport}. */
export interface ExplainPhase {
  /** Phase name (see `jobPhases`). */
  name: JobPhaseName;
  /** What it is, in words. */
  description: string;
  /** Start, ms from the job's launch. */
  startMs: number;
  /** Duration in ms (up to now for an ongoing phase). */
  durationMs: number;
  /** True while the phase goes on. */
  ongoing: boolean;
}

/** One job in an {@link ExplainReport}. */
export interface ExplainJob {
  /** Backend job id. */
  jobId: string;
  /** Provision or deprovision. */
  type: JobRecord["type"];
  /** Last known state. */
  state: JobRecord["state"];
  /** The provider that launched it. */
  provider: string;
  /** Attempt number. */
  attempt: number;
  /** Config version (provision jobs). */
  configVersion?: string;
  /** When it was launched (ISO-8601). */
  launchedAt: string;
  /** Reason of the last state, when recorded. */
  reason?: string;
  /** Last message. */
  message: string;
  /** From the first known instant to the last, ms (up to now for an active job). */
  totalMs?: number;
  /** The phases, in order; empty for records written before timing existed. */
  phases: ExplainPhase[];
  /** The job span's W3C trace context, when traced. */
  traceparent?: string;
}

/** What `provisionkit explain` prints, as data (`--output json`). */
export interface ExplainReport {
  /** `kind/name`. */
  resource: string;
  /** The namespace, for a namespaced resource. */
  namespace?: string;
  /** Desired config version. */
  desiredConfigVersion?: string;
  /** Reconciled config version. */
  reconciledConfigVersion?: string;
  /** Ready condition status, when there is one. */
  ready?: string;
  /** What the controller is waiting for now, in words. */
  waitingFor: string;
  /** The jobs, oldest first. */
  jobs: ExplainJob[];
}

/** Options of {@link explainResource}. */
export interface ExplainOptions {
  /** Current time, epoch ms. */
  now: number;
  /** Key of the engine's data under `status` (the controller's `defaultStatusMapping` field). Default `provisioning`. */
  statusField?: string;
}

/**
 * The report on a resource as the controller left it: its jobs with their phases (from each
 * record's `timing`) and what the controller waits for now, derived from its status.
 *
 * @throws InvalidStatusError when the resource's status cannot be read.
 */
export function explainResource(object: ResourceObject, options: ExplainOptions): ExplainReport {
  const status = defaultStatusMapping(options.statusField).read(object);
  const report: ExplainReport = {
    resource: `${object.kind ?? "object"}/${object.metadata.name}`,
    waitingFor: waitingFor(object, status, options.now),
    jobs: (status?.jobs ?? []).map((job) => explainJob(job, options.now)),
  };
  if (object.metadata.namespace) report.namespace = object.metadata.namespace;
  if (status?.desiredConfigVersion) report.desiredConfigVersion = status.desiredConfigVersion;
  if (status?.reconciledConfigVersion) {
    report.reconciledConfigVersion = status.reconciledConfigVersion;
  }
  const ready = status && findCondition(status.conditions, "Ready");
  if (ready) report.ready = ready.status;
  return report;
}

function explainJob(job: JobRecord, now: number): ExplainJob {
  const t0 = Date.parse(job.launchedAt);
  const active = !isTerminal(job.state) || job.awaitingEnd === true;
  const nowMs = Number.isFinite(t0) ? now - t0 : 0;
  const phases = jobPhases(job).map((p): ExplainPhase => {
    const ongoing = p.endMs === undefined && active;
    const end = p.endMs ?? (ongoing ? Math.max(nowMs, p.startMs) : p.startMs);
    return {
      name: p.name,
      description: p.description,
      startMs: p.startMs,
      durationMs: end - p.startMs,
      ongoing,
    };
  });
  const out: ExplainJob = {
    jobId: job.jobId,
    type: job.type,
    state: job.state,
    provider: job.provider,
    attempt: job.attempt,
    launchedAt: job.launchedAt,
    message: job.message,
    phases,
  };
  if (job.configVersion !== undefined) out.configVersion = job.configVersion;
  if (job.reason !== undefined) out.reason = job.reason;
  if (job.traceparent !== undefined) out.traceparent = job.traceparent;
  if (phases.length > 0) {
    const first = Math.min(...phases.map((p) => p.startMs));
    const last = Math.max(...phases.map((p) => p.startMs + p.durationMs));
    out.totalMs = last - first;
  } else if (active && Number.isFinite(t0)) {
    out.totalMs = nowMs;
  }
  return out;
}

/** What the controller waits for now, in words, from the resource and its status. */
export function waitingFor(
  object: ResourceObject,
  status: ProvisioningStatus | undefined,
  now: number,
): string {
  const annotations = object.metadata.annotations ?? {};
  if (annotations[PAUSE_ANNOTATION] === "true") {
    return `nothing: paused by annotation ${PAUSE_ANNOTATION}`;
  }
  const observe =
    annotations[OBSERVE_ONLY_ANNOTATION] === "true"
      ? ` (observe-only: launches and cancels are withheld)`
      : "";
  const deleting = Boolean(object.metadata.deletionTimestamp);
  if (!status) {
    return deleting
      ? "deletion: nothing was provisioned yet; the finalizer is released at the next reconcile"
      : `a first reconcile (no status yet)${observe}`;
  }
  const at = (iso: string | undefined) => {
    const t = Date.parse(iso ?? "");
    if (!Number.isFinite(t)) return "";
    const left = t - now;
    return left > 0 ? `${iso} (in ${duration(left)})` : `${iso} (due now)`;
  };
  const unknown = findCondition(status.conditions, "LaunchOutcomeUnknown");
  if (status.pendingLaunch) {
    const p = status.pendingLaunch;
    if (unknown?.status === "True") {
      return (
        `a human: the outcome of the ${p.type} launch ${p.correlationId} is unknown; find the job in the backend ` +
        `and set annotation ${LAUNCH_RESOLUTION_ANNOTATION}${observe}`
      );
    }
    return p.lookupAfter
      ? `the ${p.type} launch ${p.correlationId} (outcome unknown): looking its job up again at ${at(p.lookupAfter)}${observe}`
      : `the ${p.type} launch ${p.correlationId}, under way since ${p.createdAt}${observe}`;
  }
  const active = status.jobs.filter((j) => !isTerminal(j.state) || j.awaitingEnd === true);
  const job = active.at(-1);
  if (job) {
    const since = Date.parse(job.launchedAt);
    const age = Number.isFinite(since) ? ` for ${duration(now - since)}` : "";
    const readError = job.statusError
      ? `; status reads fail (${job.statusError.code}), next try at ${at(job.statusError.retryAt)}`
      : "";
    const next = job.nextCheckAt ? `; next check at ${at(job.nextCheckAt)}` : "";
    const cancel = job.cancelRequestedAt ? `; cancel requested at ${job.cancelRequestedAt}` : "";
    return `${job.type} job ${job.jobId} (${job.provider}), ${job.state}${age}${cancel}${readError}${next}${observe}`;
  }
  if (status.launchFailure) {
    const f = status.launchFailure;
    return `a retry of the failed ${f.type} launch (${f.code}, ${f.count}× in a row) at ${at(f.retryAt)}${observe}`;
  }
  if (deleting) {
    const blocked = findCondition(status.conditions, "DeletionBlocked");
    if (blocked?.status === "True") {
      return `deletion blocked (${blocked.reason}): ${blocked.message}`;
    }
    if (status.deprovisionWaitUntil) {
      return `the provider, before the deprovision can start: asking again at ${at(status.deprovisionWaitUntil)}`;
    }
    return "deletion: the deprovision's outcome to release the finalizer";
  }
  if (
    status.desiredConfigVersion &&
    status.desiredConfigVersion !== status.reconciledConfigVersion
  ) {
    return `a provision of config version ${status.desiredConfigVersion} (launched at the next reconcile)${observe}`;
  }
  return `nothing: Ready, config version ${status.reconciledConfigVersion ?? "(none)"} applied${observe}`;
}

/** `ms` as a short human duration: `850ms`, `12.3s`, `4m05s`, `2h03m`. */
export function duration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)}ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(1)}s`;
  if (a < 3_600_000) {
    const m = Math.floor(a / 60_000);
    return `${sign}${m}m${String(Math.floor((a % 60_000) / 1000)).padStart(2, "0")}s`;
  }
  const h = Math.floor(a / 3_600_000);
  return `${sign}${h}h${String(Math.floor((a % 3_600_000) / 60_000)).padStart(2, "0")}m`;
}

const BAR = 30;

/** The report as text, at most 80 columns wide. */
export function renderExplain(report: ExplainReport): string {
  const lines: string[] = [];
  const where = report.namespace ? ` in namespace ${report.namespace}` : "";
  lines.push(`${report.resource}${where}`);
  if (report.ready) lines.push(`  Ready: ${report.ready}`);
  if (report.desiredConfigVersion)
    lines.push(`  desired:    ${short(report.desiredConfigVersion, 66)}`);
  if (report.reconciledConfigVersion) {
    lines.push(`  reconciled: ${short(report.reconciledConfigVersion, 66)}`);
  }
  lines.push(...wrap(`Waiting for: ${report.waitingFor}`, 80, "  "));
  if (report.jobs.length === 0) lines.push("", "No jobs on record.");
  for (const job of report.jobs) {
    lines.push("");
    const total = job.totalMs === undefined ? "" : `, ${duration(job.totalMs)}`;
    lines.push(
      short(
        `${job.type} ${job.jobId} · ${job.state}${job.reason ? ` (${job.reason})` : ""} · ${job.provider} · attempt ${job.attempt}${total}`,
        80,
      ),
    );
    lines.push(
      `  launched ${job.launchedAt}${job.configVersion ? ` · ${short(job.configVersion, 36)}` : ""}`,
    );
    if (job.phases.length === 0) {
      lines.push("  (no timing recorded: written by an older version, or adopted)");
      continue;
    }
    const first = Math.min(...job.phases.map((p) => p.startMs));
    const span = Math.max(1, job.totalMs ?? 1);
    for (const p of job.phases) {
      const from = Math.floor(((p.startMs - first) / span) * BAR);
      const width = Math.max(1, Math.round((p.durationMs / span) * BAR));
      const bar = `${" ".repeat(Math.min(from, BAR - 1))}${"#".repeat(Math.min(width, BAR - Math.min(from, BAR - 1)))}`;
      const name = p.name.padEnd(15);
      const start = (p.startMs >= 0 ? `+${duration(p.startMs)}` : duration(p.startMs)).padStart(9);
      const dur = `${duration(p.durationMs)}${p.ongoing ? "…" : ""}`.padStart(9);
      lines.push(`  ${name}${start}${dur}  |${bar.padEnd(BAR)}|`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function short(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function wrap(text: string, width: number, indent: string): string[] {
  const words = text.split(" ");
  const out: string[] = [];
  let line = "";
  for (const word of words) {
    const next = line ? `${line} ${word}` : word;
    if (next.length > width - indent.length && line) {
      out.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) out.push(line);
  return out.map((l, i) => (i === 0 ? l : `${indent}${l}`));
}
