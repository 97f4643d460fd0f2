/**
 * A scripted HTTP(S) server on loopback for testing HTTP clients.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { RecordedRequest } from "./recorded-request.js";
import { json, type Reply } from "./replies.js";

/** A TLS key and certificate (PEM), e.g. from `createTestPki`. */
export interface TlsKeyPair {
  /** The private key. */
  key: string;
  /** The certificate. */
  cert: string;
}

/** Options of {@link ScriptedHttpServer}. */
export interface ScriptedHttpServerOptions {
  /** Serve HTTPS with this key and certificate. Default: plain HTTP. */
  tls?: TlsKeyPair | undefined;
  /** The reply to requests no route scripts. Default: a JSON 418 naming the request. */
  fallback?: Reply;
}

/** The hooks of a test runner ({@link ScriptedHttpServer.perTest}); vitest's fit. */
export interface TestHooks {
  /** Runs `fn` before each test. */
  beforeEach(fn: () => Promise<void>): unknown;
  /** Runs `fn` after each test. */
  afterEach(fn: () => Promise<void>): unknown;
}

const unscripted: Reply = (request, response) =>
  json(418, { detail: `unscripted ${request.method} ${request.path}` })(request, response);

/**
 * An HTTP(S) server on 127.0.0.1 that answers scripted replies per route and records
 * every request: the other side of an HTTP client under test. A route is a path, or a
 * method and a path; its replies are used one per request, the last one repeating.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, expect, it } from "vitest";
 * import { ScriptedHttpServer, json, reset } from "@provisionkit/testing";
 *
 * const server = ScriptedHttpServer.perTest({ beforeEach, afterEach });
 *
 * it("retries a reset read", async () => {
 *   server.on("GET", "/jobs/7", reset, json(200, { id: "7", state: "Running" }));
 *   await expect(new MyClient(server.url).get("7")).resolves.toMatchObject({ id: "7" });
 *   expect(server.count("GET", "/jobs/7")).toBe(2);
 * });
 * ```
 */
export class ScriptedHttpServer {
  /** Every request received since the server (last) started. */
  readonly requests: RecordedRequest[] = [];
  readonly #options: ScriptedHttpServerOptions;
  readonly #routes = new Map<string, Reply[]>();
  #fallback: Reply;
  #server: Server | undefined;
  #waiters: ((request: RecordedRequest) => void)[] = [];

  /** @param options - see {@link ScriptedHttpServerOptions}; call {@link ScriptedHttpServer.listen} next. */
  constructor(options: ScriptedHttpServerOptions = {}) {
    this.#options = options;
    this.#fallback = options.fallback ?? unscripted;
  }

  /** A started server. */
  static async start(options: ScriptedHttpServerOptions = {}): Promise<ScriptedHttpServer> {
    const server = new ScriptedHttpServer(options);
    await server.listen();
    return server;
  }

  /**
   * A server started before each test and closed after it (a new port and an empty
   * script every time), registered with the runner's hooks.
   */
  static perTest(hooks: TestHooks, options: ScriptedHttpServerOptions = {}): ScriptedHttpServer {
    const server = new ScriptedHttpServer(options);
    hooks.beforeEach(() => server.listen());
    hooks.afterEach(() => server.close());
    return server;
  }

  /** Starts listening on 127.0.0.1 on a random port, with no routes and no requests. */
  async listen(): Promise<void> {
    if (this.#server !== undefined) throw new Error("ScriptedHttpServer: already listening");
    this.#routes.clear();
    this.requests.length = 0;
    this.#fallback = this.#options.fallback ?? unscripted;
    const { tls } = this.#options;
    const server = tls === undefined ? createServer() : createHttpsServer(tls);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => this.#receive(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    this.#server = server;
  }

  /** `http://127.0.0.1:<port>` (or `https://…`). */
  get url(): string {
    if (this.#server === undefined) throw new Error("ScriptedHttpServer: not listening");
    const { port } = this.#server.address() as AddressInfo;
    return `${this.#options.tls === undefined ? "http" : "https"}://127.0.0.1:${port}`;
  }

  /** Scripts replies for a path, whatever the method: one per request, the last one repeating. */
  on(path: string, ...replies: Reply[]): this;
  /** Scripts replies for `method path`: one per request, the last one repeating. */
  on(method: string, path: string, ...replies: Reply[]): this;
  on(first: string, ...rest: (string | Reply)[]): this {
    const [second, ...more] = rest;
    if (typeof second === "string") {
      this.#routes.set(`${first} ${second}`, more as Reply[]);
    } else {
      this.#routes.set(first, rest as Reply[]);
    }
    return this;
  }

  /** The reply to requests no route scripts. */
  otherwise(reply: Reply): this {
    this.#fallback = reply;
    return this;
  }

  /** The number of requests to `method path`. */
  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length;
  }

  /** The last request (throws when none arrived). */
  last(): RecordedRequest {
    const request = this.requests.at(-1);
    if (request === undefined) throw new Error("no request was received");
    return request;
  }

  /** Resolves when the next request arrives. */
  nextRequest(): Promise<RecordedRequest> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Cuts every connection (hanging ones too) and stops listening. Does nothing when stopped. */
  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    this.#waiters = [];
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const raw = Buffer.concat(chunks);
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        path: url.pathname,
        url: req.url ?? "",
        query: url.searchParams,
        headers: req.headers,
        raw,
        body: raw.toString("utf8"),
      };
      this.requests.push(recorded);
      const waiters = this.#waiters;
      this.#waiters = [];
      waiters.forEach((w) => w(recorded));
      const queue =
        this.#routes.get(`${recorded.method} ${recorded.path}`) ?? this.#routes.get(recorded.path);
      const reply =
        queue === undefined || queue.length === 0
          ? this.#fallback
          : queue.length === 1
            ? queue[0]!
            : queue.shift()!;
      reply(recorded, res);
    });
  }
}

/** A URL on which nothing listens (a server started and stopped): connections are refused. */
export async function refusedUrl(): Promise<string> {
  const closed = await ScriptedHttpServer.start();
  const { url } = closed;
  await closed.close();
  return url;
}
