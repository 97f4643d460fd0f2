/**
 * A minimal HTTP(S) client over node:http and node:https, used for the rulebook's calls to
 * AAP and the playbooks' calls to the Kubernetes API. One connection per request.
 *
 * @module
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** TLS settings of a client request. */
export interface TlsSettings {
  /** PEM CA bundle. */
  readonly ca?: string;
  /** PEM client certificate. */
  readonly cert?: string;
  /** PEM client key. */
  readonly key?: string;
  /** Verify the server certificate (default true). */
  readonly rejectUnauthorized?: boolean;
}

/** A request to send. */
export interface ClientRequest {
  /** HTTP method. */
  readonly method: string;
  /** Absolute URL. */
  readonly url: string;
  /** Request headers. */
  readonly headers?: Record<string, string>;
  /** Body text. */
  readonly body?: string;
  /** TLS settings, for `https:` URLs. */
  readonly tls?: TlsSettings;
}

/** A response received. */
export interface ClientResponse {
  /** HTTP status. */
  readonly status: number;
  /** Body text. */
  readonly text: string;
  /** The body parsed as JSON, or undefined. */
  readonly json: unknown;
}

/** How long a request may take, in real milliseconds (ansible-rulebook uses 30 s too). */
const TIMEOUT_MS = 30_000;

function parse(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Sends a request and reads the whole response.
 *
 * @throws Error on a connection failure or timeout.
 */
export function send(request: ClientRequest): Promise<ClientResponse> {
  const url = new URL(request.url);
  const headers: Record<string, string | number> = { Accept: "application/json" };
  Object.assign(headers, request.headers);
  if (request.body !== undefined) headers["Content-Length"] = Buffer.byteLength(request.body);
  const secure = url.protocol === "https:";
  const options = {
    method: request.method,
    headers,
    agent: false as const,
    timeout: TIMEOUT_MS,
    ...(secure
      ? {
          ca: request.tls?.ca,
          cert: request.tls?.cert,
          key: request.tls?.key,
          rejectUnauthorized: request.tls?.rejectUnauthorized ?? true,
        }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, text, json: parse(text) });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${request.method} ${url.pathname} timed out`)));
    req.on("error", reject);
    req.end(request.body);
  });
}
