/**
 * Issue 16, item 5: a server that echoes every form of the credentials it received — as
 * is, URL-encoded, JSON-escaped, base64 (standard and URL-safe, padded or not, alone or
 * inside a longer base64 stream at every byte offset) — gets none of them into errors
 * (message, stack, cause, toJSON, util.inspect), logs, or the engine's status and Events.
 * Secrets: a bearer token and an HMAC secret read through a SecretSource, a lone basic
 * password and its `user:password` pair.
 */
import { type EngineEvent, type ReconcileResult, type ResourceObject } from "@provisionkit/core";
import {
  driveEngine,
  errorSurfaces,
  findSecretLeaks,
  secretForms,
  type EngineState,
} from "@provisionkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import { EdaProvider } from "../src/index.ts";
import {
  FakeSecretSource,
  HMAC_SECRET,
  PASSWORD,
  ScriptedServer,
  TOKEN,
  TestClock,
  USERNAME,
  captureLogger,
  call,
  computeInstance,
  empty,
  respond,
  text,
  type RecordedRequest,
} from "./harness.ts";

const PAIR = `${USERNAME}:${PASSWORD}`;
const SECRETS = [TOKEN, HMAC_SECRET, PASSWORD, PAIR];

const leaks = (text: string) => findSecretLeaks(text, SECRETS);

/**
 * The server's page: every form of every secret the request carried, as a leaky proxy would
 * echo them (a client can only know, and remove, its own secrets).
 */
function echoOf(request: RecordedRequest): string {
  const auth = String(request.headers.authorization ?? "");
  const carried = auth.startsWith("Basic ") ? [PASSWORD, PAIR] : [TOKEN, HMAC_SECRET];
  return carried.flatMap(secretForms).join(" | ");
}
const echo = (status: number) =>
  respond((r) => text(status, `{"detail": ${JSON.stringify(echoOf(r))}}`));

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("EDA: a server echoing every encoding of the credentials", () => {
  // Dozens of loopback requests: a wall-clock budget for a loaded machine (vitest's default
  // is 5 s); the assertions do not depend on time.
  it("gets no secret into errors, logs, status or Events", { timeout: 60_000 }, async () => {
    server = await ScriptedServer.start();
    const clock = new TestClock();
    const log = captureLogger();
    const source = new FakeSecretSource()
      .set({ name: "eda", key: "token" }, TOKEN)
      .set({ name: "eda", key: "hmac" }, HMAC_SECRET);
    const common = {
      now: clock.now,
      logger: log.logger,
      minEventIntervalMs: 0,
      requestTimeoutMs: 100,
    };
    const providers = [
      new EdaProvider({
        target: { type: "webhook", url: server.url },
        auth: [
          { type: "bearer", token: { secretRef: { name: "eda", key: "token" } } },
          { type: "hmac", secret: { secretRef: { name: "eda", key: "hmac" } }, prefix: "sha256=" },
        ],
        secrets: source,
        ...common,
      }),
      new EdaProvider({
        name: "eda-basic",
        target: {
          type: "event-stream",
          urls: { provision: `${server.url}/s/post/`, deprovision: `${server.url}/s/post/` },
        },
        auth: { type: "basic", username: USERNAME, password: PASSWORD },
        ...common,
      }),
    ];
    const errors: unknown[] = [];
    const replies = [
      echo(400),
      echo(401),
      echo(403),
      echo(404),
      echo(413),
      echo(429),
      echo(500),
      echo(502),
      respond((r) => text(200, echoOf(r))),
      respond((r) =>
        empty(302, { location: `${server!.url}/login?next=${encodeURIComponent(echoOf(r))}` }),
      ),
    ];
    const vm: ResourceObject = computeInstance();
    let n = 0;
    for (const reply of replies) {
      server.otherwise(reply);
      for (const provider of providers) {
        try {
          await provider.triggerProvision(vm, { ...call(`c${++n}`), configVersion: "v1" });
        } catch (error) {
          errors.push(error);
        }
      }
    }

    // The engine over the same echoing server: what it records and announces.
    const statuses: string[] = [];
    const events: EngineEvent[] = [];
    server.otherwise(echo(400));
    for (const provider of providers) {
      const state: EngineState = { status: undefined };
      let rounds = 0;
      await driveEngine({
        provider,
        resource: vm,
        state,
        clock,
        engine: { pollIntervalMs: 5000, pendingLaunchGraceMs: 10_000 },
        until: (result: ReconcileResult) => {
          statuses.push(JSON.stringify(result.status));
          events.push(...result.events);
          return ++rounds >= 4;
        },
      });
    }

    // The secrets travelled and came back (so the checks below can fail) …
    const sent = JSON.stringify(server.requests.map((r) => r.headers));
    expect(sent).toContain(TOKEN);
    expect(sent).toContain(Buffer.from(PAIR).toString("base64"));
    expect(errors.length).toBeGreaterThanOrEqual(16);
    expect(errors.some((e) => errorSurfaces(e).includes("[REDACTED]"))).toBe(true);
    expect(events.some((e) => e.message.includes("[REDACTED]"))).toBe(true);
    expect(statuses.some((s) => s.includes("[REDACTED]"))).toBe(true);
    // … and none of them is anywhere.
    for (const [i, error] of errors.entries()) {
      expect(leaks(errorSurfaces(error)), `error ${i}: ${String(error)}`).toEqual([]);
    }
    expect(leaks(log.dump()), "logs").toEqual([]);
    expect(leaks(statuses.join("\n")), "status").toEqual([]);
    expect(leaks(JSON.stringify(events)), "events").toEqual([]);
  });
});
