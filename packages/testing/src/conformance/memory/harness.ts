/**
 * The memory backend as a {@link ConformanceBackend}: the suite's reference harness, and an
 * example of the interface a custom backend implements.
 *
 * @module
 */
import type { JobType, Provider } from "@provisionkit/core";
import type {
  BackendContext,
  BackendControls,
  ConformanceBackend,
  ConformanceJob,
  ConformanceJobScript,
  HeldRequestKind,
} from "../types.js";
import { EVERY_CONTROL } from "../backends/simulator-backend.js";
import { MemoryBackend } from "./backend.js";
import { MEMORY_FAILURE_KINDS, type MemoryLaunch, type MemoryProviderOptions } from "./model.js";
import { MemoryProvider } from "./provider.js";

/** Options of {@link memoryBackend}. */
export interface MemoryConformanceOptions extends MemoryProviderOptions {
  /** Shown in reports (default `memory backend`). */
  backendName?: string;
  /** How long a job runs unless scripted (default 30 000 ms). */
  defaultDurationMs?: number;
  /** How long a cancel takes to land (default 1 000 ms). */
  cancelDelayMs?: number;
  /**
   * Builds the provider under test on the backend (default: a {@link MemoryProvider}). The
   * options are the provider options given here, filled with defaults.
   */
  provider?: (backend: MemoryBackend, options: Required<MemoryProviderOptions>) => Provider;
  /** Turn test controls off (all on by default), to see the suite skip what needs them. */
  controls?: Partial<BackendControls>;
}

class MemoryConformanceBackend implements ConformanceBackend {
  readonly name: string;
  readonly controls: BackendControls;
  readonly secrets: readonly string[];
  readonly #options: MemoryConformanceOptions;
  readonly #provider: Required<MemoryProviderOptions>;
  #backend: MemoryBackend | undefined;

  constructor(options: MemoryConformanceOptions) {
    this.#options = options;
    this.name = options.backendName ?? "memory backend";
    this.controls = Object.freeze({
      ...EVERY_CONTROL,
      loseAnswers: true,
      strays: true,
      handLaunches: true,
      readFailures: true,
      cancelFailures: true,
      holds: true,
      queuedJobs: true,
      failureKinds: MEMORY_FAILURE_KINDS,
      ...options.controls,
    });
    this.#provider = {
      name: options.name ?? "memory",
      findJob: options.findJob ?? true,
      cancel: options.cancel ?? true,
      blockDeletionOnFailure: options.blockDeletionOnFailure ?? true,
      token: options.token ?? "mem-secret-7f3a9c2e",
      launchSettleMs: 0,
    };
    this.secrets = Object.freeze([this.#provider.token]);
  }

  start(context: BackendContext): Promise<void> {
    const backend: {
      clock: BackendContext["clock"];
      defaultDurationMs?: number;
      cancelDelayMs?: number;
    } = { clock: context.clock };
    if (this.#options.defaultDurationMs !== undefined)
      backend.defaultDurationMs = this.#options.defaultDurationMs;
    if (this.#options.cancelDelayMs !== undefined)
      backend.cancelDelayMs = this.#options.cancelDelayMs;
    this.#backend = new MemoryBackend(backend);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.#backend = undefined;
    return Promise.resolve();
  }

  provider(): Provider {
    return this.providerWith({ blockDeletionOnFailure: this.#provider.blockDeletionOnFailure });
  }

  providerWith(options: { blockDeletionOnFailure: boolean }): Provider {
    const backend = this.#running();
    const settings = { ...this.#provider, ...options };
    return this.#options.provider
      ? this.#options.provider(backend, settings)
      : new MemoryProvider(backend, settings);
  }

  ledger(): ConformanceJob[] {
    return this.#backend?.ledger() ?? [];
  }

  scriptNext(operation: JobType, script: ConformanceJobScript): void {
    this.#running().scriptNext(operation, script);
  }

  purge(job: ConformanceJob): void {
    this.#running().purge(job.id);
  }

  rateLimitNext(count: number, retryAfterMs: number): void {
    this.#running().rateLimitNext(count, retryAfterMs);
  }

  failNext(count: number): void {
    this.#running().failNext(count);
  }

  failNextReads(count: number): void {
    this.#running().failNext(count, "reads");
  }

  failNextCancels(count: number): void {
    this.#running().failNext(count, "cancels");
  }

  holdNext(kind: HeldRequestKind, count: number, onHeld: () => void): void {
    this.#running().holdNext(kind, count, onHeld);
  }

  releaseHeld(): void {
    this.#backend?.releaseHeld();
  }

  loseNextAnswer(operation: JobType): void {
    this.#running().loseNextAnswer(operation);
  }

  launchStray(like: ConformanceJob, correlationId: string): Promise<ConformanceJob> {
    const backend = this.#running();
    const source = backend.job(like.id);
    const launch: MemoryLaunch = {
      resourceKey: like.resourceKey,
      operation: like.operation,
      correlationId,
    };
    if (like.configVersion !== undefined) launch.configVersion = like.configVersion;
    if (source?.resourceUid !== undefined) launch.resourceUid = source.resourceUid;
    if (source?.blockDeletionOnFailure !== undefined) {
      launch.blockDeletionOnFailure = source.blockDeletionOnFailure;
    }
    const job = backend.stray(launch);
    const entry = backend.ledger().find((j) => j.id === job.id);
    if (!entry) throw new Error(`${this.name} lost stray job ${job.id}`);
    return Promise.resolve(entry);
  }

  /**
   * One job of `like`'s resource and operation with no launch record (the memory backend's
   * record is the correlation id: empty here), ended at once: what a person launching the
   * backend's work by hand leaves. Its ledger entry names the resource, so the scenario
   * records it as a stray.
   */
  launchByHand(like: ConformanceJob): Promise<readonly ConformanceJob[]> {
    const backend = this.#running();
    const job = backend.stray({
      resourceKey: like.resourceKey,
      operation: like.operation,
      correlationId: "",
    });
    const entry = backend.ledger().find((j) => j.id === job.id);
    if (!entry) throw new Error(`${this.name} lost job ${job.id} launched by hand`);
    return Promise.resolve([entry]);
  }

  #running(): MemoryBackend {
    if (!this.#backend) throw new Error(`${this.name} is not started`);
    return this.#backend;
  }
}

/**
 * The reference {@link ConformanceBackend}: a {@link MemoryBackend} on the scenario's clock
 * and a contract-keeping {@link MemoryProvider} (or the provider `options.provider` builds),
 * with every control. Turn capabilities (`findJob: false`, `cancel: false`) or controls off
 * to see what the suite skips, and why.
 *
 * @example
 * ```ts
 * const report = await runConformance({ backend: () => memoryBackend() });
 * ```
 */
export function memoryBackend(options: MemoryConformanceOptions = {}): ConformanceBackend {
  return new MemoryConformanceBackend(options);
}
