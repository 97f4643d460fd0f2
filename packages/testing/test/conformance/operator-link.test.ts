/**
 * `ApiLink`, the loopback relay the operator suite cuts to crash a controller: requests pass
 * through it untouched, and cutting it breaks what is in flight and refuses what comes next.
 */
import { once } from "node:events";
import {
  createServer,
  request,
  type IncomingMessage,
  type RequestOptions,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiLink } from "../../src/conformance/operator/link.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback HTTP server whose handler each test sets. */
let server: Server;
let serverUrl: string;
let handler: Handler;
/** Every request the server received: method, path and body. */
let received: { method: string; url: string; body: string }[];
const links: ApiLink[] = [];

beforeEach(async () => {
  received = [];
  handler = (_req, res) => res.end("ok");
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        body: Buffer.concat(chunks).toString("utf8"),
      });
    });
    handler(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const link of links.splice(0)) link.cut();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function openLink(url: string): Promise<ApiLink> {
  const link = await ApiLink.open(url);
  links.push(link);
  return link;
}

/** One request without keep-alive; resolves with the response, not yet read. */
function send(
  url: string,
  options: RequestOptions = {},
  body?: string | Buffer,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, ...options }, resolve);
    req.on("error", reject);
    req.end(body);
  });
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** The error code a failing request ends with. */
async function failureCode(url: string): Promise<string> {
  try {
    const res = await send(url);
    await readBody(res);
  } catch (error) {
    return String((error as NodeJS.ErrnoException).code);
  }
  throw new Error(`a request to ${url} succeeded`);
}

describe("ApiLink", () => {
  it("relays requests to the server and its responses back", async () => {
    handler = (req, res) => {
      res.setHeader("x-seen-path", req.url ?? "");
      res.end(`hello ${req.method}`);
    };
    const link = await openLink(serverUrl);
    expect(link.url).not.toBe(serverUrl);
    const res = await send(`${link.url}/apis/example.com/v1/widgets?watch=false`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["x-seen-path"]).toBe("/apis/example.com/v1/widgets?watch=false");
    expect(await readBody(res)).toBe("hello GET");
    expect(received.map((r) => r.url)).toEqual(["/apis/example.com/v1/widgets?watch=false"]);
  });

  it("relays a large request body and its echo byte for byte", async () => {
    handler = (req, res) => {
      req.pipe(res);
    };
    const link = await openLink(serverUrl);
    const payload = Buffer.alloc(2 * 1024 * 1024, "abcdefghij").toString("utf8");
    const res = await send(`${link.url}/echo`, { method: "POST" }, payload);
    const echoed = await readBody(res);
    expect(echoed.length).toBe(payload.length);
    expect(echoed === payload).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0]?.body.length).toBe(payload.length);
  });

  it("cut() breaks a long-lived streaming response on both sides", async () => {
    const serverSide: Promise<void>[] = [];
    handler = (req, res) => {
      serverSide.push(once(res, "close").then(() => undefined));
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"type":"ADDED"}\n');
      // never ends: a watch
    };
    const link = await openLink(serverUrl);
    const res = await send(`${link.url}/apis/example.com/v1/widgets?watch=true`);
    const [first] = (await once(res, "data")) as [Buffer];
    expect(first.toString("utf8")).toBe('{"type":"ADDED"}\n');
    let ended = false;
    res.on("end", () => (ended = true));
    let failed: unknown;
    res.on("error", (error) => (failed = error)); // "aborted"
    const closed = new Promise<void>((resolve) => res.once("close", () => resolve()));

    expect(link.isCut).toBe(false);
    link.cut();
    expect(link.isCut).toBe(true);

    await closed;
    expect(res.complete).toBe(false);
    expect(ended).toBe(false);
    expect(failed).toBeInstanceOf(Error);
    // the server's end of the watch is gone too: the API server sees the controller die
    expect(serverSide).toHaveLength(1);
    await serverSide[0];
  });

  it("cut() breaks an idle keep-alive connection", async () => {
    const link = await openLink(serverUrl);
    const { Agent } = await import("node:http");
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const res = await send(`${link.url}/first`, { agent });
      const socket = res.socket;
      expect(await readBody(res)).toBe("ok");
      expect(socket.destroyed).toBe(false);
      const closed = once(socket, "close");
      link.cut();
      await closed;
      expect(socket.destroyed).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it("refuses new connections after cut()", async () => {
    const link = await openLink(serverUrl);
    const before = await send(`${link.url}/before`);
    expect(await readBody(before)).toBe("ok");
    link.cut();
    expect(["ECONNREFUSED", "ECONNRESET"]).toContain(await failureCode(`${link.url}/after`));
    expect(received.map((r) => r.url)).toEqual(["/before"]);
    // the server itself is still up: only the link is cut
    expect(await readBody(await send(`${serverUrl}/direct`))).toBe("ok");
  });

  it("drops a client whose upstream refuses the connection", async () => {
    const dead = createServer();
    dead.listen(0, "127.0.0.1");
    await once(dead, "listening");
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const link = await openLink(`http://127.0.0.1:${deadPort}`);
    expect(["ECONNRESET", "ECONNREFUSED"]).toContain(await failureCode(`${link.url}/x`));
    expect(link.isCut).toBe(false);
  });

  it("keeps the scheme and path of the API URL, with the relay's loopback host and port", async () => {
    const plain = await openLink(serverUrl);
    const plainUrl = new URL(plain.url);
    expect(plainUrl.protocol).toBe("http:");
    expect(plainUrl.hostname).toBe("127.0.0.1");
    expect(plainUrl.port).not.toBe(new URL(serverUrl).port);
    expect(plain.url).toBe(`http://127.0.0.1:${plainUrl.port}`);
    expect(plain.url.endsWith("/")).toBe(false);

    // nothing connects upstream until a client does: no TLS server needed for the shape
    const tls = await openLink("https://kube.example.test:6443/prefix/path");
    const tlsUrl = new URL(tls.url);
    expect(tlsUrl.protocol).toBe("https:");
    expect(tlsUrl.hostname).toBe("127.0.0.1");
    expect(Number(tlsUrl.port)).toBeGreaterThan(0);
    expect(tlsUrl.port).not.toBe("6443");
    expect(tls.url).toBe(`https://127.0.0.1:${tlsUrl.port}/prefix/path`);

    const defaultPort = await openLink("https://kube.example.test");
    expect(defaultPort.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(defaultPort.url).not.toBe("https://127.0.0.1:443");
  });

  it("gives every link its own port", async () => {
    const a = await openLink(serverUrl);
    const b = await openLink(serverUrl);
    expect(a.url).not.toBe(b.url);
    a.cut();
    expect(b.isCut).toBe(false);
    expect(await readBody(await send(`${b.url}/still`))).toBe("ok");
    expect(["ECONNREFUSED", "ECONNRESET"]).toContain(await failureCode(`${a.url}/gone`));
  });

  it("cutting twice is harmless", async () => {
    const link = await openLink(serverUrl);
    link.cut();
    expect(() => link.cut()).not.toThrow();
    expect(link.isCut).toBe(true);
    expect(["ECONNREFUSED", "ECONNRESET"]).toContain(await failureCode(`${link.url}/after`));
  });
});
