import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { JobSignal, Logger } from "@provisionkit/core";
import { findSecretLeaks } from "@provisionkit/testing";
import {
  AapNotificationReceiver,
  AapProvider,
  signalsOf,
  type AapNotificationListener,
} from "../src/index.js";

const PASSWORD = "canary-Pa55:w/rd+é";
const USER = "awx-notifier";
const EXTRA_VAR_SECRET = "extra-var-canary-91f3";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(
  url: string,
  body: string,
  options: { method?: string; auth?: string | null; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const auth =
    options.auth === null
      ? undefined
      : `Basic ${Buffer.from(options.auth ?? `${USER}:${PASSWORD}`, "utf8").toString("base64")}`;
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/provisionkit/notifications`,
      {
        method: options.method ?? "POST",
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "AWX 24.6.1 (open)",
          ...(auth === undefined ? {} : { Authorization: auth }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** AWX's job_metadata for a job (awx/main/models/unified_jobs.py:1353, jobs.py:740). */
function jobMetadata(id: number, status: string, kind: "playbook" | "workflow" = "playbook") {
  return JSON.stringify(
    {
      id,
      name: "create-compute-instance",
      url: `https://aap.example.com/#/jobs/${kind}/${id}`,
      created_by: "admin",
      started: "2026-12-05T10:00:00.000000+00:00",
      finished: "2026-12-05T10:00:10.000000+00:00",
      status,
      traceback: "",
      inventory: "Demo Inventory",
      project: "Demo Project",
      playbook: "create.yml",
      credential: null,
      limit: "",
      extra_vars: JSON.stringify({ token: EXTRA_VAR_SECRET }),
      hosts: {},
    },
    null,
    4,
  );
}

function capturingLogger(lines: string[]): Logger {
  const log = (fields: Record<string, unknown>, message: string) =>
    lines.push(`${message} ${JSON.stringify(fields)}`);
  return { debug: log, info: log, warn: log, error: log };
}

let server: AapNotificationListener | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: { maxBodyBytes?: number } = {}) {
  const lines: string[] = [];
  const receiver = new AapNotificationReceiver({
    credentials: { username: USER, password: PASSWORD },
    logger: capturingLogger(lines),
    ...options,
  });
  const signals: JobSignal[] = [];
  receiver.subscribe((s) => signals.push(s));
  server = await receiver.listen();
  return { receiver, signals, lines, url: server.url };
}

describe("AapNotificationReceiver", () => {
  it("turns an authenticated job notification into a signal with the job's kind", async () => {
    const { signals, url, receiver } = await start();
    expect((await send(url, jobMetadata(42, "successful"))).status).toBe(200);
    expect((await send(url, jobMetadata(43, "failed", "workflow"), { method: "PUT" })).status).toBe(
      200,
    );
    expect(signals).toEqual([
      { jobId: "job:42", stateHint: "Succeeded" },
      { jobId: "workflow_job:43", stateHint: "Failed" },
    ]);
    expect(receiver.counts).toEqual({ accepted: 2, rejected: 0, ignored: 0 });
  });

  it("refuses a missing or wrong password with 401 and delivers nothing", async () => {
    const { signals, url, receiver, lines } = await start();
    const none = await send(url, jobMetadata(42, "successful"), { auth: null });
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Basic /);
    expect((await send(url, jobMetadata(42, "successful"), { auth: `${USER}:wrong` })).status).toBe(
      401,
    );
    expect(
      (await send(url, jobMetadata(42, "successful"), { auth: `other:${PASSWORD}` })).status,
    ).toBe(401);
    expect(
      (
        await send(url, jobMetadata(42, "successful"), {
          auth: null,
          headers: { Authorization: "Bearer abc" },
        })
      ).status,
    ).toBe(401);
    expect(signals).toEqual([]);
    expect(receiver.counts.rejected).toBe(4);
    expect(findSecretLeaks(lines.join("\n"), [PASSWORD])).toEqual([]);
  });

  it("accepts any of several credentials (a rotation) read per request", async () => {
    let current = [{ username: USER, password: "old-secret" }];
    const receiver = new AapNotificationReceiver({ credentials: () => current });
    const signals: JobSignal[] = [];
    receiver.subscribe((s) => signals.push(s));
    server = await receiver.listen();
    expect((await send(server.url, jobMetadata(1, "successful"))).status).toBe(401);
    current = [
      { username: USER, password: "old-secret" },
      { username: USER, password: PASSWORD },
    ];
    expect((await send(server.url, jobMetadata(1, "successful"))).status).toBe(200);
    expect(signals).toHaveLength(1);
  });

  it("answers 405, 413 and 400 and ignores a notification that names no job", async () => {
    const { signals, url, receiver } = await start({ maxBodyBytes: 4096 });
    expect((await send(url, "", { method: "GET" })).status).toBe(405);
    expect((await send(url, JSON.stringify({ pad: "x".repeat(5000) }))).status).toBe(413);
    expect((await send(url, "{not json")).status).toBe(400);
    expect((await send(url, "[1]")).status).toBe(400);
    // The template's test message (awx/api/views/__init__.py:4264-4266).
    const test = await send(url, JSON.stringify({ body: "Test Notification 5 https://aap" }));
    expect(test.status).toBe(200);
    expect(signals).toEqual([]);
    expect(receiver.counts).toEqual({ accepted: 0, rejected: 4, ignored: 1 });
  });

  it("answers 413 to a chunked body past the limit, without a Content-Length", async () => {
    const { signals, url } = await start({ maxBodyBytes: 4096 });
    const reply = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${url}/x`,
        {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(`{"id": 5, "pad": "${"x".repeat(3000)}`);
      req.end(`${"y".repeat(3000)}"}`);
    });
    expect(reply).toBe(413);
    expect(signals).toEqual([]);
  });

  it("never logs the body (extra vars may hold secrets)", async () => {
    const { url, lines } = await start();
    await send(url, jobMetadata(7, "running"));
    await send(url, "{bad", { auth: `${USER}:nope` });
    expect(lines.length).toBeGreaterThan(0);
    expect(findSecretLeaks(lines.join("\n"), [PASSWORD, EXTRA_VAR_SECRET])).toEqual([]);
  });

  it("stops delivering to a closed subscription", async () => {
    const { url, receiver } = await start();
    const late: JobSignal[] = [];
    const subscription = receiver.subscribe((s) => late.push(s));
    await subscription.close();
    await send(url, jobMetadata(8, "successful"));
    expect(late).toEqual([]);
  });

  it("signals both kinds when the link names neither", () => {
    expect(signalsOf({ id: 9, status: "canceled", url: "" })).toEqual([
      { jobId: "job:9", stateHint: "Canceled" },
      { jobId: "workflow_job:9", stateHint: "Canceled" },
    ]);
    expect(signalsOf({ id: "9" })).toEqual([]);
    expect(signalsOf({ id: 0 })).toEqual([]);
  });

  it("refuses construction without credentials, and AapProvider offers jobSignals only with a receiver", () => {
    expect(
      () => new AapNotificationReceiver({ credentials: { username: "u", password: "" } }),
    ).toThrow(/credentials/);
    const client = {
      url: "http://127.0.0.1:1/api/v2/",
      auth: { type: "bearer" as const, token: "t" },
    };
    expect(new AapProvider({ client }).jobSignals).toBeUndefined();
    const receiver = new AapNotificationReceiver({ credentials: { username: "u", password: "p" } });
    expect(typeof new AapProvider({ client, notifications: receiver }).jobSignals).toBe("function");
  });
});
