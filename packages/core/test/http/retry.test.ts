import { describe, expect, it } from "vitest";
import { AbortedError, TransientError, type ProviderError } from "@provisionkit/core";
import {
  backoffMs,
  defaultSleep,
  runWithRetries,
  type AttemptOutcome,
  type RetryNotice,
  type RetryPolicy,
} from "@provisionkit/core/http";

const POLICY: RetryPolicy = {
  retries: 3,
  initialDelayMs: 100,
  maxDelayMs: 250,
  maxRetryAfterMs: 5000,
};
const failure = (retry: boolean, retryAfterMs?: number): AttemptOutcome<string> => ({
  ok: false,
  error: new TransientError("boom"),
  retry,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

/** Runs `outcomes` one per attempt, recording the sleeps and the notices. */
async function run(outcomes: AttemptOutcome<string>[], idempotent = true, signal?: AbortSignal) {
  const delays: number[] = [];
  const notices: RetryNotice[] = [];
  let attempts = 0;
  const result = runWithRetries(
    (n) => {
      attempts = n + 1;
      return Promise.resolve(outcomes[n] ?? outcomes.at(-1)!);
    },
    {
      idempotent,
      policy: POLICY,
      signal,
      sleep: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
      aborted: () => new AbortedError("stopped", { outcomeUnknown: false }),
      onRetry: (notice) => notices.push(notice),
    },
  );
  const value = await result.catch((error: ProviderError) => error);
  return { value, delays, notices, attempts: () => attempts };
}

describe("runWithRetries", () => {
  it("retries an idempotent request with exponential backoff, capped", async () => {
    const ok: AttemptOutcome<string> = { ok: true, value: "done" };
    const { value, delays, notices } = await run([failure(true), failure(true), failure(true), ok]);
    expect(value).toBe("done");
    expect(delays).toEqual([100, 200, 250]);
    expect(notices.map((n) => [n.attempt, n.delayMs, n.error.code])).toEqual([
      [1, 100, "TRANSIENT"],
      [2, 200, "TRANSIENT"],
      [3, 250, "TRANSIENT"],
    ]);
  });

  it("throws the last error when the retries are used up", async () => {
    const { value, attempts } = await run([failure(true)]);
    expect(value).toBeInstanceOf(TransientError);
    expect(attempts()).toBe(POLICY.retries + 1);
  });

  it("never repeats a request that is not idempotent, nor a failure not marked retry", async () => {
    const launch = await run([failure(true)], false);
    expect(launch.value).toBeInstanceOf(TransientError);
    expect(launch.attempts()).toBe(1);
    expect(launch.delays).toEqual([]);
    const permanent = await run([failure(false)]);
    expect(permanent.attempts()).toBe(1);
  });

  it("waits the server's Retry-After instead of the backoff, and gives up at once on a longer one", async () => {
    const ok: AttemptOutcome<string> = { ok: true, value: "done" };
    expect((await run([failure(true, 3000), ok])).delays).toEqual([3000]);
    const tooLong = await run([failure(true, 5001), ok]);
    expect(tooLong.value).toBeInstanceOf(TransientError);
    expect(tooLong.delays).toEqual([]);
  });

  it("stops with the aborted error when the signal aborts between attempts", async () => {
    const controller = new AbortController();
    const outcomes = [failure(true), failure(true)];
    const delays: number[] = [];
    const error = await runWithRetries(() => Promise.resolve(outcomes[0]!), {
      idempotent: true,
      policy: POLICY,
      signal: controller.signal,
      sleep: (ms) => {
        delays.push(ms);
        controller.abort();
        return Promise.resolve();
      },
      aborted: () => new AbortedError("stopped", { outcomeUnknown: false }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).outcomeUnknown).toBe(false);
    expect(delays).toEqual([100]);
  });

  it("turns a sleep interrupted by the signal into the aborted error", async () => {
    const controller = new AbortController();
    const error = await runWithRetries(() => Promise.resolve(failure(true)), {
      idempotent: true,
      policy: POLICY,
      signal: controller.signal,
      sleep: (ms, signal) => {
        const waiting = defaultSleep(ms * 1000, signal);
        controller.abort();
        return waiting;
      },
      aborted: () => new AbortedError("stopped"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
  });
});

describe("backoffMs and defaultSleep", () => {
  it("doubles from initialDelayMs up to maxDelayMs; 0 means no delay", () => {
    expect([0, 1, 2, 3].map((i) => backoffMs(POLICY, i))).toEqual([100, 200, 250, 250]);
    expect(backoffMs({ ...POLICY, initialDelayMs: 0 }, 5)).toBe(0);
  });

  it("defaultSleep rejects at once on an aborted signal, and as soon as it aborts", async () => {
    await expect(defaultSleep(10, AbortSignal.abort(new Error("gone")))).rejects.toThrow("gone");
    const controller = new AbortController();
    const sleeping = defaultSleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
    await expect(defaultSleep(1)).resolves.toBeUndefined();
  });
});
