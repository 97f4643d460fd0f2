import { systemTimers, type TimerHandle, type Timers } from "./timers.js";

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Workers running at once, at least 1. */
  concurrency: number;
  /** Processes one key. A throw is the worker's problem to report; the queue goes on. */
  process: (key: string) => Promise<void>;
  /** Timers for delayed adds; default the global ones. */
  timers?: Timers;
  /** Called whenever the number of queued keys changes (a metrics hook). */
  onDepth?: (depth: number) => void;
}

/**
 * A per-key work queue as controllers need it:
 * - a key is never processed by two workers at once; a key added while it is being
 *   processed is processed once more afterwards (never lost, never concurrent);
 * - a key queued several times is processed once (deduplication);
 * - at most `concurrency` keys are processed at once, in the order they became ready;
 * - `add(key, delayMs)` schedules a key; the earliest schedule of a key wins, and an
 *   immediate add overrides a pending delayed one.
 */
export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; handle: TimerHandle }>();
  private readonly timers: Timers;
  private readonly idleWaiters: (() => void)[] = [];
  private running = 0;
  private stopped = false;

  /** @param options - see {@link WorkQueueOptions}. */
  constructor(private readonly options: WorkQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    this.timers = options.timers ?? systemTimers;
  }

  /** Keys waiting to be processed (not counting those in progress or delayed). */
  get depth(): number {
    return this.ready.length;
  }

  /** Keys being processed right now. */
  get inProgress(): number {
    return this.active.size;
  }

  /** Keys scheduled for later. */
  get scheduled(): number {
    return this.delayed.size;
  }

  /**
   * Queue `key` now, or after `delayMs`. Ignored once the queue is stopped.
   *
   * @param delayMs - delay; 0 or undefined means now.
   */
  add(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const at = this.timers.now() + delayMs;
      const existing = this.delayed.get(key);
      if (existing && existing.at <= at) return;
      if (existing) this.timers.clearTimeout(existing.handle);
      const handle = this.timers.setTimeout(() => {
        if (this.delayed.get(key)?.handle !== handle) return;
        this.delayed.delete(key);
        this.add(key);
      }, delayMs);
      this.delayed.set(key, { at, handle });
      return;
    }
    const pending = this.delayed.get(key);
    if (pending) {
      this.timers.clearTimeout(pending.handle);
      this.delayed.delete(key);
    }
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ready.push(key);
    this.options.onDepth?.(this.ready.length);
    this.pump();
  }

  /**
   * Stop: drop queued and delayed keys and accept no more. Resolves once the keys in
   * progress are done.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { handle } of this.delayed.values()) this.timers.clearTimeout(handle);
    this.delayed.clear();
    this.ready.length = 0;
    this.queued.clear();
    this.dirty.clear();
    this.options.onDepth?.(0);
    await this.idle();
  }

  /** Resolves when no key is queued or in progress (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.running === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      this.queued.delete(key);
      this.options.onDepth?.(this.ready.length);
      this.active.add(key);
      this.running++;
      void this.work(key);
    }
  }

  private async work(key: string): Promise<void> {
    try {
      await this.options.process(key);
    } catch {
      // The process function reports its own failures; the queue only keeps going.
    } finally {
      this.active.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      if (this.running === 0 && this.ready.length === 0) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }
}
