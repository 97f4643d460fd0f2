/**
 * A controller's own connection to the Kubernetes API: a loopback relay that can be cut.
 * Cutting it is how the suite crashes a controller: from that instant the API server sees
 * nothing more from it (its in-flight requests and watches break, new connections are
 * refused), exactly as if its process had died.
 *
 * Two ways through it, chosen by {@link ApiLink.clusterFields}:
 * - an `https` API server is reached through it as an HTTP `CONNECT` proxy (the kubeconfig's
 *   `proxy-url`): TLS runs end to end with the server's own name, so certificates verify as
 *   without the relay, whatever name or address the server has;
 * - a plain `http` API server (the simulator) is reached by pointing the kubeconfig's server
 *   at the relay, which passes the bytes on.
 *
 * @module
 */
import { connect, createServer, type Server, type Socket } from "node:net";

/** The most a CONNECT request head may take, bytes. */
const MAX_HEAD = 8 * 1024;

/** A relay from a loopback port to one API server. */
export class ApiLink {
  private constructor(
    private readonly server: Server,
    private readonly state: { sockets: Set<Socket>; cut: boolean; connections: number },
    /** The relay's own URL, `http://127.0.0.1:<port>`. */
    readonly url: string,
    /** The API server's URL. */
    readonly target: URL,
  ) {}

  /** Open a relay to the API server at `apiUrl` (`https://10.0.0.5:6443`, say). */
  static async open(apiUrl: string): Promise<ApiLink> {
    const target = new URL(apiUrl);
    const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
    const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
    const state = { sockets: new Set<Socket>(), cut: false, connections: 0 };
    const track = (socket: Socket) => {
      state.sockets.add(socket);
      socket.on("close", () => state.sockets.delete(socket));
    };
    const server = createServer((client) => {
      if (state.cut) {
        client.destroy();
        return;
      }
      state.connections++;
      track(client);
      client.on("error", () => client.destroy());
      const tunnel = target.protocol === "https:";
      readHead(client, tunnel, (head, rest) => {
        if (state.cut) return void client.destroy();
        const wanted = tunnel ? connectTarget(head) : undefined;
        if (tunnel && (wanted === undefined || !sameTarget(wanted, host, port))) {
          client.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
          return;
        }
        const upstream = connect({ host, port });
        track(upstream);
        upstream.on("error", () => {
          upstream.destroy();
          client.destroy();
        });
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        upstream.on("connect", () => {
          if (tunnel) client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
          else upstream.write(head);
          if (rest.length > 0) upstream.write(rest);
          client.pipe(upstream);
          upstream.pipe(client);
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("relay has no port");
    return new ApiLink(server, state, `http://127.0.0.1:${address.port}`, target);
  }

  /**
   * What to change in the API server's kubeconfig cluster entry so a client goes through
   * the relay: `proxyUrl` for an https server, `server` for a plain http one.
   */
  clusterFields(): { proxyUrl: string } | { server: string } {
    if (this.target.protocol === "https:") return { proxyUrl: this.url };
    const server = new URL(this.target.href);
    const relay = new URL(this.url);
    server.hostname = relay.hostname;
    server.port = relay.port;
    return { server: server.href.replace(/\/$/, "") };
  }

  /** How many connections clients opened through the link. */
  get connections(): number {
    return this.state.connections;
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

/**
 * Read a CONNECT request's head (up to the blank line) when `tunnel`; otherwise hand on the
 * first chunk as it is.
 */
function readHead(
  client: Socket,
  tunnel: boolean,
  done: (head: Buffer, rest: Buffer) => void,
): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (!tunnel) {
      client.off("data", onData);
      client.pause();
      done(buffered, Buffer.alloc(0));
      return;
    }
    const end = buffered.indexOf("\r\n\r\n");
    if (end < 0) {
      if (buffered.length > MAX_HEAD) client.destroy();
      return;
    }
    client.off("data", onData);
    client.pause();
    done(buffered.subarray(0, end + 4), buffered.subarray(end + 4));
  };
  client.on("data", onData);
}

/** `host` and `port` of a `CONNECT host:port HTTP/1.1` head, or undefined. */
function connectTarget(head: Buffer): { host: string; port: number } | undefined {
  const line = head.toString("latin1").split("\r\n", 1)[0] ?? "";
  const match = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(line);
  if (!match?.[1]) return undefined;
  const at = match[1].lastIndexOf(":");
  if (at < 0) return undefined;
  const port = Number(match[1].slice(at + 1));
  const host = match[1].slice(0, at).replace(/^\[(.*)\]$/, "$1");
  return Number.isInteger(port) ? { host, port } : undefined;
}

function sameTarget(wanted: { host: string; port: number }, host: string, port: number): boolean {
  return wanted.port === port && wanted.host.toLowerCase() === host.toLowerCase();
}
