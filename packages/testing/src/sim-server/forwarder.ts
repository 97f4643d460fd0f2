/**
 * A listener on a fixed (or picked) loopback port, plain TCP or TLS, that forwards each
 * connection byte for byte to a simulator's own loopback server. It gives the simulators
 * (which listen on random ports, in plain HTTP) the ports and TLS the configuration asks
 * for, and keeps their URLs stable across a control `reset`, which replaces the
 * simulators behind it.
 *
 * A simulator's connection faults pass through: when the simulator destroys a connection
 * (a `reset` or `drop-after-accept` fault), the client's connection is closed too; a reset
 * (ECONNRESET) from the simulator is passed on as a reset.
 *
 * @module
 */
import { createServer as createNetServer, connect, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { SimServerError } from "./errors.js";

/** TLS key material of a listener (PEM). */
export interface ForwarderTls {
  /** Certificate chain. */
  cert: string;
  /** Private key. */
  key: string;
}

/** Forwards connections from a public loopback port to a simulator's port. */
export class Forwarder {
  readonly #port: number;
  readonly #tls: ForwarderTls | undefined;
  readonly #what: string;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #target: number | undefined;
  #url: string | undefined;

  /**
   * @param what - What it serves, for errors (e.g. `aap.port`).
   * @param port - The port to listen on (0 picks a free one).
   * @param tls - Serve TLS with this key pair.
   */
  constructor(what: string, port: number, tls?: ForwarderTls) {
    this.#what = what;
    this.#port = port;
    this.#tls = tls;
  }

  /** The public base URL (`http://` or `https://127.0.0.1:PORT`), once listening. */
  get url(): string {
    if (this.#url === undefined) throw new Error(`${this.#what} is not listening`);
    return this.#url;
  }

  /**
   * Points new connections at this simulator base URL (`http://127.0.0.1:PORT`), or
   * refuses them (closes at once) with undefined, and closes the open ones.
   */
  retarget(targetUrl: string | undefined): void {
    this.#target = targetUrl === undefined ? undefined : Number(new URL(targetUrl).port);
    this.closeConnections();
  }

  /** Destroys every open client connection (and so its forwarded one). */
  closeConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  /**
   * Starts listening on 127.0.0.1.
   *
   * @throws SimServerError `listen-failed` (port in use, say), naming the port's field.
   */
  async start(): Promise<string> {
    const onConnection = (client: Socket): void => this.#forward(client);
    let server: Server;
    try {
      server = this.#tls
        ? createTlsServer({ cert: this.#tls.cert, key: this.#tls.key }, onConnection)
        : createNetServer(onConnection);
    } catch (error) {
      // A key or certificate that is not PEM, or a key that does not match the certificate.
      throw new SimServerError(
        "invalid-config",
        `tls: ${error instanceof Error ? error.message : String(error)}`,
        { field: "tls" },
      );
    }
    // A client that fails its TLS handshake is its own problem; nothing is forwarded.
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new SimServerError(
            "listen-failed",
            `${this.#what}: cannot listen on 127.0.0.1:${this.#port} (${error.code ?? error.message})`,
            { field: this.#what },
          ),
        ),
      );
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : this.#port;
    this.#url = `${this.#tls ? "https" : "http"}://127.0.0.1:${port}`;
    return this.#url;
  }

  /** Closes the listener and every connection. Idempotent. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.closeConnections();
    await closed;
  }

  #forward(client: Socket): void {
    const target = this.#target;
    if (target === undefined) {
      client.destroy();
      return;
    }
    this.#sockets.add(client);
    const upstream = connect({ port: target, host: "127.0.0.1" });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      // Pass a reset on as a reset (plain TCP only: TLS has no way to say it but closing).
      if (error.code === "ECONNRESET" && !this.#tls) client.resetAndDestroy();
      else client.destroy();
    });
    // The simulator closed its side (after an answer, or a connection fault): flush and close.
    upstream.on("close", () => client.end());
    client.on("error", () => upstream.destroy());
    client.on("close", () => {
      this.#sockets.delete(client);
      upstream.destroy();
    });
  }
}
