import { systemTimers, type TimerHandle, type Timers } from "./timers.js";

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Workers running at once, at least 1. */
  concurrency: number;
  /**
   * Processes one key. A throw is the worker's problem to report; the queue goes on.
   * `queuedAt` is when the key entered the queue (`timers.now()`; for a delayed add, when
   * its delay ran out): the start of the "queued in the controller" phase of a job the
   * processing launches (docs/tracing.md).
   */
  process: (key: string, queuedAt: number) => Promise<void>;
  /** Timers for delayed adds; default the global ones. */
  timers?: Timers;
  /** Called whenever the number of queued keys changes (a metrics hook). */
  onDepth?: (depth: number) => void;
  /** Called when a key enters the queue (not when an add is deduplicated; a metrics hook). */
  onAdd?: () => void;
  /** Called when a worker takes a key, with how long it waited queued, ms (a metrics hook). */
  onTake?: (waitedMs: number) => void;
  /** Called whenever the number of keys being processed changes (a metrics hook). */
  onActive?: (active: number) => void;
  /**
   * How long a queued key may wait (ms, on `timers.now()`) before it is taken ahead of
   * every lane, oldest first, so that no lane starves. Default 30 s.
   */
  maxWaitMs?: number;
}

/**
 * The lane of a queued key, most urgent first: `high` (a deletion), `normal` (a change made
 * by someone else, a requeue that fell due), `low` (an object seen for the first time, a
 * resync).
 */
export type QueueLane = "high" | "normal" | "low";

const LANES: readonly QueueLane[] = ["high", "normal", "low"];
const RANK: Readonly<Record<QueueLane, number>> = { high: 0, normal: 1, low: 2 };
/** `maxWaitMs` unless set. */
const DEFAULT_MAX_WAIT_MS = 30_000;

/**
 * A per-key work queue as controllers need it:
 * - a key is never processed by two workers at once; a key added while it is being
 *   processed is processed once more afterwards (never lost, never concurrent);
 * - a key queued several times is processed once (deduplication);
 * - at most `concurrency` keys are processed at once;
 * - **fair order**: keys wait in three lanes ({@link QueueLane}); a free worker takes the
 *   oldest key of the most urgent non-empty lane, except that a key that has waited
 *   `maxWaitMs` or more is taken first, oldest first, whatever its lane (aging: nothing
 *   starves). A key added again in a more urgent lane while it waits moves up, keeping
 *   its place in time. Within a lane the order is first come, first served;
 * - `add(key, delayMs)` schedules a key; the earliest schedule of a key wins, and an
 *   immediate add overrides a pending delayed one.
 */
