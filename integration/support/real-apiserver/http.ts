/**
 * HTTPS calls to the API server (and plain-HTTP ones to etcd).
 * @module
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Pki } from "./certs.ts";

/** The status and body of an HTTP answer. */
export interface Reply {
  status: number;
  text: string;
}

/** An HTTPS request to the API server at `url`, as the admin client certificate of `pki`. */
export function call(
  pki: Pki,
  url: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<Reply> {
  return new Promise((resolveCall, reject) => {
    const target = new URL(path, url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      target,
      {
        method,
        ca: pki.caCert,
        cert: pki.clientCert,
        key: pki.clientKey,
        headers: {
          accept: "application/json",
          ...(payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
        },
        timeout: timeoutMs,
      },
      (res) => {
        // A watch streams: its status line is the answer.
        if (target.searchParams.get("watch") === "true") {
          resolveCall({ status: res.statusCode ?? 0, text: "" });
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolveCall({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)),
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** A plain-HTTP GET with a 2 s timeout (for etcd's `/health`). */
export function plainGet(url: string): Promise<Reply> {
  return new Promise((resolveGet, reject) => {
    const req = httpRequest(url, { timeout: 2_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolveGet({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
