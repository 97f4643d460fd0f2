/**
 * The Kubernetes runtime's side of {@link Provider.jobSignals}: subscribes to every
 * provider that offers signals, maps a signaled job id to the object whose status records
 * it, and queues that object with the job id marked as signaled, so that the engine reads
 * the job now instead of at its next scheduled poll.
 *
 * @module
 */
import { isTerminal } from "../job-state.js";
import type { Logger } from "../logger.js";
import type { JobSignal, JobSignalSubscription, Provider } from "../provider.js";
import type { ProvisioningStatus } from "../status.js";

/** Default of {@link JobSignalRouterOptions.maxIndexedJobs}. */
export const DEFAULT_MAX_INDEXED_JOBS = 100_000;
/** Default of {@link JobSignalRouterOptions.maxEarlySignals}. */
export const DEFAULT_MAX_EARLY_SIGNALS = 1_024;
/** Default of {@link JobSignalRouterOptions.earlySignalTtlMs}. */
export const DEFAULT_EARLY_SIGNAL_TTL_MS = 60_000;

/** Options of {@link JobSignalRouter}. */
export interface JobSignalRouterOptions {
  /** The providers; those without `jobSignals` are skipped. */
  readonly providers: readonly Provider<never>[];
  /** Queues a reconcile of an object key now. */
  readonly enqueue: (key: string) => void;
  /** Where subscription failures and ignored signals are logged (secret-free fields). */
  readonly logger: Logger;
  /** The clock, epoch ms (for the early-signal buffer). */
  readonly clock: () => number;
  /**
   * Most jobs indexed at once (job id → object key); the oldest entry is dropped beyond
   * it (its job then only loses the signal's latency gain). Default 100,000.
   */
  readonly maxIndexedJobs?: number;
  /**
   * Most signals kept for jobs not indexed yet (a job may end before the status recording
   * its launch was observed). Default 1,024; oldest dropped first.
   */
  readonly maxEarlySignals?: number;
  /** How long such an early signal is kept, ms. Default 60,000. */
  readonly earlySignalTtlMs?: number;
}

/** Counters of a {@link JobSignalRouter}, for tests and metrics. */
export interface JobSignalCounts {
  /** Signals received from providers. */
  received: number;
  /** Signals that queued an object. */
  routed: number;
  /** Signals for a job no observed status holds as active (kept as early signals). */
  unmatched: number;
}

/** The index key of a job: its provider's name and its id. */
function jobKey(provider: string, jobId: string): string {
  return `${provider}\u0000${jobId}`;
}

/**
 * Routes {@link JobSignal}s to object keys. The controller calls {@link JobSignalRouter.observe}
 * with every status it reads or writes; only jobs that are not terminal are indexed, so the
 * index holds the jobs in flight. A signal for an indexed job queues its object and marks
 * the job; {@link JobSignalRouter.take} hands the marks to the next reconcile of that object.
 * A signal for an unknown job is kept a short while (bounded), in case its launch is being
 * recorded, and is otherwise ignored.
 */
export class JobSignalRouter {
  readonly #options: JobSignalRouterOptions;
  readonly #maxIndexed: number;
  readonly #maxEarly: number;
  readonly #earlyTtl: number;
  /** job key → object key, insertion-ordered (oldest first). */
  readonly #index = new Map<string, string>();
  /** object key → job keys indexed for it. */
  readonly #byObject = new Map<string, Set<string>>();
  /** object key → signaled job ids not yet taken. */
  readonly #signaled = new Map<string, Set<string>>();
  /** job key → when an unmatched signal for it came. */
  readonly #early = new Map<string, number>();
  #subscriptions: JobSignalSubscription[] = [];
  /** Names of the providers whose signals are subscribed. */
  readonly #subscribed = new Set<string>();
  readonly #counts: JobSignalCounts = { received: 0, routed: 0, unmatched: 0 };