export class WorkQueue {
  /** Per lane, keys in the order they were queued (entries whose key moved lane are skipped). */
  private readonly lanes: Record<QueueLane, { key: string; since: number }[]> = {
    high: [],
    normal: [],
    low: [],
  };
  /** Queued keys: their lane and when they were queued. */
  private readonly queued = new Map<string, { lane: QueueLane; since: number }>();
  private readonly active = new Set<string>();
  /** Keys added while in progress, with the most urgent lane asked for. */
  private readonly dirty = new Map<string, QueueLane>();
  private readonly delayed = new Map<
    string,
    { at: number; handle: TimerHandle; lane: QueueLane }
  >();
  private readonly maxWaitMs: number;
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
    const maxWait = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    if (!(Number.isFinite(maxWait) && maxWait >= 0)) {
      throw new RangeError(`maxWaitMs must be a non-negative number, got ${maxWait}`);
    }
    this.maxWaitMs = maxWait;
  }

  /** Keys waiting to be processed (not counting those in progress or delayed). */
  get depth(): number {
    return this.queued.size;
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
   * Queue `key` now, or after `delayMs`, in `lane`. Ignored once the queue is stopped.
   * A key has at most one pending timer: the earliest schedule wins.
   *
   * @param delayMs - delay; 0 or undefined means now.
   * @param lane - default `normal`; see {@link QueueLane}.
   */
  add(key: string, delayMs = 0, lane: QueueLane = "normal"): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const at = this.timers.now() + delayMs;
      const existing = this.delayed.get(key);
      if (existing && existing.at <= at) return;
      if (existing) this.timers.clearTimeout(existing.handle);
      const handle = this.timers.setTimeout(() => {
        const entry = this.delayed.get(key);
        if (entry?.handle !== handle) return;
        this.delayed.delete(key);
        this.add(key, 0, entry.lane);
      }, delayMs);
      this.delayed.set(key, { at, handle, lane });
      return;
    }
    const pending = this.delayed.get(key);
    if (pending) {
      this.timers.clearTimeout(pending.handle);
      this.delayed.delete(key);
    }
    if (this.active.has(key)) {
      const asked = this.dirty.get(key);
      if (asked === undefined || RANK[lane] < RANK[asked]) this.dirty.set(key, lane);
      return;
    }
    const queued = this.queued.get(key);
    if (queued) {
      if (RANK[lane] < RANK[queued.lane]) {
        // Moves up, keeping its place in time; the old lane's entry is skipped when reached.
        queued.lane = lane;
        this.insert(this.lanes[lane], { key, since: queued.since });
      }
      return;
    }
    const since = this.timers.now();
    this.queued.set(key, { lane, since });
    this.lanes[lane].push({ key, since });
    this.options.onAdd?.();
    this.options.onDepth?.(this.queued.size);
    this.pump();
  }

  /** Whether a lane entry is the key's current place (not left behind by a move or a take). */
  private isCurrent(entry: { key: string; since: number }, lane: QueueLane): boolean {
    const queued = this.queued.get(entry.key);
    return queued !== undefined && queued.lane === lane && queued.since === entry.since;
  }

  /** Insert by `since`, after entries of the same time (a lane stays ordered by time). */
  private insert(list: { key: string; since: number }[], entry: { key: string; since: number }) {
    let i = list.length;
    while (i > 0 && list[i - 1]!.since > entry.since) i--;
    list.splice(i, 0, entry);
  }

  /** The next key to process (see the class doc) and when it was queued, removed from the queue. */
  private take(): { key: string; since: number } | undefined {
    const now = this.timers.now();
    let aged: { lane: QueueLane; since: number } | undefined;
    let first: QueueLane | undefined;
    for (const lane of LANES) {
      const list = this.lanes[lane];
      // Drop entries of keys that moved to another lane or left the queue.
      while (list.length > 0 && !this.isCurrent(list[0]!, lane)) list.shift();
      const head = list[0];
      if (!head) continue;
      first ??= lane;
      if (now - head.since >= this.maxWaitMs && (!aged || head.since < aged.since)) {
        aged = { lane, since: head.since };
      }
    }
    const lane = aged?.lane ?? first;
    if (lane === undefined) return undefined;
    const entry = this.lanes[lane].shift()!;
    this.queued.delete(entry.key);
    this.options.onTake?.(now - entry.since);
    return entry;
  }

  /**
   * Stop: drop queued and delayed keys and accept no more. Resolves once the keys in
   * progress are done.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { handle } of this.delayed.values()) this.timers.clearTimeout(handle);
    this.delayed.clear();
    for (const lane of LANES) this.lanes[lane].length = 0;
    this.queued.clear();
    this.dirty.clear();
    this.options.onDepth?.(0);
    await this.idle();
  }

  /** Resolves when no key is queued or in progress (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queued.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.queued.size > 0) {
      const entry = this.take();
      if (entry === undefined) break;
      this.options.onDepth?.(this.queued.size);
      this.active.add(entry.key);
      this.running++;
      this.options.onActive?.(this.running);
      void this.work(entry.key, entry.since);
    }
  }

  private async work(key: string, since: number): Promise<void> {
    try {
      await this.options.process(key, since);
    } catch {
      // The process function reports its own failures; the queue only keeps going.
    } finally {
      this.active.delete(key);
      this.running--;
      this.options.onActive?.(this.running);
      const lane = this.dirty.get(key);
      if (lane !== undefined) {
        this.dirty.delete(key);
        this.add(key, 0, lane);
      }
      this.pump();
      if (this.running === 0 && this.queued.size === 0) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }
}
