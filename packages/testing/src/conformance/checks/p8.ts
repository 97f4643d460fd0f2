/**
 * P8: rate limits surface as `RateLimitError` (with a wait no shorter than the backend
 * asked for: a `Retry-After: 20` read as 20 ms is a broken rate limit); transient failures
 * as retryable typed errors, told apart from permanent ones; and no failure untyped.
 *
 * @module
 */
import type { CallRecord, ErrorFacts, FaultRecord } from "../driver/trace.js";
import { untypedFailures } from "./calls.js";
import type { ConformanceJob, Violation } from "../types.js";
import type { CheckContext } from "./context.js";
import { redact } from "./redact.js";

function isLaunch(call: CallRecord): boolean {
  return call.method === "triggerProvision" || call.method === "triggerDeprovision";
}

function created(call: CallRecord): ConformanceJob[] {
  const before = new Set((call.ledgerBefore ?? []).map((j) => j.id));
  return (call.ledgerAfter ?? []).filter((j) => !before.has(j.id));
}

function rateLimit(ctx: CheckContext, fault: FaultRecord, calls: CallRecord[]): Violation[] {
  let surfaced = 0;
  for (const call of calls.filter(isLaunch)) {
    if (surfaced >= fault.count) return [];
    if (call.outcome.ok) {
      const jobs = created(call);
      if (jobs.length === 0) continue;
      return [
        ctx.violation(
          "P8",
          `a rate limit injected at ${ctx.t(fault.at)} did not surface: ${call.method} for ${call.resourceKey} at ${ctx.t(call.at)} launched ${jobs.map((j) => j.id).join(", ")} instead of throwing RateLimitError`,
        ),
      ];
    }
    surfaced++;
    const error = call.outcome.error;
    // Rate limits injected one after the other may be answered in any order (the memory
    // backend answers every pending one with the newest wait, AAP fires its rules in
    // insertion order): the wait must be at least the shortest any of them asked for.
    const asked = Math.min(
      ...ctx.trace.faults
        .filter((f) => f.kind === "rateLimit" && f.at <= call.at)
        .map((f) => f.retryAfterMs ?? 0),
    );
    const wait = error.retryAfterMs ?? 0;
    if (error.rateLimit && wait > 0 && wait >= asked) continue;
    const what = error.rateLimit
      ? `a RateLimitError with retryAfterMs ${String(error.retryAfterMs)} (it must be > 0 and at least the ${asked} ms the backend asked for)`
      : `${error.name}${error.code === undefined ? "" : ` (code ${error.code})`}: ${redact(error.message, ctx.trace.secrets)}`;
    return [
      ctx.violation(
        "P8",
        `${call.method} for ${call.resourceKey} at ${ctx.t(call.at)}, answered with a rate limit (injected at ${ctx.t(fault.at)}, retry after ${String(fault.retryAfterMs)} ms), threw ${what}; a rate limit must be a RateLimitError`,
      ),
    ];
  }
  return [];
}

function transient(ctx: CheckContext, fault: FaultRecord, calls: CallRecord[]): Violation[] {
  let surfaced = 0;
  for (const call of calls) {
    // A call answered at the instant of the injection may have been made before it.
    if (call.outcome.ok && call.at === fault.at && surfaced === 0) continue;
    if (call.outcome.ok || surfaced >= fault.count) return [];
    surfaced++;
    const error = call.outcome.error;
    if (error.typed && error.retryable === true && !error.rateLimit) continue;
    const what = error.typed
      ? `${error.name} (code ${error.code ?? "?"}, retryable ${String(error.retryable)})`
      : `an untyped ${error.name}`;
    return [
      ctx.violation(
        "P8",
        `${call.method} for ${call.resourceKey} at ${ctx.t(call.at)}, answered with a transient failure (503, injected at ${ctx.t(fault.at)}), threw ${what}: ${redact(error.message, ctx.trace.secrets)}; a transient failure must be a retryable typed error`,
      ),
    ];
  }
  return [];
}

/**
 * Every failed call threw a typed `ProviderError`. Anything else (a `TypeError` from a path
 * the provider never ran, a plain `Error`) tells the engine neither "transient" nor
 * "permanent" nor "outcome unknown": it is a crash, retried with backoff for as long as it
 * lasts. A scenario can still reach its goal past it (the job ends, the path is left), so
 * it is reported here, not only when a goal is missed. One violation per method and error.
 */
function untyped(ctx: CheckContext): Violation[] {
  const slot = (call: CallRecord, { name, message }: ErrorFacts) =>
    `${call.method}|${name}|${message}`;
  return untypedFailures(ctx.trace.calls, slot).map(({ call, error: { name, message } }) => {
    return ctx.violation(
      "P8",
      `${call.method} for ${call.resourceKey} at ${ctx.t(call.at)} threw an untyped ${name} (not a ProviderError): ${redact(message.slice(0, 300), ctx.trace.secrets)}; a failure must be a typed error that says whether it is transient, permanent or of unknown outcome`,
    );
  });
}

/** P8, for every injected rate limit and transient failure, and for every failed call. */
export function checkP8(ctx: CheckContext): Violation[] {
  const faults = ctx.trace.faults.flatMap((fault) => {
    const after = ctx.trace.calls.filter((c) => c.at >= fault.at).sort((a, b) => a.seq - b.seq);
    if (fault.kind === "rateLimit") return rateLimit(ctx, fault, after);
    if (fault.kind === "transient") return transient(ctx, fault, after);
    return [];
  });
  return [...faults, ...untyped(ctx)];
}
