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