  /** @param options - see {@link JobSignalRouterOptions}. */
  constructor(options: JobSignalRouterOptions) {
    this.#options = options;
    this.#maxIndexed = positive(options.maxIndexedJobs, DEFAULT_MAX_INDEXED_JOBS, "maxIndexedJobs");
    this.#maxEarly = positive(
      options.maxEarlySignals,
      DEFAULT_MAX_EARLY_SIGNALS,
      "maxEarlySignals",
    );
    this.#earlyTtl = positive(
      options.earlySignalTtlMs,
      DEFAULT_EARLY_SIGNAL_TTL_MS,
      "earlySignalTtlMs",
    );
  }

  /** Whether at least one provider's signals are subscribed. */
  get active(): boolean {
    return this.#subscriptions.length > 0;
  }

  /**
   * Whether signals of the provider named `provider` are subscribed: its jobs may then be
   * polled as a slow safety net only (the engine's `signalsActive`).
   */
  activeFor(provider: string): boolean {
    return this.#subscribed.has(provider);
  }

  /** A copy of the counters. */
  get counts(): JobSignalCounts {
    return { ...this.#counts };
  }

  /** How many jobs are indexed. */
  get indexedJobs(): number {
    return this.#index.size;
  }

  /**
   * Subscribes to each provider's signals (once; a second call does nothing until
   * {@link JobSignalRouter.stop}). A provider whose `jobSignals` throws is logged and
   * skipped: it is polled as without signals.
   */
  start(): void {
    if (this.#subscriptions.length > 0) return;
    for (const provider of this.#options.providers) {
      if (typeof provider.jobSignals !== "function") continue;
      const name = provider.name;
      try {
        this.#subscriptions.push(provider.jobSignals((signal) => this.#receive(name, signal)));
        this.#subscribed.add(name);
      } catch (error) {
        this.#options.logger.warn(
          { provider: name, error: error instanceof Error ? error.name : typeof error },
          "could not subscribe to the provider's job signals; its jobs are polled only",
        );
      }
    }
  }

  /** Closes every subscription and forgets pending marks. */
  async stop(): Promise<void> {
    const subscriptions = this.#subscriptions;
    this.#subscriptions = [];
    this.#subscribed.clear();
    this.#signaled.clear();
    this.#early.clear();
    await Promise.allSettled(subscriptions.map((s) => s.close()));
  }

  /**
   * Indexes the jobs in flight of the object `key` from its `status` (undefined: the object
   * is gone), replacing what was indexed for it. A job with an early signal waiting is
   * marked at once and the object queued.
   */
  observe(key: string, status: ProvisioningStatus | undefined): void {
    const previous = this.#byObject.get(key);
    const next = new Set<string>();
    for (const job of status?.jobs ?? []) {
      if (isTerminal(job.state)) continue;
      const id = jobKey(job.provider, job.jobId);
      next.add(id);
      if (!previous?.has(id)) {
        this.#index.delete(id);
        this.#index.set(id, key);
        const early = this.#early.get(id);
        if (early !== undefined) {
          this.#early.delete(id);
          if (this.#options.clock() - early <= this.#earlyTtl) this.#mark(key, job.jobId);
        }
      }
    }
    for (const id of previous ?? []) {
      if (!next.has(id) && this.#index.get(id) === key) this.#index.delete(id);
    }
    if (next.size > 0) this.#byObject.set(key, next);
    else {
      this.#byObject.delete(key);
      this.#signaled.delete(key);
    }
    while (this.#index.size > this.#maxIndexed) {
      const oldest = this.#index.keys().next().value as string;
      const owner = this.#index.get(oldest);
      this.#index.delete(oldest);
      if (owner !== undefined) this.#byObject.get(owner)?.delete(oldest);
    }
  }

  /**
   * The job ids signaled for `key` since the last call (cleared by this call), or undefined
   * when none were.
   */
  take(key: string): ReadonlySet<string> | undefined {
    const marks = this.#signaled.get(key);
    if (marks === undefined) return undefined;
    this.#signaled.delete(key);
    return marks;
  }

  #receive(provider: string, signal: JobSignal): void {
    this.#counts.received += 1;
    if (typeof signal !== "object" || signal === null || typeof signal.jobId !== "string") return;
    const id = jobKey(provider, signal.jobId);
    const key = this.#index.get(id);
    if (key === undefined) {
      this.#counts.unmatched += 1;
      this.#early.delete(id);
      this.#early.set(id, this.#options.clock());
      while (this.#early.size > this.#maxEarly) {
        this.#early.delete(this.#early.keys().next().value as string);
      }
      this.#options.logger.debug(
        { provider, jobId: signal.jobId },
        "job signal for a job no observed object has in flight; kept briefly, else ignored",
      );
      return;
    }
    this.#counts.routed += 1;
    this.#mark(key, signal.jobId);
  }

  #mark(key: string, jobId: string): void {
    let marks = this.#signaled.get(key);
    if (marks === undefined) {
      marks = new Set();
      this.#signaled.set(key, marks);
    }
    marks.add(jobId);
    try {
      this.#options.enqueue(key);
    } catch (error) {
      this.#options.logger.warn(
        { key, error: error instanceof Error ? error.name : typeof error },
        "could not queue an object for a job signal",
      );
    }
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}
