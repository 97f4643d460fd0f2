/**
 * The simulated playbooks: when a job of one of the rules' templates ends, whoever
 * launched it, its playbook writes back onto the Kubernetes resource through the API
 * (JSON merge patch with a resourceVersion precondition, re-read and retried on 409).
 *
 * @module
 */
import type { AapLedgerJob } from "../aap/records.js";
import type { Clock } from "../clock.js";
import type { AapClient } from "./aap-client.js";
import type { ClientResponse } from "./http-client.js";
import type { KubeClient, ObjectLocation } from "./kube-client.js";
import type { ResolvedPlaybook } from "./options.js";
import { asRecord, resourceKey } from "./payload.js";
import { planPlaybook, type MetadataMutation } from "./playbook-plan.js";
import type { EdaEffectRecord, EdaEffectResource } from "./records.js";
import { EXTERNAL_EFFECTS } from "./types.js";

/** What the playbook runner needs. */
export interface PlaybookDeps {
  /** Playbook settings. */
  readonly settings: ResolvedPlaybook;
  /** Whether a job's template is one of the rules' templates. */
  readonly covers: (job: AapLedgerJob) => boolean;
  /** The Kubernetes API, if any. */
  readonly kube: KubeClient | undefined;
  /** The AAP API (for job explanations). */
  readonly aap: AapClient;
  /** Clock of the records. */
  readonly clock: Clock;
  /** Receives each effect record. */
  readonly record: (effect: EdaEffectRecord) => void;
}

/** The outcome of one write. */
type WriteResult = Pick<
  EdaEffectRecord,
  "changes" | "outcome" | "reason" | "httpStatus" | "attempts"
>;

/** Lost write-backs first, then by when they are due. */
function order(due: number | "lost"): number {
  return due === "lost" ? Number.NEGATIVE_INFINITY : due;
}

function statusMessage(response: ClientResponse): string {
  const message = asRecord(response.json)?.message;
  return typeof message === "string" ? message : response.text.slice(0, 200);
}

function failed(
  response: ClientResponse,
  what: string,
  partial: Partial<WriteResult>,
): WriteResult {
  return {
    changes: partial.changes ?? [],
    attempts: partial.attempts ?? 0,
    outcome: "failed",
    httpStatus: response.status,
    reason: `${what} answered HTTP ${response.status}: ${statusMessage(response)}`,
  };
}

/** The reason recorded for a write-back lost by an injected fault. */
export const LOST_WRITE_BACK = "write-back lost (injected fault)";

/** Runs playbooks for the jobs that ended, each job once. */
export class PlaybookRunner {
  readonly #deps: PlaybookDeps;
  readonly #seen = new Set<number>();
  /** Jobs whose write-back fault was asked for: when they write (epoch ms), or lost. */
  readonly #due = new Map<number, number | "lost">();

  /** @param deps - Settings, clients, clock and the effect log. */
  constructor(deps: PlaybookDeps) {
    this.#deps = deps;
  }

