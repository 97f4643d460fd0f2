/**
 * One HTTP exchange over axios, the way a provider's client needs it: TLS settings, a time
 * limit per request, the caller's `AbortSignal`, no redirects, a cap on the response size,
 * and failures that never carry the request configuration (axios errors hold the headers,
 * so they never leave this module).
 *
 * @module
 */
import type { ClientRequest, Agent as HttpAgent } from "node:http";
import axios, { type AxiosInstance } from "axios";
import type { SecretRedactor } from "../redaction.js";
import { createAgent, trackConnections, trackedAgent, type HttpTlsSettings } from "./agents.js";
import { TransportError } from "./transport-error.js";

/** Default of {@link HttpTransportOptions.maxResponseBytes}: 1 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Default of {@link HttpTransportOptions.maxRequestBytes}: 16 MiB. */
export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/**
 * Default of {@link HttpTransportOptions.idleTimeoutMs}: 4 s, under the idle limits servers
 * commonly keep a connection open for (Node's `server.keepAliveTimeout` is 5 s, nginx's
 * `keepalive_timeout` 75 s), so a pooled connection is closed by this side first.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 4_000;

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Time limit of each request, including reading the body (see `checkMilliseconds`). */
  timeoutMs: number;
  /** TLS settings of https URLs (see `checkTlsOptions`). */
  tls?: HttpTlsSettings;
  /** Scrubs secrets from the messages of {@link TransportError}s. Default: none known. */
  redactor?: SecretRedactor;
  /** Largest response body read, in bytes. Default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  /** Largest request body sent, in bytes. Default {@link DEFAULT_MAX_REQUEST_BYTES}. */
  maxRequestBytes?: number;
  /**
   * Keep connections open between requests and reuse them (default `true`): one pool per
   * transport and scheme. `false`: every request opens a connection of its own and closes it.
   */
  keepAlive?: boolean;
  /**
   * A pooled connection idle this long is closed (and sooner, 1 s before the end of a
   * `Keep-Alive: timeout=N` the server announces). Default {@link DEFAULT_IDLE_TIMEOUT_MS}.
   */
  idleTimeoutMs?: number;
  /**
   * An agent of your own (`http.Agent` or `https.Agent`, matching the URLs' scheme) for
   * every request, `freshConnection` ones included: its pooling, idle and TLS settings
   * apply ({@link HttpTransportOptions.tls}, `keepAlive` and `idleTimeoutMs` are not
   * used), and {@link HttpTransport.close} leaves it open. A failure on one of its
   * connections counts as connected ({@link TransportError.connected}) whenever the request
   * got a connection, since its connection set-up cannot be observed.
   */
  agent?: HttpAgent;
}

/** One request. */
export interface HttpRequest {
  /** The method, e.g. `GET` or `POST`. */
  method: string;
  /** The absolute URL. */
  url: string;
  /** Request headers (`Content-Length` is set from the body). */
  headers?: Record<string, string>;
  /** The exact body: bytes, or text sent as UTF-8. */
  body?: string | Buffer;
  /** The caller's signal: aborting it ends the request with a `TransportError` of kind `aborted`. */
  signal?: AbortSignal | undefined;
  /**
   * Use a new connection instead of a pooled keep-alive one. A failure tells whether a
   * connection was ever established ({@link TransportError.connected}) either way; on a
   * fresh connection it can never be one the server was closing as the request was written
   * (a reused connection's reset leaves a request that is not idempotent in doubt).
   */
  freshConnection?: boolean;
  /** This request's time limit, instead of {@link HttpTransportOptions.timeoutMs}. */
  timeoutMs?: number;
  /** Scrubs this request's secrets, instead of {@link HttpTransportOptions.redactor}. */
  redactor?: SecretRedactor;
}

/** A response with any status. */
export interface HttpResponse {
  /** The HTTP status. */
  status: number;
  /** The body as text (empty when none). */
  text: string;
  /** Reads a response header by (case-insensitive) name. */
  header(name: string): string | undefined;
}

/**
 * Sends requests and returns every response as it is, whatever its status; redirects are
 * not followed (a POST replayed elsewhere, or turned into a GET, would act somewhere
 * unintended). Pooled keep-alive connections, or a fresh one per request when asked.
 *
 * @example
 * ```ts
 * const transport = new HttpTransport({ timeoutMs: 10_000, redactor: redactorFor([token]) });
 * const response = await transport.send({
 *   method: "GET",
 *   url: "https://runner.example.com/jobs/7",
 *   headers: { Authorization: `Bearer ${token}` },
 *   signal,
 * });
 * ```
 */
export class HttpTransport {
  readonly #options: HttpTransportOptions;
  readonly #axios: AxiosInstance;
  readonly #pooled: { http: HttpAgent; https: HttpAgent };
  /** The pooled connections that were established (see {@link trackConnections}). */
  readonly #established = new WeakSet<object>();
  #closed = false;

