import { Buffer } from "node:buffer";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { EngineEvent } from "../../src/engine/types.ts";
import type { Logger } from "../../src/logger.ts";
import { EventRecorder } from "../../src/kubernetes/events.ts";
import { KubeApi } from "../../src/kubernetes/kube-api.ts";
import { tokenKubeConfig } from "./token-kubeconfig.ts";

// The recorder through the real client-node (KubeApi, NodeHttpLibrary) against a loopback
// server the test starts and stops. The server holds each answer until the test releases
// it, so what is "not written yet" is a fact of the test, not a guess about timing.

const TOKEN = "ev3nt-t0ken";
const ref = { group: "example.com", version: "v1", plural: "widgets", kind: "Widget" };

interface Held {
  reason: string;
  body: { involvedObject?: { resourceVersion?: string }; firstTimestamp?: string };
  answer: (code: number) => void;
}

/** An Events endpoint whose answers wait for `release`. */
async function eventsServer() {
  const held: Held[] = [];
  const written: string[] = [];
  let open = 0;
  let maxOpen = 0;
  let arrived: (() => void) | undefined;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Held["body"] & {
        reason: string;
      };
      open++;
      maxOpen = Math.max(maxOpen, open);
      held.push({
        reason: body.reason,
        body,
        answer: (code) => {
          open--;
          if (code < 300) written.push(body.reason);
          response.writeHead(code, { "content-type": "application/json" });
          response.end(
            JSON.stringify(
              code < 300 ? { ...body, metadata: { name: "x" } } : { kind: "Status", code },
            ),
          );
        },
      });
      arrived?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  /** Resolves once `count` requests have arrived in all. */
  const requests = async (count: number) => {
    while (held.length < count) {
      await new Promise<void>((resolve) => (arrived = resolve));
    }
  };
  /** Answers the oldest request not answered yet. */
  let answered = 0;
  const release = (code = 201) => {
    const next = held[answered++];
    if (!next) throw new Error("no request is held");
    next.answer(code);
  };
  return { base, held, written, requests, release, maxOpen: () => maxOpen };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function api(server: string): KubeApi {
  return new KubeApi(tokenKubeConfig(server, TOKEN), ref);
}

function logger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  const log: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  return { log, lines };
}

const object = {
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name: "w-1", namespace: "ns", resourceVersion: "7", uid: "u-1" },
};
const events = (...reasons: string[]): EngineEvent[] =>
  reasons.map((reason) => ({ type: "Normal", reason, message: `${reason} happened` }));

/** Whether `promise` has settled, after every callback already queued has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("EventRecorder", () => {
  it("queues without waiting for the Events API, writes one at a time in order, and drained() waits for the writes", async () => {
    const server = await eventsServer();
    const { log } = logger();
    const recorder = new EventRecorder(api(server.base), "pk", log, () => 1_000);
    // record resolves although the server answers nothing yet.
    await recorder.record(object, events("A", "B"));
    await recorder.record(object, events("C"));
    await server.requests(1);
    const drained = recorder.drained();
    expect(await settled(drained)).toBe(false);
    expect(server.held.map((h) => h.reason)).toEqual(["A"]);
    expect(recorder.queued).toBe(2);
    server.release();
    await server.requests(2);
    server.release();
    await server.requests(3);
    expect(await settled(drained)).toBe(false);
    server.release();
    await drained;
    expect(server.written).toEqual(["A", "B", "C"]);
    expect(server.maxOpen()).toBe(1);
    expect(recorder.queued).toBe(0);
  });

  it("makes a reconcile wait when the queue is full, logs that once, and loses nothing", async () => {
    const server = await eventsServer();
    const { log, lines } = logger();
    const recorder = new EventRecorder(api(server.base), "pk", log, () => 1_000, 2);
    await recorder.record(object, events("A"));
    await server.requests(1);
    // A is being written; B and C fill the queue; D must wait for room.
    const recording = recorder.record(object, events("B", "C", "D"));
    expect(await settled(recording)).toBe(false);
    expect(recorder.queued).toBe(2);
    const full = lines.filter((l) => l.message.includes("queue is full"));
    expect(full).toHaveLength(1);
    expect(full[0]?.fields).toEqual({ capacity: 2 });
    server.release(); // A written: B is taken, D finds room.
    await recording;
    expect(recorder.queued).toBe(2);
    for (let i = 2; i <= 4; i++) {
      await server.requests(i);
      server.release();
    }
    await recorder.drained();
    expect(server.written).toEqual(["A", "B", "C", "D"]);
    expect(lines.filter((l) => l.message.includes("queue is full"))).toHaveLength(1);
  });

  it("goes on after a failed write, and stops for good on 404 (no Events API), dropping what is queued", async () => {
    const server = await eventsServer();
    const { log, lines } = logger();
    const recorder = new EventRecorder(api(server.base), "pk", log, () => 1_000);
    await recorder.record(object, events("A", "B", "C", "D"));
    await server.requests(1);
    server.release(500);
    await server.requests(2);
    server.release(404);
    await recorder.drained();
    expect(server.held.map((h) => h.reason)).toEqual(["A", "B"]);
    expect(recorder.enabled).toBe(false);
    expect(recorder.queued).toBe(0);
    await recorder.record(object, events("E"));
    await recorder.drained();
    expect(server.held).toHaveLength(2);
    const messages = lines.map((l) => `${l.level}: ${l.message}`);
    expect(messages).toEqual([
      "warn: recording an event failed",
      "info: the API server has no core Events API for this controller (or forbids it); not recording Kubernetes events",
    ]);
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it("close() drops the queued Events, counts them in the log, and lets the one in flight end", async () => {
    const server = await eventsServer();
    const { log, lines } = logger();
    const recorder = new EventRecorder(api(server.base), "pk", log, () => 1_000);
    await recorder.record(object, events("A", "B", "C"));
    await server.requests(1);
    recorder.close();
    expect(lines.map((l) => [l.message, l.fields])).toEqual([
      ["stopping: Kubernetes Events not written", { dropped: 2, unfinished: 1 }],
    ]);
    const drained = recorder.drained();
    expect(await settled(drained)).toBe(false);
    server.release();
    await drained;
    await recorder.record(object, events("D"));
    await recorder.drained();
    expect(server.held.map((h) => h.reason)).toEqual(["A"]);
    expect(server.written).toEqual(["A"]);
  });

  it("builds each Event when it is recorded: the object's resourceVersion and the clock of that moment", async () => {
    const server = await eventsServer();
    const { log } = logger();
    let now = Date.parse("2026-12-07T10:00:00Z");
    const recorder = new EventRecorder(api(server.base), "pk", log, () => now);
    await recorder.record(object, events("A"));
    now += 60_000;
    await recorder.record(
      { ...object, metadata: { ...object.metadata, resourceVersion: "8" } },
      events("B"),
    );
    await server.requests(1);
    server.release();
    await server.requests(2);
    server.release();
    await recorder.drained();
    expect(
      server.held.map((h) => [
        h.reason,
        h.body.involvedObject?.resourceVersion,
        h.body.firstTimestamp,
      ]),
    ).toEqual([
      ["A", "7", "2026-12-07T10:00:00.000Z"],
      ["B", "8", "2026-12-07T10:01:00.000Z"],
    ]);
    expect(() => new EventRecorder(api(server.base), "pk", log, () => now, 0)).toThrow(RangeError);
  });
});
