import { MAX_RETRY_AFTER_MS, type ReconcileResult } from "@provisionkit/core";
import { driveEngine, type EngineState } from "@provisionkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import { EdaProvider } from "../src/index.ts";
import { ScriptedServer, TestClock, computeInstance, text, webhookOk } from "./harness.ts";

// Issue 16, item 4, for EDA: a receiver answering 429 with an absurd Retry-After (seconds or
// a date in year 9999) gives a launch failure the engine records and retries a day later,
// never "Invalid time value".

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each([
  ["delay seconds", "100000000000000"],
  ["an HTTP date in year 9999", "Fri, 31 Dec 9999 23:59:59 GMT"],
])("engine + EdaProvider: a webhook answering 429 with Retry-After as %s", (_label, header) => {
  it(
    "is recorded as a launch failure retried after MAX_RETRY_AFTER_MS",
    { timeout: 30_000 },
    async () => {
      server = await ScriptedServer.start();
      server.otherwise(text(429, "slow down", { "Retry-After": header }));
      const clock = new TestClock();
      const provider = new EdaProvider({
        target: { type: "webhook", url: server.url },
        auth: { type: "none" },
        now: clock.now,
        minEventIntervalMs: 0,
        requestTimeoutMs: 1000,
      });
      const state: EngineState = { status: undefined };
      const engine = { pollIntervalMs: 5000, pendingLaunchGraceMs: 10_000 };
      const vm = computeInstance();
      const failed = await driveEngine({
        provider,
        resource: vm,
        state,
        clock,
        engine,
        until: (r: ReconcileResult) => r.status.launchFailure !== undefined,
      });
      const failure = failed.status.launchFailure!;
      expect(failure.code).toBe("RATE_LIMITED");
      expect(Date.parse(failure.retryAt) - Date.parse(failure.at)).toBe(MAX_RETRY_AFTER_MS);
      expect(state.status?.launchFailure?.retryAt).toBe(failure.retryAt);
      const sent = server.requests.length;
      expect(sent).toBeGreaterThanOrEqual(1);

      // Nothing is sent again before the (clamped) day is over; after it, the event goes out.
      server.otherwise(webhookOk);
      clock.advance(MAX_RETRY_AFTER_MS - 1);
      await driveEngine({ provider, resource: vm, state, clock, engine, until: () => true });
      expect(server.requests.length).toBe(sent);
      clock.advance(1);
      await driveEngine({
        provider,
        resource: vm,
        state,
        clock,
        engine,
        until: (r) => r.status.launchFailure === undefined,
      });
      expect(server.requests.length).toBe(sent + 1);
    },
  );
});
