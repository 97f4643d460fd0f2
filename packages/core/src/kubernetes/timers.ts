/** A handle returned by {@link Timers.setTimeout}. */
export type TimerHandle = object | number;

/**
 * The timer functions the runtime uses, injectable so that tests drive time themselves.
 * The default is the global `setTimeout` / `clearTimeout` with `unref`, so pending
 * requeues never keep a process alive on their own.
 */
export interface Timers {
  /** A monotonic "now" in milliseconds, on the same scale as the delays. */
  now(): number;
  /** Call `fn` after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancel a timer. */
  clearTimeout(handle: TimerHandle): void;
}

/** The global timers (unref'd). */
export const systemTimers: Timers = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
