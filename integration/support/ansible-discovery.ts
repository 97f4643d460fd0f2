/**
 * A loopback HTTP front for the real API-server tier, for clients that discover the API
 * first: kubernetes.core's modules (the Python client's dynamic discovery) start with
 * `GET /apis` and `GET /api`, which a kube-apiserver always serves but the standalone
 * apiextensions-apiserver of this tier answers with 404 (it has no core group, and its root
 * group list is served by kube-apiserver's aggregator in a cluster). The front answers those
 * three documents itself, only when the server answered 404, from the CRDs it is given, and
 * forwards every other request unchanged to the real server with the kubeconfig's client
 * certificate: gets, patches, JSON-patch tests and finalizer rules are the real server's.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { request } from "node:https";
import type { AddressInfo } from "node:net";

/** A custom resource the front lists in `/apis`. */
export interface FrontCrd {
  group: string;
  version: string;
}

interface KubeconfigParts {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

function parts(kubeconfig: string): KubeconfigParts {
  const config = JSON.parse(kubeconfig) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const b64 = (text: string) => Buffer.from(text, "base64");
  const cluster = config.clusters[0]!.cluster;
  const user = config.users[0]!.user;
  return {
    server: cluster.server,
    ca: b64(cluster["certificate-authority-data"]),
    cert: b64(user["client-certificate-data"]),
    key: b64(user["client-key-data"]),
  };
}

function discovery(path: string, crds: readonly FrontCrd[]): unknown {
  if (path === "/api") return { kind: "APIVersions", versions: ["v1"] };
  if (path === "/api/v1") return { kind: "APIResourceList", groupVersion: "v1", resources: [] };
  const groups = [...new Set(crds.map((c) => c.group))].map((group) => {
    const versions = crds
      .filter((c) => c.group === group)
      .map((c) => ({ groupVersion: `${group}/${c.version}`, version: c.version }));
    return { name: group, versions, preferredVersion: versions[0] };
  });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

const SYNTHESIZED = new Set(["/api", "/api/v1", "/apis"]);

/** The front: its kubeconfig (plain HTTP on loopback, no credentials) and what it answered. */
export class DiscoveryFront {
  /** The discovery paths the front answered itself (the server said 404). */
  readonly synthesized = new Set<string>();

  private constructor(private readonly server: Server) {}

  /** Starts a front for the server of `kubeconfig` (the real tier's: CA and client cert). */
  static async start(kubeconfig: string, crds: readonly FrontCrd[]): Promise<DiscoveryFront> {
    const upstream = parts(kubeconfig);
    const server = createServer();
    const front = new DiscoveryFront(server);
    server.on("request", (incoming: IncomingMessage, outgoing: ServerResponse) => {
      const url = new URL(incoming.url ?? "/", upstream.server);
      const forwarded = request(
        url,
        {
          method: incoming.method,
          headers: { ...incoming.headers, host: url.host },
          ca: upstream.ca,
          cert: upstream.cert,
          key: upstream.key,
        },
        (answer) => {
          const path = url.pathname.replace(/\/$/, "");
          if (answer.statusCode === 404 && incoming.method === "GET" && SYNTHESIZED.has(path)) {
            answer.resume();
            front.synthesized.add(path);
            outgoing
              .writeHead(200, { "content-type": "application/json" })
              .end(JSON.stringify(discovery(path, crds)));
            return;
          }
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forwarded.on("error", (error) => {
        outgoing.writeHead(502, { "content-type": "text/plain" }).end(error.message);
      });
      incoming.pipe(forwarded);
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    return front;
  }

  /** A kubeconfig for the front (JSON). */
  get kubeconfig(): string {
    const server = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "front", cluster: { server } }],
      users: [{ name: "front", user: {} }],
      contexts: [{ name: "front", context: { cluster: "front", user: "front" } }],
      "current-context": "front",
    });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
