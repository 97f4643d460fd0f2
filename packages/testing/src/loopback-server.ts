import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A plain HTTP server on 127.0.0.1 with a random port that tracks its connections, so that
 * `stop()` can cut them (held requests, open watches) instead of waiting for clients to
 * hang up. Every simulator of this package serves through one.
 */
export class LoopbackServer {
  readonly #handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #url: string | undefined;

  /** @param handler - called for every request. */
  constructor(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    this.#handler = handler;
  }

  /** The base URL (`http://127.0.0.1:PORT`), or undefined when not listening. */
  get url(): string | undefined {
    return this.#url;
  }

  /** Starts listening on 127.0.0.1 on a random port; resolves to the base URL. */
  async start(): Promise<string> {
    if (this.#url) return this.#url;
    const server = createServer(this.#handler);
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.#url;
  }

  /**
   * Stops: runs `beforeClose` (to release whatever holds requests open), destroys every
   * connection and closes the server. Idempotent; does nothing when not listening.
   */
  async stop(beforeClose?: () => void): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#url = undefined;
    beforeClose?.();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    await closed;
  }
}

/**
 * The base of every simulator's HTTP server: a {@link LoopbackServer} whose requests go to
 * {@link LoopbackService.onRequest}, with the start/stop/url surface the simulators expose.
 *
 * @typeParam Deps - What the server needs from its simulator (state, faults, request log…).
 */
export abstract class LoopbackService<Deps> {
  /** What the server needs from its simulator. */
  protected readonly deps: Deps;
  readonly #http = new LoopbackServer((req, res) => void this.onRequest(req, res));

  /** @param deps - What the server needs from its simulator. */
  constructor(deps: Deps) {
    this.deps = deps;
  }

  /** The base URL, or undefined when not listening. */
  get url(): string | undefined {
    return this.#http.url;
  }

  /**
   * The base URL of a started server.
   *
   * @param what - What is not started, for the error (e.g. `the AAP simulator`).
   * @throws Error if the server is not listening.
   */
  startedUrl(what: string): string {
    const url = this.#http.url;
    if (url === undefined) throw new Error(`${what} is not started`);
    return url;
  }

  /** Starts listening on 127.0.0.1 on a random port; resolves to the base URL. */
  start(): Promise<string> {
    return this.#http.start();
  }

  /**
   * Runs {@link LoopbackService.beforeStop}, destroys open connections and closes the
   * server. Idempotent.
   */
  stop(): Promise<void> {
    return this.#http.stop(() => this.beforeStop());
  }

  /** Releases whatever holds requests open (held requests, watches); nothing by default. */
  protected beforeStop(): void {}

  /** Serves one request. */
  protected abstract onRequest(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** Reads the whole request body. Rejects when the client goes away mid-body. */
export function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
    req.on("close", () => {
      if (!req.complete) reject(new Error("request aborted"));
    });
  });
}

/**
 * Reads the whole request body; when the client went away mid-body, cuts the connection and
 * resolves to undefined.
 */
export async function readBodyOrCut(req: IncomingMessage): Promise<Buffer | undefined> {
  try {
    return await readRequestBody(req);
  } catch {
    req.socket.destroy();
    return undefined;
  }
}
