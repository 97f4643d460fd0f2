/**
 * Learns how long jobs run from the ones that finished, for the adaptive poll
 * (`DecideInput.expectedDurationMs`).
 *
 * @module
 */
import { ConfigurationError } from "../errors.js";
import type { JobRecord } from "../job-record.js";
import { JobState } from "../job-state.js";

/** Options of {@link JobDurationEstimator}. Every field has a default. */
export interface JobDurationEstimatorOptions {
  /** Samples kept per kind of job, the most recent ones. Default 20. */
  window?: number;
  /**
   * The quantile of a kind's samples given as its estimate, in (0, 1]. Default 0.5 (the
   * median: one outlier, long or short, moves it by at most one sample).
   */
  quantile?: number;
  /** Kinds of job remembered at most; the least recently used is forgotten first. Default 1 000. */
  maxKinds?: number;
  /**
   * A finer kind of job than (provider, type), for example a template or a size the caller
   * can tell from the record; `undefined` for none. Jobs of a finer kind with no finished
   * job yet are estimated from their (provider, type).
   */
  kindOf?: (job: JobRecord) => string | undefined;
  /**
   * A job's sample is the last instant it was seen running (`endedAfter`), but never less
   * than this fraction of when it was seen ended (`finishedAt`): a job that had already
   * ended at its first read, or whose end a completion signal reported, counts as having
   * run this fraction of that time. Below 1, so a kind whose jobs got shorter is learnt
   * (its reads at the old estimate find them ended, and the estimate comes down). In
   * (0, 1). Default 0.75.
   */
  upperBoundFactor?: number;
}

const DEFAULTS = { window: 20, quantile: 0.5, maxKinds: 1000, upperBoundFactor: 0.75 };

interface Sample {
  jobId: string;
  ms: number;
}

/**
 * The expected duration of a job from the durations of the last jobs of its kind that
 * succeeded: a quantile (default the median) of a recent window (default 20) per
 * (provider, job type) and, with `kindOf`, per finer kind. Bounded memory (`window` ×
 * `maxKinds` samples). Pure bookkeeping: no clock, no I/O.
 *
 * A job's duration counts from its launch (`launchedAt`) to the last instant it was known
 * to run (`endedAfter`, the read before the one that saw it end), not to when it was seen
 * ended: what the engine saw includes its own detection latency, which, learnt, would
 * become the next job's latency. Only succeeded jobs count (failures and cancellations
 * often end early); so do no timed-out, cancel-requested or adopted ones.
 *
 * @example
 * ```ts
 * const estimator = new JobDurationEstimator();
 * // for every job record that turned terminal:
 * estimator.record(job);
 * // into every decision:
 * reconcile({ ...args, expectedDurationMs: (job) => estimator.estimate(job) });
 * ```
 */
export class JobDurationEstimator {
  readonly #window: number;
  readonly #quantile: number;
  readonly #maxKinds: number;
  readonly #upperBoundFactor: number;
  readonly #kindOf: ((job: JobRecord) => string | undefined) | undefined;
  readonly #samples = new Map<string, Sample[]>();

  /**
   * @throws ConfigurationError naming the first invalid option.
   */
  constructor(options: JobDurationEstimatorOptions = {}) {
    this.#window = options.window ?? DEFAULTS.window;
    this.#quantile = options.quantile ?? DEFAULTS.quantile;
    this.#maxKinds = options.maxKinds ?? DEFAULTS.maxKinds;
    this.#upperBoundFactor = options.upperBoundFactor ?? DEFAULTS.upperBoundFactor;
    this.#kindOf = options.kindOf;
    for (const [name, value] of [
      ["window", this.#window],
      ["maxKinds", this.#maxKinds],
    ] as const) {
      if (!(Number.isInteger(value) && value >= 1)) {
        throw new ConfigurationError(
          `JobDurationEstimator option ${name} must be an integer >= 1, got ${String(value)}`,
          { details: { option: name } },
        );
      }
    }
    if (!(this.#quantile > 0 && this.#quantile <= 1)) {
      throw new ConfigurationError(
        `JobDurationEstimator option quantile must be in (0, 1], got ${String(this.#quantile)}`,
        { details: { option: "quantile" } },
      );
    }
    if (!(this.#upperBoundFactor > 0 && this.#upperBoundFactor < 1)) {
      throw new ConfigurationError(
        `JobDurationEstimator option upperBoundFactor must be in (0, 1), got ${String(this.#upperBoundFactor)}`,
        { details: { option: "upperBoundFactor" } },
      );
    }
  }

  /**
   * Learn from a job that finished. Returns false, learning nothing, for a job that did not
   * succeed, whose times are missing or unreadable, that was timed out, asked to cancel or
   * adopted, or that was recorded already.
   */
  record(job: JobRecord): boolean {
    const sample = this.#sampleOf(job);
    if (sample === undefined) return false;
    let added = false;
    for (const key of this.#keys(job)) {
      const samples = this.#touch(key);
      if (samples.some((s) => s.jobId === job.jobId)) continue;
      samples.push({ jobId: job.jobId, ms: sample });
      if (samples.length > this.#window) samples.splice(0, samples.length - this.#window);
      added = true;
    }
    return added;
  }

  /**
   * The expected total duration of `job` (from its launch, in ms): the configured quantile
   * of the recent samples of its kind, or of its (provider, type) when its kind has none;
   * `undefined` when neither has any.
   */
  estimate(job: JobRecord): number | undefined {
    for (const key of this.#keys(job).reverse()) {
      const samples = this.#samples.get(key);
      if (!samples || samples.length === 0) continue;
      const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
      const index = Math.min(sorted.length - 1, Math.ceil(this.#quantile * sorted.length) - 1);
      return sorted[Math.max(0, index)];
    }
    return undefined;
  }

  /** How many kinds of job are remembered. */
  get kinds(): number {
    return this.#samples.size;
  }

  #sampleOf(job: JobRecord): number | undefined {
    if (job.state !== JobState.Succeeded) return undefined;
    if (job.awaitingEnd || job.cancelRequestedAt !== undefined || job.reason !== undefined) {
      return undefined;
    }
    const launched = Date.parse(job.launchedAt);
    const finished = Date.parse(job.finishedAt ?? "");
    const ended = Date.parse(job.endedAfter ?? "");
    if (Number.isNaN(launched) || Number.isNaN(finished) || Number.isNaN(ended)) return undefined;
    const upper = finished - launched;
    if (!(upper > 0)) return undefined;
    const lower = Math.min(upper, ended - launched);
    return Math.max(lower, this.#upperBoundFactor * upper);
  }

  #keys(job: JobRecord): string[] {
    const base = `${job.provider}\u0000${job.type}`;
    const kind = this.#kindOf?.(job);
    return kind === undefined ? [base] : [base, `${base}\u0000${kind}`];
  }

  /** The samples of `key`, made the most recently used (forgetting the least one if full). */
  #touch(key: string): Sample[] {
    const samples = this.#samples.get(key) ?? [];
    this.#samples.delete(key);
    this.#samples.set(key, samples);
    while (this.#samples.size > this.#maxKinds) {
      const oldest = this.#samples.keys().next().value;
      if (oldest === undefined) break;
      this.#samples.delete(oldest);
    }
    return samples;
  }
}
