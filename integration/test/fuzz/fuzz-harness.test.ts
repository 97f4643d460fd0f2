import { TransientError } from "@provisionkit/core";
import { ScriptedHttpServer, json } from "@provisionkit/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkProperty, describeError, hostileArb, HostileProxy, outcomeOf } from "./hostile.ts";

// The fuzz tier's own harness is sharp: the property it checks fails on an untyped error and on
// a hang, the failure names the seed to replay, and the proxy really corrupts answers.

describe("fuzz harness", () => {
  let upstream: ScriptedHttpServer;
  let proxyServer: ScriptedHttpServer;
  let proxy: HostileProxy;
  beforeAll(async () => {
    upstream = await ScriptedHttpServer.start();
    upstream.otherwise(json(200, { id: 7, status: "running" }));
    proxyServer = await ScriptedHttpServer.start();
    proxy = new HostileProxy(upstream.url, "http://127.0.0.1:9");
    proxyServer.otherwise(proxy.reply);
  });
  afterAll(async () => {
    await proxyServer.close();
    await upstream.close();
  });

  it("classifies outcomes: value, typed, untyped, hang", async () => {
    expect(await outcomeOf(() => Promise.resolve(1), 1_000)).toEqual({ kind: "value", value: 1 });
    expect(await outcomeOf(() => Promise.reject(new TransientError("x")), 1_000)).toEqual({
      kind: "typed",
      code: "TRANSIENT",
    });
    const untyped = await outcomeOf(
      () => Promise.reject(new RangeError("Invalid time value")),
      1_000,
    );
    expect(untyped.kind).toBe("untyped");
    expect(describeError(untyped.kind === "untyped" ? untyped.error : undefined)).toMatch(
      /^RangeError: Invalid time value/,
    );
    expect(await outcomeOf(() => new Promise(() => {}), 50)).toEqual({ kind: "hang" });
  });

  it("a property that meets an untyped error fails, naming the seed that replays it", async () => {
    const failing = checkProperty(
      "sharpness",
      fc.asyncProperty(fc.array(hostileArb, { minLength: 1, maxLength: 3 }), async (script) => {
        const outcome = await outcomeOf(
          () =>
            // Every script fails here (a script holds at least one answer), so the property
            // fails whatever FUZZ_RUNS a run sets.
            script.length > 0
              ? Promise.reject(new RangeError("Maximum call stack size exceeded"))
              : Promise.resolve("ok"),
          1_000,
        );
        if (outcome.kind === "untyped") throw new Error(describeError(outcome.error));
      }),
      2_000,
    );
    await expect(failing).rejects.toThrow(
      /fuzz property "sharpness" failed — replay with: pnpm fuzz -- --seed \d+ .*FUZZ_SEED=\d+/s,
    );
  });

  it("the proxy corrupts answers as scripted, then repeats the last", async () => {
    proxy.reset([
      { kind: "status", status: 503 },
      { kind: "field", path: "status", value: 42, remove: false },
    ]);
    const first = await fetch(`${proxyServer.url}/api/v2/jobs/7/`);
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ id: 7, status: "running" });
    for (let i = 0; i < 2; i++) {
      const next = await fetch(`${proxyServer.url}/api/v2/jobs/7/`);
      expect([next.status, await next.json()]).toEqual([200, { id: 7, status: 42 }]);
    }
    proxy.reset([{ kind: "redirect", status: 302 }]);
    const moved = await fetch(`${proxyServer.url}/api/v2/jobs/7/`, { redirect: "manual" });
    expect([moved.status, moved.headers.get("location")]).toEqual([
      302,
      "http://127.0.0.1:9/stolen/",
    ]);
    proxy.reset([{ kind: "truncate", fraction: 0.5 }]);
    const cut = await fetch(`${proxyServer.url}/api/v2/jobs/7/`);
    const whole = JSON.stringify({ id: 7, status: "running" });
    expect(await cut.text()).toBe(whole.slice(0, Math.floor(whole.length * 0.5)));
  });
});
