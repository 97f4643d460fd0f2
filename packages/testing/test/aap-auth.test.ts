import { afterEach, describe, expect, it } from "vitest";
import { AapSimulator, VirtualClock, type AapSimulatorOptions } from "@provisionkit/testing";
import { basic, body, call, V2 } from "./aap-support.js";

const NOT_PROVIDED =
  "Authentication credentials were not provided. To establish a login session, visit /api/login/.";
const WWW_AUTHENTICATE = "Bearer realm=api authorization_url=/api/o/authorize/";

let aap: AapSimulator | undefined;
afterEach(() => aap?.stop());

async function started(options: AapSimulatorOptions = {}): Promise<string> {
  aap = new AapSimulator({ clock: new VirtualClock(), ...options });
  aap.addJobTemplate({ name: "jt" });
  return aap.start();
}

describe("AAP simulator: authentication (research §2)", () => {
  it("answers 401 with AWX's body and WWW-Authenticate without credentials", async () => {
    const url = await started();
    for (const path of [`${V2}jobs/`, `${V2}job_templates/1/`, `${V2}job_templates/1/launch/`]) {
      const reply = await call(url, path, { token: null });
      expect(reply.status).toBe(401);
      expect(reply.json).toEqual({ detail: NOT_PROVIDED });
      expect(reply.headers["www-authenticate"]).toBe(WWW_AUTHENTICATE);
    }
  });

  it("treats an unknown bearer token as no credentials", async () => {
    const url = await started();
    const reply = await call(url, `${V2}jobs/`, { token: "wrong" });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ detail: NOT_PROVIDED });
  });

  it("accepts Basic auth and rejects a wrong password with AWX's message", async () => {
    const url = await started();
    const good = await call(url, `${V2}jobs/`, {
      token: null,
      headers: basic("admin", "password"),
    });
    expect(good.status).toBe(200);
    const bad = await call(url, `${V2}jobs/`, { token: null, headers: basic("admin", "nope") });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({
      detail: "Invalid username/password. To establish a login session, visit /api/login/.",
    });
    expect(bad.headers["www-authenticate"]).toBe(WWW_AUTHENTICATE);
  });

  it("treats Basic auth as no credentials when it is disabled", async () => {
    const url = await started({ auth: { basicEnabled: false } });
    const reply = await call(url, `${V2}jobs/`, {
      token: null,
      headers: basic("admin", "password"),
    });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ detail: NOT_PROVIDED });
  });

  it("refuses POST and DELETE to a read-scope token with 403, and processes nothing", async () => {
    const url = await started({
      auth: { tokens: [{ token: "reader", scope: "read" }] },
    });
    expect((await call(url, `${V2}jobs/`, { token: "reader" })).status).toBe(200);
    expect((await call(url, `${V2}jobs/`, { token: "sim-token" })).status).toBe(401);
    for (const [method, path] of [
      ["POST", `${V2}job_templates/1/launch/`],
      ["DELETE", `${V2}jobs/1001/`],
      ["POST", `${V2}jobs/1001/cancel/`],
    ] as const) {
      const reply = await call(url, path, { token: "reader", method, body: {} });
      expect(reply.status).toBe(403);
      expect(reply.json).toEqual({ detail: "You do not have permission to perform this action." });
    }
    expect(aap?.ledger()).toEqual([]);
  });

  it("accepts the configured users", async () => {
    const url = await started({ auth: { users: [{ username: "ops", password: "s3cret" }] } });
    expect(
      (await call(url, `${V2}jobs/`, { token: null, headers: basic("ops", "s3cret") })).status,
    ).toBe(200);
    expect(
      (await call(url, `${V2}jobs/`, { token: null, headers: basic("admin", "password") })).status,
    ).toBe(401);
  });
});

describe("AAP simulator: request log", () => {
  it("records every request with its operation, status, virtual time and auth scheme, never a secret", async () => {
    const clock = new VirtualClock();
    aap = new AapSimulator({
      clock,
      auth: {
        tokens: [{ token: "tok-SECRET-1", scope: "write" }],
        users: [{ username: "admin", password: "pw-SECRET-2" }],
      },
    });
    aap.addJobTemplate({ name: "jt" });
    const url = await aap.start();
    await call(url, `${V2}ping/`, { token: null });
    clock.advance(10);
    await call(url, `${V2}job_templates/?name=jt&page=1`, { token: "tok-SECRET-1" });
    clock.advance(10);
    await call(url, `${V2}job_templates/1/launch/`, {
      token: null,
      headers: basic("admin", "pw-SECRET-2"),
      body: {},
    });
    await call(url, `${V2}jobs/`, { token: null, headers: basic("admin", "wrong-SECRET-3") });
    await call(url, `${V2}jobs/`, { token: "bad-SECRET-4" });
    const records = aap.requests();
    expect(records).toEqual([
      {
        method: "GET",
        path: "/api/v2/ping/",
        query: {},
        operation: "ping",
        status: 200,
        at: clock.now() - 20,
        auth: "none",
      },
      {
        method: "GET",
        path: "/api/v2/job_templates/",
        query: { name: "jt", page: "1" },
        operation: "template-list",
        status: 200,
        at: clock.now() - 10,
        auth: "bearer",
      },
      expect.objectContaining({ operation: "launch", status: 201, auth: "basic" }),
      expect.objectContaining({ operation: "job-list", status: 401, auth: "basic" }),
      expect.objectContaining({ operation: "job-list", status: 401, auth: "bearer" }),
    ]);
    const text = JSON.stringify(records);
    expect(text).not.toMatch(/SECRET/);
    expect(text).not.toContain(Buffer.from("admin:pw-SECRET-2").toString("base64"));
    expect(body(await call(url, `${V2}ping/`, { token: null })).ha).toBe(false);
  });
});
