/**
 * Liveness (rule L1, the suites' check of DESIGN's P9): every provider call the suites make
 * returns or throws within a deadline. A call past it has its `AbortSignal` aborted, is
 * reported with what it was, and its caller gets a {@link CallDeadlineExceeded} at once, so
 * that a provider that never answers ends its scenario instead of hanging the run.
 *
 * The deadline is real time in both suites. The provider suite's virtual clock moves only
 * between provider calls (the driver awaits each one), so a call that never returns stops
 * virtual time with it: only the real clock can see it hang.
 *
 * @module
 */

/**
 * The default deadline of one provider call, real ms. Calls to loopback simulators take
 * milliseconds; a provider's own HTTP retries (the AAP client's four, 0.5 s doubling) stay
 * well under it. Raise it (`callDeadlineMs`) for a sandbox of a real backend.
 */
export const DEFAULT_CALL_DEADLINE_MS = 30_000;

/**
 * After a late call's `AbortSignal` was aborted, how long (real ms, at most) the suite waits
 * for it to settle, to report whether it honours the signal.
 */
export const MAX_ABORT_GRACE_MS = 1_000;

/** The grace after the abort for a deadline: a quarter of it, at most {@link MAX_ABORT_GRACE_MS}. */
export function abortGraceMs(deadlineMs: number): number {
  return Math.min(MAX_ABORT_GRACE_MS, Math.ceil(deadlineMs / 4));
}

/**
 * What the caller of a provider call past its deadline gets (the call's `AbortSignal` is
 * aborted with it too).
 */
export class CallDeadlineExceeded extends Error {
  /** Stable code, like the provider errors'. */
  readonly code = "CALL_DEADLINE_EXCEEDED";

  /**
   * @param method - the provider method.
   * @param deadlineMs - its deadline, real ms.
   */
  constructor(
    readonly method: string,
    readonly deadlineMs: number,
  ) {
    super(`the provider's ${method} did not settle within ${deadlineMs} ms (conformance rule L1)`);
    this.name = "CallDeadlineExceeded";
  }
}

/** What a late call did once its `AbortSignal` was aborted. */
export interface AfterAbort {
  /** It settled (returned or threw) within the grace, or it did not (it ignores its signal). */
  afterAbort: "settled" | "ignored";
  /** When it settled: real ms after the abort. */
  settledAfterAbortMs?: number;
  /** The grace waited, real ms. */
  graceMs: number;
}

/** How one call is bounded. */
export interface DeadlineOptions {
  /** The provider method, for the error. */
  method: string;
  /** The deadline, real ms. */
  deadlineMs: number;
  /** The caller's signal: its abort is passed on to the call. */
  signal?: AbortSignal;
  /** Told once the call missed its deadline, after the grace, before the caller is rejected. */
  onLate(after: AfterAbort): void;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function sleep<V>(ms: number, value: V): { promise: Promise<V>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<V>((resolve) => {
    timer = setTimeout(() => resolve(value), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * Run `invoke` with a signal of its own (aborted when the caller's is, or at the deadline).
 * Settles as the call does within the deadline; past it, aborts the call's signal, waits up
 * to the grace to see whether the call honours it, tells `onLate`, and rejects with a
 * {@link CallDeadlineExceeded} whatever the call does later.
 */
export async function withDeadline<T>(
  options: DeadlineOptions,
  invoke: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const outer = options.signal;
  const relay = (): void => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener("abort", relay, { once: true });
  // A call that throws before returning its promise settles at once, like any other.
  const started = new Promise<T>((resolve, reject) => {
    invoke(controller.signal).then(resolve, reject);
  });
  const call: Promise<Settled<T>> = started.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
  const deadline = sleep(options.deadlineMs, "late" as const);
  try {
    const first = await Promise.race([call, deadline.promise]);
    if (first !== "late") {
      if (first.ok) return first.value;
      throw first.error;
    }
    const error = new CallDeadlineExceeded(options.method, options.deadlineMs);
    const abortedAt = performance.now();
    controller.abort(error);
    const graceMs = abortGraceMs(options.deadlineMs);
    const grace = sleep(graceMs, "ignored" as const);
    const after = await Promise.race([call.then(() => "settled" as const), grace.promise]);
    grace.cancel();
    options.onLate(
      after === "settled"
        ? {
            afterAbort: after,
            settledAfterAbortMs: Math.round(performance.now() - abortedAt),
            graceMs,
          }
        : { afterAbort: after, graceMs },
    );
    throw error;
  } finally {
    deadline.cancel();
    outer?.removeEventListener("abort", relay);
  }
}

/** A provider call that missed its deadline, as reported. */
export interface LateCall extends AfterAbort {
  /** The provider method. */
  method: string;
  /** `namespace/name` of the resource it was about. */
  resourceKey: string;
  /** For status reads, cancels: the job asked about. */
  jobId?: string;
  /** For launches and lookups: the correlation id. */
  correlationId?: string;
  /** Who made it (a simulated process `p1`, a controller `controller 2`). */
  caller: string;
  /** When it was made, as the suite tells time (`t+12.5s`, `340 ms`). */
  at: string;
  /** Its deadline, real ms. */
  deadlineMs: number;
  /** The scenario it was made in, when known. */
  scenario?: string;
  /** The seed of the run, when it has one. */
  seed?: number;
}

/** The L1 message for a late call (without the `L1: ` prefix). */
export function lateCallMessage(late: LateCall): string {
  const about = [
    late.resourceKey,
    ...(late.jobId !== undefined ? [`job ${late.jobId}`] : []),
    ...(late.correlationId !== undefined ? [`correlation id ${late.correlationId}`] : []),
  ].join(", ");
  const where = [
    ...(late.scenario !== undefined ? [`scenario ${late.scenario}`] : []),
    ...(late.seed !== undefined ? [`seed ${late.seed}`] : []),
  ].join(", ");
  const then =
    late.afterAbort === "settled"
      ? `its AbortSignal was then aborted and it settled ${late.settledAfterAbortMs ?? "?"} ms later`
      : `its AbortSignal was then aborted and it still had not settled ${late.graceMs} ms later: it ignores its AbortSignal`;
  return `${late.method}(${about}) called by ${late.caller} at ${late.at}${where ? ` (${where})` : ""} did not return or throw within its deadline of ${late.deadlineMs} ms (real time); ${then}. The scenario was stopped there.`;
}
