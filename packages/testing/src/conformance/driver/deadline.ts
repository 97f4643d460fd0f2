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
    abortedBy: "deadline" | "caller" = "deadline",
  ) {
    super(
      abortedBy === "deadline"
        ? `the provider's ${method} did not settle within ${deadlineMs} ms (conformance rule L1)`
        : `the provider's ${method} did not settle after its AbortSignal was aborted (conformance rule L1)`,
    );
    this.name = "CallDeadlineExceeded";
  }
}

/**
 * What a call did once its `AbortSignal` was aborted: at its deadline (a late call), or
 * before it by its caller (the suite aborts a call waiting on a request the backend holds).
 */
export interface AfterAbort {
  /** It settled (returned or threw) within the grace, or it did not (it ignores its signal). */
  afterAbort: "settled" | "ignored";
  /**
   * Why its signal was aborted: it missed its deadline, or its caller aborted it. Absent
   * in reports made before this field existed: the deadline.
   */
  abortedBy?: "deadline" | "caller";
  /** When it settled: real ms after the abort. */
  settledAfterAbortMs?: number;
  /** When it settled by throwing: the error's name (and code, when it has a string one). */
  threw?: string;
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
  /**
   * Told when the call missed its deadline, or ignored its caller's abort for the grace
   * (after the grace, before the caller is rejected with a {@link CallDeadlineExceeded}).
   */
  onLate(after: AfterAbort): void;
  /** Told when the caller's abort came first and the call settled within the grace. */
  onAborted?(after: AfterAbort): void;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function sleep<V>(ms: number, value: V): { promise: Promise<V>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<V>((resolve) => {
    timer = setTimeout(() => resolve(value), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Resolves once `signal` aborts (at once when it has); never without a signal. */
function whenAborted(signal: AbortSignal | undefined): {
  promise: Promise<"aborted">;
  cancel(): void;
} {
  let cancel = (): void => undefined;
  const promise = new Promise<"aborted">((resolve) => {
    if (!signal) return;
    if (signal.aborted) return resolve("aborted");
    const done = (): void => resolve("aborted");
    signal.addEventListener("abort", done, { once: true });
    cancel = () => signal.removeEventListener("abort", done);
  });
  return { promise, cancel: () => cancel() };
}

/** `AbortedError (code ABORTED)`: an error's name, and its code when it has a string one. */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${error.name} (code ${code})` : error.name;
}

/**
 * Run `invoke` with a signal of its own, aborted when the caller's is or at the deadline,
 * and hold the call to P9 both ways:
 * - within the deadline and unaborted, it settles as the call does;
 * - once the caller aborts, the call has the grace to settle (it then settles as the call
 *   did, and `onAborted` is told how soon); if it does not, `onLate` is told and the caller
 *   gets a {@link CallDeadlineExceeded};
 * - past the deadline, the call's signal is aborted, the grace waited to see whether it
 *   honours that, `onLate` told, and the caller rejected with a {@link CallDeadlineExceeded}
 *   whatever the call does later.
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
  const aborted = whenAborted(outer);
  const graceMs = abortGraceMs(options.deadlineMs);
  const settled = (first: Settled<T>): T => {
    if (first.ok) return first.value;
    throw first.error;
  };
  /** Waits the grace for the aborted call; tells `onLate` if it ignores the abort. */
  const afterAbort = async (abortedBy: "deadline" | "caller"): Promise<Settled<T> | undefined> => {
    const abortedAt = performance.now();
    const grace = sleep(graceMs, "ignored" as const);
    const after = await Promise.race([call, grace.promise]);
    grace.cancel();
    if (after === "ignored") {
      options.onLate({ afterAbort: after, abortedBy, graceMs });
      return undefined;
    }
    const report: AfterAbort = {
      afterAbort: "settled",
      abortedBy,
      settledAfterAbortMs: Math.round(performance.now() - abortedAt),
      graceMs,
      ...(after.ok ? {} : { threw: errorName(after.error) }),
    };
    if (abortedBy === "deadline") options.onLate(report);
    else options.onAborted?.(report);
    return after;
  };
  try {
    const first = await Promise.race([call, deadline.promise, aborted.promise]);
    if (first === "aborted") {
      const after = await afterAbort("caller");
      if (after) return settled(after);
      throw new CallDeadlineExceeded(options.method, options.deadlineMs, "caller");
    }
    if (first !== "late") return settled(first);
    const error = new CallDeadlineExceeded(options.method, options.deadlineMs);
    controller.abort(error);
    await afterAbort("deadline");
    throw error;
  } finally {
    deadline.cancel();
    aborted.cancel();
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
  const call = `${late.method}(${about}) called by ${late.caller} at ${late.at}${where ? ` (${where})` : ""}`;
  if (late.abortedBy === "caller") {
    return `${call} had its AbortSignal aborted by its caller and still had not settled ${late.graceMs} ms later: it ignores its AbortSignal (P9). The scenario was stopped there.`;
  }
  const then =
    late.afterAbort === "settled"
      ? `its AbortSignal was then aborted and it settled ${late.settledAfterAbortMs ?? "?"} ms later`
      : `its AbortSignal was then aborted and it still had not settled ${late.graceMs} ms later: it ignores its AbortSignal`;
  return `${call} did not return or throw within its deadline of ${late.deadlineMs} ms (real time); ${then}. The scenario was stopped there.`;
}
