import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpTransport, TransportError, redactorFor } from "@provisionkit/core/http";
import { SECRET } from "./support.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** A loopback server answering with `handler`, stopped (connections cut) after the test. */
async function serve(handler: Handler): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  server.on("connection", (s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

const transport = (timeoutMs = 2000, maxResponseBytes?: number): HttpTransport =>
  new HttpTransport({
    timeoutMs,
    redactor: redactorFor([SECRET]),
    ...(maxResponseBytes ? { maxResponseBytes } : {}),
  });

describe("HttpTransport", () => {
  it("returns every status as it is, with its headers and body text, and sends the body", async () => {
    let seen = { method: "", body: "", length: "", auth: "" };
    const url = await serve((req, body, res) => {
      seen = {
        method: req.method ?? "",
        body,
        length: req.headers["content-length"] ?? "",
        auth: req.headers.authorization ?? "",
      };
      res.writeHead(503, { "retry-after": "5", "x-many": ["a", "b"] });
      res.end("down");
    });
    const response = await transport().send({
      method: "POST",
      url: `${url}/jobs`,
      headers: { Authorization: `Bearer ${SECRET}` },
      body: '{"a":"é"}',
    });
    expect(response.status).toBe(503);
    expect(response.text).toBe("down");
    expect(response.header("Retry-After")).toBe("5");
    expect(response.header("x-many")).toBe("a, b");
    expect(response.header("absent")).toBeUndefined();
    expect(seen).toEqual({
      method: "POST",
      body: '{"a":"é"}',
      length: "10",
      auth: `Bearer ${SECRET}`,
    });
  });

  it("does not follow redirects", async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(302, { location: "/elsewhere" });
      res.end();
    });
    const response = await transport().send({ method: "POST", url: `${url}/jobs`, body: "{}" });
    expect(response.status).toBe(302);
    expect(response.header("location")).toBe("/elsewhere");
  });

  it("a server that never answers → a timeout after the per-request limit, connected", async () => {
    const url = await serve(() => {});
    const started = performance.now();
    const error = await failure(
      transport(60_000).send({ method: "GET", url, timeoutMs: 100, freshConnection: true }),
    );
    expect(error.kind).toBe("timeout");
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toBe("no complete response within 100 ms");
    expect(error.connected).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("an already aborted signal → aborted, nothing sent; an abort in flight → aborted", async () => {
    let requests = 0;
    const url = await serve(() => {
      requests += 1;
    });
    const before = await failure(
      transport().send({ method: "GET", url, signal: AbortSignal.abort() }),
    );
    expect([before.kind, before.connected]).toEqual(["aborted", false]);
    expect(requests).toBe(0);
    const controller = new AbortController();
    const sending = transport().send({
      method: "POST",
      url,
      body: "{}",
      signal: controller.signal,
      freshConnection: true,
    });
    while (requests === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const during = await failure(sending);
    expect([during.kind, during.connected]).toEqual(["aborted", true]);
  });

  it("a fresh connection tells a refused connection (never connected) from a reset (connected)", async () => {
    const url = await serve((req) => req.socket.destroy());
    const reset = await failure(
      transport().send({ method: "POST", url, body: "{}", freshConnection: true }),
    );
    expect(reset.kind).toBe("network");
    expect(reset.code).toBe("ECONNRESET");
    expect(reset.connected).toBe(true);
    await stop?.();
    stop = undefined;
    const refused = await failure(
      transport().send({ method: "POST", url, body: "{}", freshConnection: true }),
    );
    expect(refused.code).toBe("ECONNREFUSED");
    expect(refused.connected).toBe(false);
    // A new pooled connection is tracked the same way: refused, it never connected.
    const pooled = await failure(transport().send({ method: "GET", url }));
    expect(pooled.code).toBe("ECONNREFUSED");
    expect(pooled.connected).toBe(false);
  });

  it("a request reset on a reused pooled connection was connected (it may have arrived)", async () => {
    let served = 0;
    const url = await serve((req, _body, res) => {
      served += 1;
      if (served === 1) res.end("first");
      else req.socket.destroy();
    });
    const pool = transport();
    expect((await pool.send({ method: "GET", url })).text).toBe("first");
    const reset = await failure(pool.send({ method: "POST", url, body: "{}" }));
    expect(reset.kind).toBe("network");
    expect(reset.connected).toBe(true);
    expect(served).toBe(2);
  });

  it("caps the response size", async () => {
    const url = await serve((_req, _body, res) => res.end("x".repeat(100)));
    const error = await failure(transport(2000, 10).send({ method: "GET", url }));
    expect(error.kind).toBe("network");
    expect(error.message).toContain("maxContentLength");
  });

  it("failures carry no request configuration, headers or secrets", async () => {
    const url = await serve((req) => req.socket.destroy());
    const error = await failure(
      transport().send({
        method: "GET",
        url: `${url}/jobs`,
        headers: { Authorization: `Bearer ${SECRET}` },
      }),
    );
    const everything = JSON.stringify({ ...error, message: error.message, stack: error.stack });
    expect(everything).not.toContain(SECRET);
    expect(Object.keys(error).sort()).toEqual(["code", "connected", "kind", "name", "status"]);
    expect(error.cause).toBeUndefined();
  });
});
