import { Buffer } from "node:buffer";
import * as http from "node:http";
import * as https from "node:https";
import * as zlib from "node:zlib";
import {
  type HttpLibrary,
  RequestContext,
  ResponseContext,
  wrapHttpLibrary,
} from "@kubernetes/client-node";
import { ConfigurationError } from "../errors.js";

/**
 * The client-node 1.x request context's agent accessors (2.x has a dispatcher instead).
 * Typed here so that core compiles against either major's types.
 */
interface AgentAccessors {
  getAgent(): http.Agent | undefined;
}

/**
 * The default bound on one answer's body, decoded (64 MiB): far above any object the API
 * server stores (etcd's default request limit is 1.5 MiB), below what would exhaust an
 * operator's memory. A larger answer fails its request.
 */
export const DEFAULT_MAX_KUBE_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * The `User-Agent` of a request that has none. The API server names the field manager of a
 * write without a `fieldManager` parameter after the part of it before the first `/`
 * (k8s.io/apiserver pkg/endpoints/handlers/create.go, `managerOrUserAgent` and
 * `prefixFromUserAgent`, used by the update and patch handlers too): the controller's
 * writes show as `provisionkit` in `managedFields` (through node-fetch they showed as
 * `node-fetch`).
 */
export const KUBE_USER_AGENT = "provisionkit";

/**
 * The default time a request may go without receiving anything before it fails (75 s):
 * above the API server's own bound on a request that is not a watch (its
 * `--request-timeout`, 60 s by default, after which it answers 504), so it fires only when
 * no answer can come — a connection that died without a reset (a failed-over API server, a
 * load balancer that dropped it), which would otherwise hold the request (and the
 * controller's worker) until the kernel gives up on it, about 15 minutes on Linux.
 */
export const DEFAULT_KUBE_REQUEST_TIMEOUT_MS = 75_000;

/** Options of {@link NodeHttpLibrary}. */
export interface NodeHttpLibraryOptions {
  /** The largest answer body accepted, in bytes (decoded); default {@link DEFAULT_MAX_KUBE_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  /**
   * How long (ms) a request may go without receiving anything before it fails with
   * `ETIMEDOUT` (an outcome the caller cannot know: a write may have landed); default
   * {@link DEFAULT_KUBE_REQUEST_TIMEOUT_MS}.
   */
  timeoutMs?: number;
}

/**
 * The HTTP library of the controller's Kubernetes requests on client-node 1.x: `node:http`
 * (or `node:https`) on the agent the request context carries (the controller's shared
 * keep-alive agent, or a proxy agent client-node made), in place of client-node's default,
 * node-fetch 2.
 *
 * Why: node-fetch's own work (its Headers, Body and stream classes) was about 12 % of the
 * controller's CPU in `bench/scale.mjs` (0.78 of 6.8 ms per lifecycle at N=1,000), for
 * nothing the Kubernetes API needs (issue 17).
 *
 * What it does as node-fetch did (client-node 1.4.0 dist/gen/http/isomorphic-fetch.js):
 * method, URL, the context's headers (with `User-Agent: provisionkit` when they have none,
 * see {@link KUBE_USER_AGENT}), its string body, its abort signal, its agent; the
 * response's status, headers (lower-case names; a repeated header's values joined with
 * ", ", as node-fetch's `Headers.forEach` gives them) and body as text or bytes. A
 * `gzip`/`deflate`/`br` body is decoded. What it does not:
 * - no `Accept-Encoding` is sent (node-fetch asked for gzip): the API server then answers
 *   uncompressed, which on loopback or a cluster network costs bytes, not CPU;
 * - redirects are not followed (node-fetch followed up to 20): the Kubernetes API does not
 *   redirect its resource paths, and a 3xx reaches client-node, which fails the call with
 *   its status;
 * - a `URLSearchParams` body is sent as its text; a `FormData` body (which none of the
 *   controller's calls send: they all send JSON) is refused with an error.
 *
 * A request that gets no answer rejects with an `Error` whose message names the method and
 * URL (no headers: they carry the credentials) and whose `code` is the system error's code
 * (`ECONNREFUSED`…, or `ETIMEDOUT` after `timeoutMs` without receiving anything, which
 * node-fetch had no bound for): a string, so callers read "no answer" as before (status 0).
 */
export class NodeHttpLibrary {
  readonly #limits: Limits;

  /**
   * @param options - see {@link NodeHttpLibraryOptions}.
   * @throws ConfigurationError when `maxResponseBytes` or `timeoutMs` is not a positive
   *   integer.
   */
  constructor(options: NodeHttpLibraryOptions = {}) {
    this.#limits = {
      maxBytes: positive(
        "maxResponseBytes",
        options.maxResponseBytes,
        DEFAULT_MAX_KUBE_RESPONSE_BYTES,
      ),
      timeoutMs: positive("timeoutMs", options.timeoutMs, DEFAULT_KUBE_REQUEST_TIMEOUT_MS),
    };
  }

  /**
   * Send one request; the promise settles when the whole answer has arrived (any status),
   * and rejects when none did (see the class's description).
   */
  send(context: RequestContext): Promise<ResponseContext> {
    const body = context.getBody();
    const limits = this.#limits;
    if (body === undefined || typeof body === "string") return send(context, body, limits);
    if (body instanceof URLSearchParams) return send(context, body.toString(), limits);
    return Promise.reject(
      new Error("provisionkit's Kubernetes requests send JSON; a form body is not supported"),
    );
  }
}

