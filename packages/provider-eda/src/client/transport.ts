/**
 * One HTTP POST over axios on a connection of its own: TLS settings, the per-request time
 * limit, the caller's abort signal, and whether the connection was ever established (so a
 * failure can tell "nothing was sent" from "the event may have arrived"). Every HTTP
 * status is returned as is; redirects are not followed. Failures without a response become
 * a {@link TransportError} that carries no request configuration (axios errors hold the
 * headers, so they never leave this module).
 *
 * @module
 */
import { Agent as HttpAgent, type ClientRequestArgs } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Duplex } from "node:stream";
import axios, { type AxiosInstance } from "axios";
import type { ResolvedClientOptions } from "./options.js";
import type { Redactor } from "./redactor.js";

/** Largest response body read, in bytes (the receivers answer a few bytes). */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** A POST request. */
export interface HttpPost {
  /** The absolute URL. */
  url: string;
  /** The exact body bytes. */
  body: Buffer;
  /** Request headers. */
  headers: Record<string, string>;
  /** The caller's signal. */
  signal?: AbortSignal | undefined;
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

/** Why a request got no complete response. */
export type TransportFailureKind = "aborted" | "timeout" | "network";

/** A request that got no complete response. Holds no request configuration and no secrets. */
export class TransportError extends Error {
  /** The kind of failure. */
  readonly kind: TransportFailureKind;
  /** A Node or axios error code such as `ECONNRESET`, or `TIMEOUT` / `ABORTED`. */
  readonly code: string;
  /** Whether a connection was established, so the request may have reached the server. */
  readonly connected: boolean;

  /**
   * @param kind - the kind of failure.
   * @param code - the error code.
   * @param message - a scrubbed description.
   * @param connected - whether a connection was established.
   */
  constructor(kind: TransportFailureKind, code: string, message: string, connected: boolean) {
    super(message);
    this.name = "TransportError";
    this.kind = kind;
    this.code = code;
    this.connected = connected;
  }
}

type CreateConnection = (
  options: ClientRequestArgs,
  callback?: (err: Error | null, stream: Duplex) => void,
) => Duplex | null | undefined;

/** Posts events; one new connection per request (events are rare, and never retried). */
export class Transport {
  readonly #options: ResolvedClientOptions;
  readonly #redactor: Redactor;
  readonly #axios: AxiosInstance;

  /**
   * @param options - validated client options.
   * @param redactor - scrubs known secrets from error texts.
   */
  constructor(options: ResolvedClientOptions, redactor: Redactor) {
    this.#options = options;
    this.#redactor = redactor;
    this.#axios = axios.create({
      // Statuses are interpreted by the caller. Redirects are not followed: a POST replayed
      // elsewhere (or turned into a GET) would deliver the event somewhere unintended.
      validateStatus: () => true,
      maxRedirects: 0,
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      transformRequest: [(data: unknown) => data],
      maxContentLength: MAX_RESPONSE_BYTES,
      maxBodyLength: 16 * MAX_RESPONSE_BYTES,
    });
  }

  /**
   * Sends one POST and returns the response, whatever its status.
   *
   * @param redactor - scrubs the secrets of this request from error texts.
   * @throws TransportError when no complete response arrived (abort, time limit, network).
   */
  async post(request: HttpPost, redactor: Redactor = this.#redactor): Promise<HttpResponse> {
    const { signal } = request;
    if (signal?.aborted) throw new TransportError("aborted", "ABORTED", "aborted", false);
    const https = request.url.startsWith("https:");
    let connected = false;
    const agent = this.#agent(https, () => {
      connected = true;
    });
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#options.timeoutMs);
    const onAbort = (): void => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const response = await this.#axios.request<unknown>({
        method: "POST",
        url: request.url,
        headers: { ...request.headers, "Content-Length": String(request.body.length) },
        data: request.body,
        signal: controller.signal,
        ...(https ? { httpsAgent: agent } : { httpAgent: agent }),
      });
      const raw = response.headers as Record<string, unknown>;
      return {
        status: response.status,
        text: typeof response.data === "string" ? response.data : "",
        header: (name) => {
          const value = raw[name.toLowerCase()];
          if (typeof value === "string") return value;
          if (typeof value === "number") return String(value);
          if (Array.isArray(value)) return value.map((v) => String(v)).join(", ");
          return undefined;
        },
      };
    } catch (error) {
      throw this.#failure(error, signal, timedOut, connected, redactor);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      agent.destroy();
    }
  }

  /** A one-request agent that reports when its connection is established. */
  #agent(https: boolean, onConnected: () => void): HttpAgent {
    const agent = https
      ? new HttpsAgent({
          keepAlive: false,
          ca: this.#options.tls.ca,
          rejectUnauthorized: !this.#options.tls.insecure,
        })
      : new HttpAgent({ keepAlive: false });
    const create: CreateConnection = agent.createConnection.bind(agent);
    const tracked: CreateConnection = (options, callback) => {
      const socket = create(options, callback);
      // For TLS, the request is written only after the handshake.
      socket?.once(https ? "secureConnect" : "connect", onConnected);
      return socket;
    };
    agent.createConnection = tracked;
    return agent;
  }

  #failure(
    error: unknown,
    signal: AbortSignal | undefined,
    timedOut: boolean,
    connected: boolean,
    redactor: Redactor,
  ): TransportError {
    if (signal?.aborted) return new TransportError("aborted", "ABORTED", "aborted", connected);
    if (timedOut) {
      return new TransportError(
        "timeout",
        "TIMEOUT",
        `no complete response within ${this.#options.timeoutMs} ms`,
        connected,
      );
    }
    // Copy only the code and the message: never the axios error or its config.
    let code = "UNKNOWN";
    let message = "request failed";
    if (axios.isAxiosError(error)) {
      code = error.code ?? code;
      message = error.message;
    } else if (error instanceof Error) {
      code = (error as NodeJS.ErrnoException).code ?? code;
      message = error.message;
    }
    if (message === "") message = code;
    return new TransportError("network", code, redactor.serverText(message), connected);
  }
}
