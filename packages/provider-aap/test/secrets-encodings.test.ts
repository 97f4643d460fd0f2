/**
 * Issue 16, item 5, for AAP: a server that echoes every form of the credentials it received
 * — as is, URL-encoded, JSON-escaped, base64 (standard and URL-safe, padded or not, alone or
 * inside a longer base64 stream at every byte offset) — gets none of them into errors
 * (message, stack, cause, toJSON, util.inspect), logs, or the engine's status and Events.
 * Secrets: a bearer token read through a SecretSource, a lone basic password and its
 * `user:password` pair.
 */
import {
  type EngineEvent,
  type ReconcileResult,
  type SecretReference,
  type SecretSource,
} from "@provisionkit/core";
import {
  ScriptedHttpServer,
  captureLogger,
  driveEngine,
  empty,
  errorSurfaces,
  findSecretLeaks,
  respond,
  secretForms,
  text,
  VirtualClock,
  type EngineState,
  type RecordedRequest,
} from "@provisionkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import { AapProvider, type AapAuth } from "../src/index.ts";
import { call, computeInstance } from "./support/fixture.ts";

const TOKEN = "tok-CANARY-0123456789abcdefXYZ";
const USERNAME = "admin";
const PASSWORD = "pw-CANARY-hunter2:xy";
const PAIR = `${USERNAME}:${PASSWORD}`;
const SECRETS = [TOKEN, PASSWORD, PAIR];

const leaks = (text: string) => findSecretLeaks(text, SECRETS);

/**
 * The server's page: every form of every secret the request carried, as a leaky proxy would
 * echo them (a client can only know, and remove, its own secrets).
 */
function echoOf(request: RecordedRequest): string {
  const auth = String(request.headers.authorization ?? "");
  const carried = auth.startsWith("Basic ") ? [PASSWORD, PAIR] : [TOKEN];
  return carried.flatMap(secretForms).join(" | ");
}
const echo = (status: number) =>
  respond((r) => text(status, `{"detail": ${JSON.stringify(echoOf(r))}}`));

/** A SecretSource holding the token. */
const source: SecretSource = {
  read: (reference: SecretReference) =>
    reference.key === "token" ? Promise.resolve(TOKEN) : Promise.reject(new Error("no such key")),
};

let server: ScriptedHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("AAP: a server echoing every encoding of the credentials", () => {
  // Dozens of loopback requests: a wall-clock budget for a loaded machine (vitest's default
  // is 5 s); the assertions do not depend on time.
  it("gets no secret into errors, logs, status or Events", { timeout: 60_000 }, async () => {
    server = await ScriptedHttpServer.start({ fallback: echo(500) });
    const clock = new VirtualClock();
    const log = captureLogger();
    const provider = (name: string, auth: AapAuth) =>
      new AapProvider({
        name,
        now: () => clock.now(),
        logger: log.logger,
        client: {
          url: `${server!.url}/api/v2/`,
          auth,
          secrets: source,
          timeoutMs: 200,
          retry: { retries: 1, initialDelayMs: 1 },
          logger: log.logger,
          sleep: () => Promise.resolve(),
        },
      });
    const providers = [
      provider("aap-bearer", {
        type: "bearer",
        token: { secretRef: { name: "aap", key: "token" } },
      }),
      provider("aap-basic", { type: "basic", username: USERNAME, password: PASSWORD }),
    ];
    const errors: unknown[] = [];
    const replies = [
      echo(400),
      echo(401),
      echo(403),
      echo(404),
      echo(405),
      echo(429),
      echo(500),
      echo(502),
      respond((r) => text(200, echoOf(r))),
      respond((r) => text(200, `{"count": 1, "results": [${JSON.stringify(echoOf(r))}]}`)),
      respond((r) =>
        empty(302, { location: `${server!.url}/login?next=${encodeURIComponent(echoOf(r))}` }),
      ),
    ];
    const vm = computeInstance("vm-1");
    let n = 0;
    for (const reply of replies) {
      server.otherwise(reply);
      for (const p of providers) {
        for (const attempt of [
          () => p.triggerProvision(vm, { ...call(`c${++n}`), configVersion: "v1" }),
          () => p.getProvisionStatus(vm, "job:7", call()),
        ]) {
          try {
            await attempt();
          } catch (error) {
            errors.push(error);
          }
        }
      }
    }

    // The engine over the same echoing server: what it records and announces.
    const statuses: string[] = [];
    const events: EngineEvent[] = [];
    server.otherwise(echo(400));
    for (const p of providers) {
      const state: EngineState = { status: undefined };
      let rounds = 0;
      await driveEngine({
        provider: p,
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
    expect(errors.length).toBeGreaterThanOrEqual(30);
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