interface Limits {
  maxBytes: number;
  timeoutMs: number;
}

function positive(option: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!(Number.isSafeInteger(chosen) && chosen > 0)) {
    throw new ConfigurationError(
      `NodeHttpLibrary option ${option} must be a positive integer, got ${String(chosen)}`,
      { details: { option } },
    );
  }
  return chosen;
}

function send(
  context: RequestContext,
  body: string | undefined,
  { maxBytes, timeoutMs }: Limits,
): Promise<ResponseContext> {
  return new Promise((resolve, reject) => {
    const method = context.getHttpMethod().toString();
    const url = new URL(context.getUrl());
    const what = `${method} ${url.origin}${url.pathname}`;
    const signal = context.getSignal();
    if (signal?.aborted) {
      reject(aborted(what));
      return;
    }
    const headers: Record<string, string | number> = { ...context.getHeaders() };
    if (body !== undefined) headers["content-length"] = Buffer.byteLength(body);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === "user-agent")) {
      headers["user-agent"] = KUBE_USER_AGENT;
    }
    const agent = (context as unknown as Partial<AgentAccessors>).getAgent?.();
    const transport = url.protocol === "https:" ? https : http;
    const request = transport.request(url, {
      method,
      headers,
      // An inactivity bound on the request's connection (reset for the pool when it is
      // freed: Agent.keepSocketAlive sets the agent's own idle timeout).
      timeout: timeoutMs,
      ...(agent === undefined ? {} : { agent }),
    });
    request.on("timeout", () => {
      const error = new Error(
        `nothing received for ${timeoutMs} ms (ETIMEDOUT)`,
      ) as NodeJS.ErrnoException;
      error.code = "ETIMEDOUT";
      request.destroy(error);
    });
    const onAbort = (): void => {
      request.destroy(aborted(what));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const settle = (): void => signal?.removeEventListener("abort", onAbort);
    request.on("error", (error: NodeJS.ErrnoException) => {
      settle();
      reject(failure(what, error));
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let length = 0;
      // An answer cut before its end (an abort, a reset) emits "error" (Node >= 16: the
      // IncomingMessage is destroyed with ECONNRESET "aborted"), handled below.
      response.on("data", (chunk: Buffer) => {
        length += chunk.length;
        if (length > maxBytes) {
          response.destroy(tooLarge(maxBytes));
          return;
        }
        chunks.push(chunk);
      });
      response.on("error", (error: NodeJS.ErrnoException) => {
        settle();
        reject(failure(what, error));
      });
      response.on("end", () => {
        settle();
        let bytes: Buffer;
        try {
          bytes = decode(
            chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length),
            response.headers["content-encoding"],
            maxBytes,
          );
        } catch (error) {
          reject(failure(what, error as NodeJS.ErrnoException));
          return;
        }
        const answer = Promise.resolve(bytes);
        resolve(
          new ResponseContext(response.statusCode ?? 0, headerRecord(response.headers), {
            text: () => answer.then((b) => b.toString("utf8")),
            binary: () => answer,
          }),
        );
      });
    });
    request.end(body);
  });
}

/** A response's headers as node-fetch's `Headers.forEach` gives them. */
function headerRecord(headers: http.IncomingHttpHeaders): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    record[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return record;
}

/** The body decoded as its `Content-Encoding` says, within `maxBytes` (zlib's own bound). */
function decode(bytes: Buffer, encoding: string | undefined, maxBytes: number): Buffer {
  const bounded = { maxOutputLength: maxBytes };
  try {
    switch (encoding?.trim().toLowerCase()) {
      case undefined:
      case "":
      case "identity":
        return bytes;
      case "gzip":
      case "x-gzip":
        return zlib.gunzipSync(bytes, { ...bounded, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      case "deflate":
        return zlib.inflateSync(bytes, bounded);
      case "br":
        return zlib.brotliDecompressSync(bytes, bounded);
      default:
        throw new Error(`an answer in an encoding it cannot read (${encoding})`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(maxBytes);
    throw error;
  }
}

function tooLarge(maxBytes: number): Error {
  return new Error(`the answer is larger than ${maxBytes} bytes`);
}

function failure(what: string, cause: NodeJS.ErrnoException): Error {
  const error = new Error(`${what} failed: ${cause.message}`, { cause }) as Error & {
    code?: string;
  };
  if (typeof cause.code === "string") error.code = cause.code;
  if (cause.name === "AbortError") error.name = "AbortError";
  return error;
}

function aborted(what: string): Error {
  const error = new Error(`${what}: the request was aborted`);
  error.name = "AbortError";
  return error;
}

/**
 * The `httpApi` the controller gives its client-node configurations: a
 * {@link NodeHttpLibrary} on client-node 1.x (whose request contexts carry an agent);
 * `undefined` on 2.x, whose default library (undici, on the dispatcher the controller's
 * shared authentication reuses) stays.
 *
 * @example
 * ```ts
 * const httpApi = nodeHttpLibrary();
 * const configuration = createConfiguration({
 *   baseServer: new ServerConfiguration(server, {}),
 *   authMethods: { default: kubeConfig },
 *   ...(httpApi ? { httpApi } : {}),
 * });
 * ```
 */
export function nodeHttpLibrary(options: NodeHttpLibraryOptions = {}): HttpLibrary | undefined {
  const accessors = RequestContext.prototype as unknown as Partial<AgentAccessors>;
  if (typeof accessors.getAgent !== "function") return undefined;
  return wrapHttpLibrary(new NodeHttpLibrary(options));
}