  /**
   * Plays the effects of every covered job that is terminal and was not played yet, once
   * its write-back is due (see `EdaPlaybookOptions.writeBack`); a lost one is recorded
   * `skipped`.
   */
  async run(jobs: readonly AapLedgerJob[]): Promise<void> {
    const now = this.#deps.clock.now();
    const ended = jobs
      .filter((job) => job.finishedAt !== undefined && !this.#seen.has(job.id))
      .filter((job) => this.#deps.covers(job))
      .map((job) => ({ job, due: this.#dueOf(job) }))
      .filter(({ due }) => due === "lost" || due <= now)
      .sort((a, b) => order(a.due) - order(b.due) || a.job.id - b.job.id);
    for (const { job, due } of ended) {
      this.#seen.add(job.id);
      this.#due.delete(job.id);
      this.#deps.record(due === "lost" ? this.#lost(job) : await this.#play(job));
    }
  }

  #dueOf(job: AapLedgerJob): number | "lost" {
    // The real playbook wrote (or did not write) while the job ran: nothing is due.
    if (this.#deps.settings.effects === "external") return job.finishedAt ?? 0;
    const known = this.#due.get(job.id);
    if (known !== undefined) return known;
    const fault = this.#deps.settings.writeBack(job);
    const delay = fault?.delayMs ?? 0;
    if (!Number.isFinite(delay) || delay < 0) {
      throw new RangeError(`writeBack delayMs must be a non-negative number, got ${delay}`);
    }
    const due = fault?.lost === true ? "lost" : (job.finishedAt ?? 0) + delay;
    this.#due.set(job.id, due);
    return due;
  }

  #lost(job: AapLedgerJob): EdaEffectRecord {
    return {
      at: this.#deps.clock.now(),
      jobId: job.id,
      jobKind: job.kind,
      templateName: job.templateName,
      jobStatus: job.status,
      jobFinishedAt: job.finishedAt ?? this.#deps.clock.now(),
      ...(job.resourceKey === undefined ? {} : { resourceKey: job.resourceKey }),
      changes: [],
      outcome: "skipped",
      reason: LOST_WRITE_BACK,
      attempts: 0,
    };
  }

  /** The effect of a job whose real playbook writes its effects: nothing written here. */
  #external(job: AapLedgerJob): EdaEffectRecord {
    return {
      at: this.#deps.clock.now(),
      jobId: job.id,
      jobKind: job.kind,
      templateName: job.templateName,
      jobStatus: job.status,
      jobFinishedAt: job.finishedAt ?? this.#deps.clock.now(),
      ...(job.resourceKey === undefined ? {} : { resourceKey: job.resourceKey }),
      changes: [],
      outcome: "skipped",
      reason: EXTERNAL_EFFECTS,
      attempts: 0,
    };
  }

  async #play(job: AapLedgerJob): Promise<EdaEffectRecord> {
    if (this.#deps.settings.effects === "external") return this.#external(job);
    const { settings, kube, aap, clock } = this.#deps;
    const plan = await planPlaybook(settings, job, async () => {
      const explanation = await aap.jobExplanation(job.kind, job.id);
      return explanation ?? `job ${job.id} ended ${job.status}`;
    });
    const base = {
      jobId: job.id,
      jobKind: job.kind,
      templateName: job.templateName,
      jobStatus: job.status,
      jobFinishedAt: job.finishedAt ?? clock.now(),
      ...(plan.resource
        ? { resource: plan.resource, resourceKey: resourceKey(plan.resource) }
        : {}),
      ...(plan.operation === undefined ? {} : { operation: plan.operation }),
      ...(plan.correlationId === undefined ? {} : { correlationId: plan.correlationId }),
    };
    if (plan.kind === "skip") {
      return {
        at: clock.now(),
        ...base,
        changes: [],
        outcome: "skipped",
        reason: plan.reason,
        attempts: 0,
      };
    }
    if (!kube) {
      const reason = "no Kubernetes connection: the playbook writes nothing";
      return { at: clock.now(), ...base, changes: [], outcome: "skipped", reason, attempts: 0 };
    }
    const result = await this.#write(kube, this.#location(plan.resource), plan.mutation);
    return { at: clock.now(), ...base, ...result };
  }

  #location(resource: EdaEffectResource): ObjectLocation {
    const plural = this.#deps.settings.plurals[resource.kind] ?? `${resource.kind.toLowerCase()}s`;
    return {
      apiVersion: resource.apiVersion,
      plural,
      namespace: resource.namespace,
      name: resource.name,
    };
  }

  /** GET, compute, PATCH with the read resourceVersion; on 409 start over (bounded). */
  async #write(
    kube: KubeClient,
    location: ObjectLocation,
    mutation: MetadataMutation,
  ): Promise<WriteResult> {
    let attempts = 0;
    try {
      for (;;) {
        const read = await kube.get(location);
        if (read.status !== 200) return failed(read, "GET", { attempts });
        const metadata = asRecord(asRecord(read.json)?.metadata) ?? {};
        const { fields, changes } = mutation(metadata);
        if (changes.length === 0) return { changes, attempts, outcome: "unchanged" };
        const patch = { metadata: { ...fields, resourceVersion: metadata.resourceVersion } };
        attempts += 1;
        const written = await kube.mergePatch(location, patch);
        if (written.status === 200 || written.status === 201) {
          return { changes, attempts, outcome: "applied" };
        }
        const retry = written.status === 409 && attempts <= this.#deps.settings.conflictRetries;
        if (!retry) return failed(written, "PATCH", { changes, attempts });
      }
    } catch (error) {
      return { changes: [], attempts, outcome: "failed", reason: (error as Error).message };
    }
  }
}
