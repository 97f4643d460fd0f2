/**
 * A controller's own connection to the Kubernetes API: a loopback TCP relay that can be cut.
 * Cutting it is how the suite crashes a controller: from that instant the API server sees
 * nothing more from it (its in-flight requests and watches break, new connections are
 * refused), exactly as if its process had died. TLS passes through untouched.
 *
 * @module
 */
import { createServer, connect, type Server, type Socket } from "node:net";

/** A relay from a loopback port to the API server's host and port. */
export class ApiLink {
  private constructor(
    private readonly server: Server,
    private readonly state: { sockets: Set<Socket>; cut: boolean },
    /** The relay's URL: the API server's URL with this host and port. */
    readonly url: string,
  ) {}

  /** Open a relay to the server of `apiUrl` (`https://127.0.0.1:6443`, say). */
  static async open(apiUrl: string): Promise<ApiLink> {
    const target = new URL(apiUrl);
    const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
    const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
    const state = { sockets: new Set<Socket>(), cut: false };
    const server = createServer((client) => {
      if (state.cut) {
        client.destroy();
        return;
      }
      const upstream = connect({ host, port });
      for (const socket of [client, upstream]) {
        state.sockets.add(socket);
        socket.on("close", () => state.sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("relay has no port");
    const url = new URL(apiUrl);
    url.hostname = "127.0.0.1";
    url.port = String(address.port);
    return new ApiLink(server, state, url.href.replace(/\/$/, ""));
  }

  /** Whether the link was cut. */
  get isCut(): boolean {
    return this.state.cut;
  }

  /** Cut the link: every connection is destroyed now, and no new one is accepted. */
  cut(): void {
    if (this.state.cut) return;
    this.state.cut = true;
    this.server.close();
    for (const socket of this.state.sockets) socket.destroy();
    this.state.sockets.clear();
  }
}
