import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { AapSimulator, VirtualClock } from "@provisionkit/testing";
import { call, GW, V2, withAap } from "./aap-support.js";

interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A loopback receiver that records what it gets and answers `status`. */
async function receiver(status = 200) {
  const got: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({
        method: req.method ?? "",
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>,
      });
      res.writeHead(status).end();
      for (const w of waiters.filter((w) => got.length >= w.count)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    /** Resolves once `count` requests were received. */
    until: (count: number) =>
      new Promise<void>((resolve) => {
        if (got.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let aap: AapSimulator;
let clock: VirtualClock;
let url: string;
withAap((f) => ({ aap, clock, url } = f));
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function setUp(options: { events?: string[]; status?: number; password?: string } = {}) {
  const hook = await receiver(options.status);
  closers.push(hook.close);
  const jt = aap.addJobTemplate({
    name: "provision",
    script: { pendingMs: 100, waitingMs: 100, runMs: 10_000 },
  });
  const created = await call(url, `${GW}notification_templates/`, {
    body: {
      name: "provisionkit",
      organization: 1,
      notification_type: "webhook",
      notification_configuration: {
        url: hook.url,
        username: "awx",
        password: options.password ?? "s3cret",
        headers: { "X-Extra": "1" },
      },
    },
  });
  expect(created.status).toBe(201);
  const nt = created.json as { id: number };
  for (const event of options.events ?? ["success", "error"]) {
    const attached = await call(url, `${GW}job_templates/${jt}/notification_templates_${event}/`, {
      body: { id: nt.id },
    });
    expect(attached.status).toBe(204);
  }
  return { hook, jt, nt: nt.id };
}

async function launch(jt: number): Promise<number> {
  const launched = await call(url, `${V2}job_templates/${jt}/launch/`, { body: {} });
  expect(launched.status).toBe(201);
  return (launched.json as { id: number }).id;
}

describe("AAP simulator: notification templates", () => {
  it("creates a webhook template as AWX does: defaults filled, password shown as $encrypted$", async () => {
    aap.addJobTemplate({ name: "provision" });
    const created = await call(url, `${GW}notification_templates/`, {
      body: {
        name: "n",
        organization: 1,
        notification_type: "webhook",
        notification_configuration: { url: "http://x/", password: "pw", headers: {} },
      },
    });
    expect(created.status).toBe(201);
    expect((created.json as Record<string, unknown>)["notification_configuration"]).toEqual({
      url: "http://x/",
      http_method: "POST",
      disable_ssl_verification: false,
      username: "",
      password: "$encrypted$",
      headers: {},
    });
    expect(created.text).not.toContain('"pw"');
    const listed = await call(url, `${GW}notification_templates/?name=n&organization=1`);
    expect((listed.json as { count: number }).count).toBe(1);
    // Unique per organization and name; headers required; method POST or PUT.
    const again = await call(url, `${GW}notification_templates/`, {
      body: {
        name: "n",
        organization: 1,
        notification_type: "webhook",
        notification_configuration: { url: "u", headers: {} },
      },
    });
    expect(again.status).toBe(400);
    const bad = await call(url, `${GW}notification_templates/`, {
      body: {
        name: "m",
        organization: 1,
        notification_type: "webhook",
        notification_configuration: { url: "u", http_method: "GET" },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual([
      "Missing required fields for Notification Configuration: ['headers'].",
      "HTTP method must be either 'POST' or 'PUT'.",
    ]);
    const orphan = await call(url, `${GW}notification_templates/`, {
      body: {
        name: "o",
        organization: 99,
        notification_type: "webhook",
        notification_configuration: { url: "u", headers: {} },
      },
    });
    expect(orphan.status).toBe(400);
  });

  it("attaches idempotently, refuses an unknown id with 400, detaches, and lists the sublist", async () => {
    const { jt, nt } = await setUp({ events: [] });
    const path = `${GW}job_templates/${jt}/notification_templates_success/`;
    expect((await call(url, path, { body: { id: nt } })).status).toBe(204);
    expect((await call(url, path, { body: { id: nt } })).status).toBe(204);
    expect(((await call(url, path)).json as { count: number }).count).toBe(1);
    expect((await call(url, path, { body: { id: 999 } })).status).toBe(400);
    expect((await call(url, path, { body: { id: nt, disassociate: true } })).status).toBe(204);
    expect(((await call(url, path)).json as { count: number }).count).toBe(0);
    expect(
      (await call(url, `${GW}job_templates/${jt}/notification_templates_approvals/`)).status,
    ).toBe(404);
    expect((await call(url, path, { token: null })).status).toBe(401);
  });

  it("fires success at the job's end with AWX's job_metadata, Basic auth and headers", async () => {
    const { hook, jt } = await setUp();
    const id = await launch(jt);
    clock.advance(5_000);
    await call(url, `${V2}jobs/${id}/`);
    expect(hook.got).toHaveLength(0);
    clock.advance(5_200);
    await hook.until(1);
    const [got] = hook.got;
    expect(got?.method).toBe("POST");
    expect(got?.headers.authorization).toBe(
      `Basic ${Buffer.from("awx:s3cret").toString("base64")}`,
    );
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers["user-agent"]).toMatch(/^AWX /);
    expect(got?.headers["x-extra"]).toBe("1");
    expect(got?.body).toMatchObject({
      id,
      status: "successful",
      url: `https://aap.simulator/#/jobs/playbook/${id}`,
      name: "provision",
      traceback: "",
    });
    expect(typeof got?.body["finished"]).toBe("string");
    await aap.notificationsSettled();
    const records = aap.notifications();
    expect(records.map((r) => [r.event, r.jobId, r.status])).toEqual([
      ["success", id, "successful"],
    ]);
  });

  it("fires started and error (for a cancel), and nothing for a job canceled while pending", async () => {
    const { hook, jt } = await setUp({ events: ["started", "error"] });
    const running = await launch(jt);
    const pending = await launch(jt);
    clock.advance(300);
    await hook.until(1);
    expect(hook.got[0]?.body).toMatchObject({ id: running, status: "running", finished: null });
    // The second job is held pending by the first (allow_simultaneous false): cancel it there.
    expect((await call(url, `${V2}jobs/${pending}/cancel/`, { body: {} })).status).toBe(202);
    expect((await call(url, `${V2}jobs/${running}/cancel/`, { body: {} })).status).toBe(202);
    clock.advance(60_000);
    await call(url, `${V2}jobs/${running}/`);
    await hook.until(2);
    expect(hook.got[1]?.body).toMatchObject({ id: running, status: "canceled" });
    expect(aap.notifications().filter((r) => r.jobId === pending)).toEqual([]);
  });

  it("records a receiver's refusal as a failed notification, without retrying it", async () => {
    const { hook, jt } = await setUp({ status: 401 });
    await launch(jt);
    clock.advance(20_000);
    await hook.until(1);
    await aap.notificationsSettled();
    const [record] = aap.notifications();
    expect(record?.status).toBe("failed");
    expect(record?.error).toBe("Error sending webhook notification: 401");
    expect(record?.answers).toEqual([401]);
  });

  it("applies seeded notification faults: drop, duplicate, delay, wrong secret", async () => {
    const { hook, jt } = await setUp();
    aap.notificationFaults.inject({ action: { type: "drop" } });
    aap.notificationFaults.inject({ action: { type: "duplicate", copies: 3 } });
    aap.notificationFaults.inject({ action: { type: "delay", ms: 30_000 } });
    aap.notificationFaults.inject({ action: { type: "wrong-secret" } });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      aap.addJobTemplate({ name: `t${i}`, script: { runMs: 1_000 } });
    }
    for (let i = 0; i < 4; i++) {
      ids.push(await launch(jt));
      clock.advance(10_300);
      await call(url, `${V2}jobs/`);
    }
    await hook.until(4); // 3 copies + the wrong secret; the delayed one is not due yet
    const auth = (n: number) => hook.got[n]?.headers.authorization;
    expect(hook.got.map((g) => g.body["id"])).toEqual([ids[1], ids[1], ids[1], ids[3]]);
    expect(auth(3)).not.toBe(auth(0));
    clock.advance(30_000);
    await call(url, `${V2}jobs/`);
    await hook.until(5);
    expect(hook.got[4]?.body["id"]).toBe(ids[2]);
    expect(aap.notifications().map((r) => r.fault)).toEqual([
      "drop",
      "duplicate",
      "delay",
      "wrong-secret",
    ]);
  });

  it("reorders: a held notification goes right after the next one", async () => {
    const { hook, jt } = await setUp();
    aap.notificationFaults.inject({ action: { type: "reorder", maxHoldMs: 60_000 } });
    const first = await launch(jt);
    clock.advance(10_300);
    await call(url, `${V2}jobs/`);
    const second = await launch(jt);
    clock.advance(10_300);
    await call(url, `${V2}jobs/`);
    await hook.until(2);
    expect(hook.got.map((g) => g.body["id"])).toEqual([second, first]);
  });

  it("updates a template with PATCH, keeping the password sent as $encrypted$, and tests it", async () => {
    const { hook, nt } = await setUp({ events: [] });
    const path = `${GW}notification_templates/${nt}/`;
    const patched = await call(url, path, {
      method: "PATCH",
      body: {
        notification_configuration: {
          url: hook.url,
          username: "awx2",
          password: "$encrypted$",
          headers: {},
        },
      },
    });
    expect(patched.status).toBe(200);
    const tested = await call(url, `${path}test/`, { body: {} });
    expect(tested.status).toBe(202);
    await hook.until(1);
    expect(hook.got[0]?.body).toEqual({ body: "Test Notification 1 https://aap.simulator" });
    expect(hook.got[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("awx2:s3cret").toString("base64")}`,
    );
    await aap.notificationsSettled();
    expect((await call(url, path, { method: "DELETE" })).status).toBe(204);
    expect((await call(url, path)).status).toBe(404);
  });

  it("fires a workflow job's notifications with its workflow link", async () => {
    const hook = await receiver();
    closers.push(hook.close);
    const wf = aap.addWorkflowTemplate({ name: "wf", script: { runMs: 1_000 } });
    const nt = await call(url, `${GW}notification_templates/`, {
      body: {
        name: "w",
        organization: 1,
        notification_type: "webhook",
        notification_configuration: { url: hook.url, headers: {} },
      },
    });
    const id = (nt.json as { id: number }).id;
    const path = `${GW}workflow_job_templates/${wf}/notification_templates_success/`;
    expect((await call(url, path, { body: { id } })).status).toBe(204);
    const launched = await call(url, `${GW}workflow_job_templates/${wf}/launch/`, { body: {} });
    const job = (launched.json as { id: number }).id;
    clock.advance(5_000);
    await call(url, `${V2}workflow_jobs/${job}/`);
    await hook.until(1);
    expect(hook.got[0]?.body).toMatchObject({
      id: job,
      status: "successful",
      url: `https://aap.simulator/#/jobs/workflow/${job}`,
    });
    // No username or password: AWX sends no Authorization header.
    expect(hook.got[0]?.headers.authorization).toBeUndefined();
  });
});
