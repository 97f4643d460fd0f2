/**
 * The auth stub: what the API server asks of "its" kube-apiserver.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** A running auth stub (see {@link startAuthStub}). */
export interface AuthStub {
  url: string;
  /** Requests it did not serve (404), for error messages. */
  unexpected: string[];
  close(): Promise<void>;
}

/**
 * apiextensions-apiserver delegates authentication and authorization (TokenReview,
 * SubjectAccessReview) and watches Services (for webhook conversion) on a core API server that
 * does not exist here. This small HTTP server answers those calls: no bearer token is valid,
 * only `system:masters` is authorized (the API server itself always allows that group), and
 * there are no Services.
 */
export async function startAuthStub(): Promise<AuthStub> {
  const unexpected: string[] = [];
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    } catch {
      return undefined;
    }
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stub");
    const path = url.pathname;
    if (req.method === "POST" && path === "/apis/authentication.k8s.io/v1/tokenreviews") {
      const review = (await readBody(req)) as { spec?: unknown } | undefined;
      json(res, 201, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: review?.spec ?? {},
        status: { authenticated: false, error: "the provisionkit test stub accepts no tokens" },
      });
      return;
    }
    if (req.method === "POST" && path === "/apis/authorization.k8s.io/v1/subjectaccessreviews") {
      const review = (await readBody(req)) as { spec?: { groups?: unknown } } | undefined;
      const groups = Array.isArray(review?.spec?.groups) ? (review.spec.groups as unknown[]) : [];
      const allowed = groups.includes("system:masters");
      json(res, 201, {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: review?.spec ?? {},
        status: {
          allowed,
          ...(allowed
            ? {}
            : { reason: "the provisionkit test stub authorizes system:masters only" }),
        },
      });
      return;
    }
    if (req.method === "GET" && path === "/api/v1/services") {
      if (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1") {
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        if (url.searchParams.get("sendInitialEvents") === "true") {
          // The end of the (empty) initial list, as a watch-list client expects it.
          res.write(
            `${JSON.stringify({
              type: "BOOKMARK",
              object: {
                kind: "Service",
                apiVersion: "v1",
                metadata: {
                  resourceVersion: "1",
                  annotations: { "k8s.io/initial-events-end": "true" },
                },
              },
            })}\n`,
          );
        }
        return; // Kept open, with no events, until the client or close() ends it.
      }
      json(res, 200, {
        kind: "ServiceList",
        apiVersion: "v1",
        metadata: { resourceVersion: "1" },
        items: [],
      });
      return;
    }
    unexpected.push(`${req.method ?? "?"} ${req.url ?? ""}`);
    json(res, 404, {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "NotFound",
      code: 404,
      message: "not served by the provisionkit auth stub",
    });
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(error) });
      else res.destroy();
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    unexpected,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolveClose());
      }),
  };
}