  /** @param options - see {@link HttpTransportOptions}. */
  constructor(options: HttpTransportOptions) {
    this.#options = options;
    const tls = options.tls ?? {};
    const keepAlive = options.keepAlive ?? true;
    const idle = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const pool = (https: boolean): HttpAgent =>
      trackConnections(createAgent(https, tls, keepAlive, idle), https, this.#established);
    this.#pooled = { http: pool(false), https: pool(true) };
    for (const agent of [this.#pooled.http, this.#pooled.https]) {
      // After close(), a connection its request released is not kept.
      agent.on("free", (socket: { destroy(): void }) => {
        if (this.#closed) socket.destroy();
      });
    }
    const maxResponse = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#axios = axios.create({
      // Statuses are interpreted by the caller.
      validateStatus: () => true,
      maxRedirects: 0,
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      transformRequest: [(data: unknown) => data],
      maxContentLength: maxResponse,
      maxBodyLength: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    });
  }

  /**
   * Sends one request and returns the response, whatever its status.
   *
   * @throws TransportError when no complete response arrived (abort, time limit, network,
   *   TLS, a body over the size limit).
   */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const { signal } = request;
    if (signal?.aborted) throw new TransportError("aborted", "ABORTED", "aborted", false);
    const https = request.url.startsWith("https:");
    const own = this.#options.agent;
    const fresh = request.freshConnection === true && own === undefined;
    let connected = false;
    const agent = fresh
      ? trackedAgent(https, this.#options.tls ?? {}, () => {
          connected = true;
        })
      : (own ?? (https ? this.#pooled.https : this.#pooled.http));
    const timeoutMs = request.timeoutMs ?? this.#options.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = (): void => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const body = typeof request.body === "string" ? Buffer.from(request.body) : request.body;
    const headers = { ...request.headers };
    if (body !== undefined) headers["Content-Length"] = String(body.length);
    try {
      const response = await this.#axios.request<unknown>({
        method: request.method,
        url: request.url,
        headers,
        data: body,
        signal: controller.signal,
        ...(https ? { httpsAgent: agent } : { httpAgent: agent }),
      });
      return toResponse(response.status, response.data, response.headers);
    } catch (error) {
      if (!fresh) connected = this.#reached(error, own !== undefined);
      const failure = { signal, timedOut, timeoutMs, connected };
      throw this.#failure(error, failure, request.redactor ?? this.#options.redactor);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (fresh) agent.destroy();
    }
  }

  /**
   * Closes the idle pooled connections at once, and each connection in use when its request
   * ends (requests in flight are not cut). Requests sent later still work, each on a
   * connection of its own. An agent passed as {@link HttpTransportOptions.agent} is left as
   * it is.
   */
  close(): void {
    this.#closed = true;
    for (const agent of [this.#pooled.http, this.#pooled.https]) {
      for (const sockets of Object.values(agent.freeSockets)) {
        for (const socket of sockets ?? []) socket.destroy();
      }
    }
  }

  /**
   * Whether the failed request's connection reached the server: a reused connection did; a
   * new one did once established. Unknown (no request to look at) counts as reached.
   */
  #reached(error: unknown, ownAgent: boolean): boolean {
    const request: unknown = axios.isAxiosError(error) ? error.request : undefined;
    if (typeof request !== "object" || request === null) return true;
    const { socket, reusedSocket } = request as ClientRequest;
    if (socket === null || socket === undefined) return false;
    return reusedSocket || ownAgent || this.#established.has(socket);
  }

  #failure(
    error: unknown,
    at: {
      signal: AbortSignal | undefined;
      timedOut: boolean;
      timeoutMs: number;
      connected: boolean;
    },
    redactor: SecretRedactor | undefined,
  ): TransportError {
    if (at.signal?.aborted)
      return new TransportError("aborted", "ABORTED", "aborted", at.connected);
    if (at.timedOut) {
      const message = `no complete response within ${at.timeoutMs} ms`;
      return new TransportError("timeout", "TIMEOUT", message, at.connected);
    }
    // Copy only the code, the message and the status: never the axios error or its config.
    let code = "UNKNOWN";
    let message = "request failed";
    let status: number | undefined;
    if (axios.isAxiosError(error)) {
      code = error.code ?? code;
      message = error.message;
      status = error.response?.status;
    } else if (error instanceof Error) {
      code = (error as NodeJS.ErrnoException).code ?? code;
      message = error.message;
    }
    if (message === "") message = code;
    const scrubbed = redactor === undefined ? message : redactor.serverText(message);
    return new TransportError("network", code, scrubbed, at.connected, status);
  }
}

function toResponse(status: number, data: unknown, headers: unknown): HttpResponse {
  const raw = headers as Record<string, unknown>;
  return {
    status,
    text: typeof data === "string" ? data : "",
    header: (name) => {
      const value = raw[name.toLowerCase()];
      if (typeof value === "string") return value;
      if (typeof value === "number") return String(value);
      if (Array.isArray(value)) return value.map((v) => String(v)).join(", ");
      return undefined;
    },
  };
}
