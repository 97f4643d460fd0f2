/**
 * The recording proxy: a provider that forwards every call to the provider under test and
 * records it (virtual time, the arguments that matter, the answer or the typed error, and
 * for launches the backend's ledger around the call).
 *
 * @module
 */
import {
  RateLimitError,
  isProviderError,
  providerDeclarations,
  resourceKey,
  type Provider,
  type ResourceObject,
} from "@provisionkit/core";
import type { ConformanceJob } from "../types.js";
import { withDeadline, type AfterAbort } from "./deadline.js";
import type { CallRecord, ErrorFacts, ProviderMethod } from "./trace.js";

/** What the proxy needs from the driver. */
export interface RecorderContext {
  /** The process making the calls. */
  process: string;
  /** Virtual time. */
  now(): number;
  /** The backend's ledger, now. */
  ledger(): ConformanceJob[];
  /** Microtask turns to yield before a call (interleaves concurrent processes). */
  jitter(): number;
  /** The next call sequence number. */
  nextSeq(): number;
  /** Receives each finished call. */
  push(call: CallRecord): void;
  /** Each call's deadline, real ms (L1); none when absent. */
  deadlineMs?: number;
  /**
   * Told of a call that missed its deadline, or ignored an abort (it is not pushed: it
   * never finished). Its caller gets a `CallDeadlineExceeded`.
   */
  late?(call: Omit<CallRecord, "outcome">, after: AfterAbort): void;
  /**
   * Registers a way to abort a call in flight (the suite aborts the call waiting on a
   * request the backend holds); returns its removal, called once the call settles.
   */
  inFlight?(abort: AbortController): () => void;
  /** Told of a call the suite aborted that settled within the grace (it is pushed too). */
  aborted?(call: Omit<CallRecord, "outcome">, after: AfterAbort): void;
  /**
   * True once the run is stopped (a call was late): a call made after that throws at once,
   * unrecorded, instead of reaching a provider that may still be stuck on the late one.
   */
  stopped?(): boolean;
}

type Extra = Pick<CallRecord, "jobId" | "jobType" | "configVersion" | "correlationId">;

/** Yield `n` microtask turns. */
export async function yieldTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/**
 * A plain JSON copy of a provider's answer for the trace. An answer JSON cannot copy
 * (nested thousands deep: `JSON.stringify` overflows the stack; a cycle; a bigint) is kept
 * as a marker naming why, so recording it never turns the answer into a thrown error.
 */
export function plain(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch (error) {
    const why = error instanceof Error ? error.name : "error";
    return `[answer not recordable as JSON: ${why}]`;
  }
}

/** The facts of a thrown value. */
export function errorFacts(error: unknown): ErrorFacts {
  if (!(error instanceof Error)) {
    return {
      name: "non-Error",
      message: String(error),
      typed: false,
      rateLimit: false,
      text: String(error),
    };
  }
  const cause = (error as { cause?: unknown }).cause;
  const parts = [error.name, error.message, cause instanceof Error ? cause.message : String(cause)];
  const facts: ErrorFacts = {
    name: error.name,
    message: error.message,
    typed: false,
    rateLimit: false,
    text: "",
  };
  if (isProviderError(error)) {
    facts.typed = true;
    facts.code = error.code;
    facts.retryable = error.retryable;
    parts.push(JSON.stringify(error.details));
  }
  if (error instanceof RateLimitError) {
    facts.rateLimit = true;
    facts.retryAfterMs = error.retryAfterMs;
  }
  facts.text = parts.join("\n");
  return facts;
}

/**
 * Wrap `inner` so that every call is recorded. `name` is the name the engine sees (the
 * provider's own by default; the provider-switch scenario renames one).
 */
export function recordingProvider(inner: Provider, ctx: RecorderContext, name?: string): Provider {
  const shownName = name ?? inner.name;
  async function record<T>(
    method: ProviderMethod,
    resource: ResourceObject,
    extra: Extra,
    signal: AbortSignal,
    invoke: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    await yieldTurns(ctx.jitter());
    if (ctx.stopped?.() === true) {
      throw new Error(`${method} not called: the scenario was stopped after a late call (L1)`);
    }
    const launch = method === "triggerProvision" || method === "triggerDeprovision";
    const call: Omit<CallRecord, "outcome"> = {
      seq: ctx.nextSeq(),
      process: ctx.process,
      provider: shownName,
      innerName: inner.name,
      method,
      resourceKey: resourceKey(resource),
      at: ctx.now(),
      ...extra,
    };
    if (launch) call.ledgerBefore = ctx.ledger();
    let outcome: CallRecord["outcome"] | undefined;
    let late = false;
    const deadlineMs = ctx.deadlineMs;
    // The suite's own abort, beside the engine's signal: see `World.abortInFlight`.
    const suite = new AbortController();
    const untrack = ctx.inFlight?.(suite);
    const both = AbortSignal.any([signal, suite.signal]);
    const bounded = (): Promise<T> =>
      deadlineMs === undefined
        ? invoke(both)
        : withDeadline(
            {
              method,
              deadlineMs,
              signal: both,
              onLate: (after) => {
                late = true;
                ctx.late?.(call, after);
              },
              onAborted: (after) => {
                call.aborted = after;
                ctx.aborted?.(call, after);
              },
            },
            invoke,
          );
    try {
      const value = await bounded();
      outcome = { ok: true, value: plain(value) };
      return value;
    } catch (error) {
      outcome = { ok: false, error: errorFacts(error) };
      throw error;
    } finally {
      untrack?.();
      if (!late) push();
    }
    function push(): void {
      const done: CallRecord = {
        ...call,
        outcome: outcome ?? { ok: false, error: errorFacts("?") },
      };
      if (launch) done.ledgerAfter = ctx.ledger();
      ctx.push(done);
    }
  }
  const proxy: Provider = {
    name: shownName,
    // The settle bound is part of what the engine is told about the provider (E5).
    ...providerDeclarations(inner),
    triggerProvision: (r, o) =>
      record(
        "triggerProvision",
        r,
        { configVersion: o.configVersion, correlationId: o.correlationId },
        o.signal,
        (signal) => inner.triggerProvision(r, { ...o, signal }),
      ),
    getProvisionStatus: (r, jobId, o) =>
      record("getProvisionStatus", r, { jobId, jobType: "provision" }, o.signal, (signal) =>
        inner.getProvisionStatus(r, jobId, { ...o, signal }),
      ),
    triggerDeprovision: (r, jobs, o) =>
      record("triggerDeprovision", r, { correlationId: o.correlationId }, o.signal, (signal) =>
        inner.triggerDeprovision(r, jobs, { ...o, signal }),
      ),
    getDeprovisionStatus: (r, jobId, o) =>
      record("getDeprovisionStatus", r, { jobId, jobType: "deprovision" }, o.signal, (signal) =>
        inner.getDeprovisionStatus(r, jobId, { ...o, signal }),
      ),
  };
  const findJob = inner.findJob?.bind(inner);
  if (findJob) {
    proxy.findJob = (r, q, o) =>
      record(
        "findJob",
        r,
        { correlationId: q.correlationId, jobType: q.type },
        o.signal,
        (signal) => findJob(r, q, { ...o, signal }),
      );
  }
  const cancelJob = inner.cancelJob?.bind(inner);
  if (cancelJob) {
    proxy.cancelJob = (r, jobId, type, o) =>
      record("cancelJob", r, { jobId, jobType: type }, o.signal, (signal) =>
        cancelJob(r, jobId, type, { ...o, signal }),
      );
  }
  return proxy;
}
