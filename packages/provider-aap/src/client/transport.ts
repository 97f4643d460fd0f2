/**
 * One HTTP exchange with AAP over axios: headers, TLS agents, the per-request time limit and
 * the caller's abort signal. Every HTTP status is returned as is; failures without a
 * response become a {@link TransportError} that carries no request configuration (axios
 * errors hold the `Authorization` header, so they never leave this module).
 *
 * @module
 */
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import axios, { type AxiosInstance } from "axios";
import type { ResolvedOptions } from "./options.js";
import type { Redactor } from "./secrets.js";

/** Largest response body read, in bytes. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** An HTTP method the client uses. */
export type HttpMethod = "GET" | "POST";

/** A request, relative to the AAP origin. */
export interface HttpRequest {
  /** The method. */
  method: HttpMethod;
  /** Absolute path with query string, e.g. `/api/v2/jobs/?page=2`. */
  target: string;
  /** A JSON body, for POST. */
  body?: unknown;
  /** The `Authorization` header value (see `Credentials`). */
  authorization: string;
  /** The caller's signal. */
  signal?: AbortSignal | undefined;
  /** Use a new connection instead of a pooled keep-alive one (for requests never retried). */
  freshConnection?: boolean;
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
  /** Whether the request may have reached the server. */
  readonly maybeSent: boolean;
  /** The HTTP status, when the failure happened while reading the body. */
  readonly status: number | undefined;

  /**
   * @param kind - the kind of failure.
   * @param code - the error code.
   * @param message - a scrubbed description.
   * @param maybeSent - whether the request may have reached the server.
   * @param status - the HTTP status when headers were received.
   */
  constructor(
    kind: TransportFailureKind,
    code: string,
    message: string,
    maybeSent: boolean,
    status?: number,
  ) {
    super(message);
    this.name = "TransportError";
    this.kind = kind;
    this.code = code;
    this.maybeSent = maybeSent;
    this.status = status;
  }
}

/** Sends requests to one AAP origin. */
export class Transport {
  readonly #options: ResolvedOptions;
  readonly #redactor: Redactor;
  readonly #axios: AxiosInstance;
  readonly #pooled: HttpAgent | HttpsAgent;
  readonly #fresh: HttpAgent | HttpsAgent;

  /**
   * @param options - validated client options.
   * @param redactor - scrubs secrets from error texts.
   */
  constructor(options: ResolvedOptions, redactor: Redactor) {
    this.#options = options;
    this.#redactor = redactor;
    if (options.https) {
      const tls = { ca: options.tls.ca, rejectUnauthorized: !options.tls.insecure };
      this.#pooled = new HttpsAgent({ ...tls, keepAlive: true });
      this.#fresh = new HttpsAgent({ ...tls, keepAlive: false });
    } else {
      this.#pooled = new HttpAgent({ keepAlive: true });
      this.#fresh = new HttpAgent({ keepAlive: false });
    }
    this.#axios = axios.create({
      // Statuses are interpreted by the caller; redirects are not followed, because a POST
      // replayed as a GET after a redirect silently launches nothing (research §7).
      validateStatus: () => true,
      maxRedirects: 0,
      responseType: "text",
      transformResponse: [(data: unknown) => data],
      maxContentLength: MAX_RESPONSE_BYTES,
      maxBodyLength: MAX_RESPONSE_BYTES,
    });
  }

  /**
   * Sends one request and returns the response, whatever its status.
   *
   * @throws TransportError when no complete response arrived (abort, time limit, network).
   */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const { signal } = request;
    if (signal?.aborted) throw new TransportError("aborted", "ABORTED", "aborted", false);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#options.timeoutMs);
    const onAbort = (): void => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const headers: Record<string, string> = {
      Accept: "application/json",
      Authorization: request.authorization,
      "User-Agent": this.#options.userAgent,
    };
    let data: string | undefined;
    if (request.body !== undefined) {
      data = JSON.stringify(request.body);
      headers["Content-Type"] = "application/json";
    }
    const agent = request.freshConnection === true ? this.#fresh : this.#pooled;
    try {
      const response = await this.#axios.request<unknown>({
        method: request.method,
        url: `${this.#options.origin}${request.target}`,
        headers,
        data,
        signal: controller.signal,
        ...(this.#options.https ? { httpsAgent: agent } : { httpAgent: agent }),
      });
      const raw = response.headers as Record<string, unknown>;
      return {
        status: response.status,
        text: typeof response.data === "string" ? response.data : "",
        header: (name) => {
          const value = raw[name.toLowerCase()];
          if (typeof value === "string") return value;
          if (typeof value === "number") return String(value);
          if (Array.isArray(value)) return value.map((v) => `${v as string}`).join(", ");
          return undefined;
        },
      };
    } catch (error) {
      throw this.#failure(error, signal, timedOut);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  #failure(error: unknown, signal: AbortSignal | undefined, timedOut: boolean): TransportError {
    if (signal?.aborted) return new TransportError("aborted", "ABORTED", "aborted", true);
    if (timedOut) {
      return new TransportError(
        "timeout",
        "TIMEOUT",
        `no complete response within ${this.#options.timeoutMs} ms`,
        true,
      );
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
    return new TransportError("network", code, this.#redactor.serverText(message), true, status);
  }
}
