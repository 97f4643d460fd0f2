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
import type { AddressInfo, Socket } from "node:net";
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

  it("routes a plain http server by server URL, an https one by proxy URL", async () => {
    const plain = await openLink(serverUrl);
    const plainUrl = new URL(plain.url);
    expect(plainUrl.protocol).toBe("http:");
    expect(plainUrl.hostname).toBe("127.0.0.1");
    expect(plainUrl.port).not.toBe(new URL(serverUrl).port);
    expect(plain.clusterFields()).toEqual({ server: plain.url });

    const withPath = await openLink(`${serverUrl}/prefix/path`);
    expect(withPath.clusterFields()).toEqual({ server: `${withPath.url}/prefix/path` });

    // nothing connects upstream until a client does: no TLS server needed for the shape
    const tls = await openLink("https://kube.example.test:6443/prefix/path");
    expect(tls.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(tls.clusterFields()).toEqual({ proxyUrl: tls.url });
  });

  describe("as a CONNECT tunnel to an https server", () => {
    /** CONNECT through the link to `target`; resolves with the status and the tunnel socket. */
    function tunnel(link: ApiLink, target: string): Promise<{ status: number; socket: Socket }> {
      return new Promise((resolve, reject) => {
        const req = request(link.url, { method: "CONNECT", path: target, agent: false });
        req.on("connect", (res: IncomingMessage, socket: Socket) =>
          resolve({ status: res.statusCode ?? 0, socket }),
        );
        req.on("response", (res: IncomingMessage) =>
          resolve({ status: res.statusCode ?? 0, socket: res.socket }),
        );
        req.on("error", reject);
        req.end();
      });
    }

    /** One HTTP/1.0 GET over an open socket; resolves with everything the server sent. */
    async function getOver(socket: Socket, path: string): Promise<string> {
      socket.write(`GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`);
      const chunks: Buffer[] = [];
      for await (const chunk of socket) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    }

    it("tunnels to the API server's host and port, bytes untouched (TLS would run end to end)", async () => {
      const port = new URL(serverUrl).port;
      // The link thinks the server speaks https; the tunnel itself is plain TCP.
      const link = await openLink(`https://127.0.0.1:${port}`);
      const { status, socket } = await tunnel(link, `127.0.0.1:${port}`);
      expect(status).toBe(200);
      const reply = await getOver(socket, "/through-the-tunnel");
      expect(reply).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(reply.endsWith("ok")).toBe(true);
      expect(received.map((r) => r.url)).toEqual(["/through-the-tunnel"]);
    });

    it("refuses to tunnel anywhere else (403)", async () => {
      const port = new URL(serverUrl).port;
      const link = await openLink(`https://127.0.0.1:${port}`);
      const { status } = await tunnel(link, `127.0.0.1:${Number(port) + 1}`);
      expect(status).toBe(403);
      expect(received).toEqual([]);
    });

    it("cut() breaks an open tunnel", async () => {
      const port = new URL(serverUrl).port;
      const link = await openLink(`https://127.0.0.1:${port}`);
      const { socket } = await tunnel(link, `127.0.0.1:${port}`);
      const closed = once(socket, "close");
      link.cut();
      await closed;
      expect(socket.destroyed).toBe(true);
    });
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
