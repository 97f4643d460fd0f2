/**
 * The EDA event sender.
 *
 * @module
 */
import {
  AbortedError,
  ConfigurationError,
  type JobType,
  type ProviderError,
  type SecretRedactor,
} from "@provisionkit/core";
import {
  HttpTransport,
  TransportError,
  redactorFor,
  type HttpResponse,
} from "@provisionkit/core/http";
import { HEADER_CORRELATION_ID, HEADER_OPERATION } from "../constants.js";
import { Authenticator, sameValues, type SecretValues } from "./auth.js";
import { fromHttpStatus, fromTransport, unconfirmed } from "./errors.js";
import {
  resolveClientOptions,
  type EdaClientOptions,
  type ResolvedClientOptions,
} from "./options.js";
import { destinationFor, type EdaDestination } from "./target.js";

/** Largest answer read, in bytes (the receivers answer a few bytes). */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** One event to send. */
export interface EdaEvent {
  /** The resource kind: selects the webhook endpoint or the event-stream URL. */
  kind: string | undefined;
  /** The operation: selects the endpoint or URL, and goes into `X-Provisionkit-Operation`. */
  operation: JobType;
  /** The JSON body (an object). Never put secrets in it: EDA and AAP store it in clear. */
  payload: unknown;
  /** Sent as `X-Provisionkit-Correlation-Id` (informational). */
  correlationId?: string;
}

/** Options of {@link EdaClient.send}. */
export interface EdaSendOptions {
  /** Aborts the request; the call then throws `AbortedError`. */
  signal?: AbortSignal;
}

/** A queued event. */
export interface EdaSendResult {
  /** Where it went. */
  destination: EdaDestination;
  /** The HTTP status of the answer (200 for a webhook; 200 or 201 for an event stream). */
  status: number;
}

const EVENT_STREAM_OK: ReadonlySet<number> = new Set([200, 201, 202, 204]);

/**
 * Sends events to an `ansible.eda.webhook` source or to AAP event streams.
 *
 * - The body is the JSON payload; auth is a bearer token, basic credentials and/or an
 *   HMAC signature of the exact body bytes, with secrets from the options or read through
 *   a `SecretSource` for every event.
 * - A queued event is confirmed by the answer: a webhook source answers 200 with the
 *   endpoint path as text; an event stream answers 200 (empty) or 201. Anything else that
 *   looks like success (an HTML login page from a proxy) throws `InvalidResponseError`
 *   with `outcomeUnknown: true`.
 * - Events are never resent automatically, since a duplicate event launches a duplicate
 *   job. The one exception: after a 401/403, Secret-referenced credentials are read again
 *   with `fresh: true` and, when one changed (a rotated Secret), the event is resent once —
 *   the rejected one was not queued.
 * - Failures are typed errors of `@provisionkit/core` whose messages, details and log
 *   lines never contain secrets; see `fromHttpStatus` / `fromTransport` for the mapping.
 */
export class EdaClient {
  readonly #options: ResolvedClientOptions;
  readonly #auth: Authenticator;
  readonly #transport: HttpTransport;

  /**
   * Validates `options` synchronously (nothing is sent, no secret is read).
   *
   * @throws ConfigurationError naming the bad option (never echoing secrets).
   */
  constructor(options: EdaClientOptions) {
    this.#options = resolveClientOptions(options);
    this.#auth = new Authenticator(this.#options.auth, this.#options.secrets);
    this.#transport = new HttpTransport({
      timeoutMs: this.#options.timeoutMs,
      tls: this.#options.tls,
      redactor: redactorFor(this.#auth.literalSecrets()),
      maxResponseBytes: MAX_RESPONSE_BYTES,
      maxRequestBytes: 16 * MAX_RESPONSE_BYTES,
    });
    if (this.#options.tls.insecure) {
      this.#options.logger.warn(
        { target: this.#options.target.type },
        "EDA TLS certificate verification is disabled (tls.insecureSkipTLSVerify): connections can be intercepted",
      );
    }
  }

  /** The target type: `webhook` or `event-stream`. */
  get targetType(): "webhook" | "event-stream" {
    return this.#options.target.type;
  }

  /**
   * Where the `operation` event of a resource of `kind` goes.
   *
   * @throws ConfigurationError when the target has no endpoint or URL for it.
   */
  destination(kind: string | undefined, operation: JobType): EdaDestination {
    return destinationFor(this.#options.target, kind, operation);
  }

  /**
   * Sends one event and resolves once the receiver confirmed it was queued.
   *
   * @throws ConfigurationError (no destination, a non-JSON payload, a missing Secret, 400,
   *   404, redirects, TLS), AuthenticationError (401/403), RateLimitError (429),
   *   TransientError (refused, DNS, 5xx, reset), TimeoutError, InvalidResponseError (an
   *   unconfirmed 2xx), AbortedError.
   */
  async send(event: EdaEvent, options: EdaSendOptions = {}): Promise<EdaSendResult> {
    const destination = this.destination(event.kind, event.operation);
    const body = serialize(event.payload);
    const { signal } = options;
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      Accept: "text/plain, application/json",
      "User-Agent": this.#options.userAgent,
      [HEADER_OPERATION]: event.operation,
    };
    if (event.correlationId !== undefined) headers[HEADER_CORRELATION_ID] = event.correlationId;
    const values = await this.#read(destination, signal, false);
    let answer = await this.#attempt(destination, body, headers, values, signal);
    const rejected = answer.response.status === 401 || answer.response.status === 403;
    if (rejected && this.#auth.usesReferences) {
      // The rejected event was not queued, so sending it again cannot duplicate a job.
      const fresh = await this.#read(destination, signal, true);
      const fields = { path: destination.path, status: answer.response.status };
      if (sameValues(values, fresh)) {
        this.#options.logger.warn(
          fields,
          "EDA rejected the credentials and the Secret holds the same value after a fresh read",
        );
      } else {
        this.#options.logger.info(
          fields,
          "EDA rejected the credentials; the Secret changed (rotated?): sending once more with the new value",
        );
        answer = await this.#attempt(destination, body, headers, fresh, signal);
      }
    }
    this.#check(destination, answer.response, answer.redactor);
    return { destination, status: answer.response.status };
  }

  async #read(
    destination: EdaDestination,
    signal: AbortSignal | undefined,
    fresh: boolean,
  ): Promise<SecretValues> {
    if (signal?.aborted) throw abortedBeforeSending(destination);
    const values = await this.#auth.read(signal, fresh);
    if (signal?.aborted) throw abortedBeforeSending(destination);
    return values;
  }

  async #attempt(
    destination: EdaDestination,
    body: Buffer,
    base: Record<string, string>,
    values: SecretValues,
    signal: AbortSignal | undefined,
  ): Promise<{ response: HttpResponse; redactor: SecretRedactor }> {
    const signed = this.#auth.sign(values, body);
    const redactor = this.#redactor(signed.secrets);
    const started = performance.now();
    const log = (fields: Record<string, unknown>): void => {
      this.#options.logger.debug(
        redactor.scrubFields({
          path: destination.path,
          target: destination.type,
          operation: base[HEADER_OPERATION],
          ms: Math.round(performance.now() - started),
          ...fields,
        }),
        "EDA request",
      );
    };
    try {
      // A connection of its own per event: a failure tells whether the event was sent.
      const response = await this.#transport.send({
        method: "POST",
        url: destination.url,
        body,
        headers: { ...base, ...signed.headers },
        signal,
        freshConnection: true,
        redactor,
      });
      log({ status: response.status });
      return { response, redactor };
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      log({ status: null, error: error.code, connected: error.connected });
      const typed = fromTransport(destination, error, redactor, this.#options.timeoutMs);
      this.#warnIfUnknown(destination, typed);
      throw typed;
    }
  }

  #check(destination: EdaDestination, response: HttpResponse, redactor: SecretRedactor): void {
    const { status } = response;
    let error: ProviderError | undefined;
    if (status >= 200 && status < 300) {
      error = this.#confirm(destination, response);
    } else {
      error = fromHttpStatus(destination, response, redactor, this.#options.now());
    }
    if (error === undefined) return;
    this.#warnIfUnknown(destination, error);
    throw error;
  }

  #confirm(destination: EdaDestination, response: HttpResponse): ProviderError | undefined {
    const { status } = response;
    const text = response.text.trim();
    if (destination.type === "webhook") {
      const echo = destination.echo ?? "";
      const echoed = text !== "" && (text === echo || echo.endsWith(`/${text}`));
      if (status === 200 && echoed) return undefined;
      return unconfirmed(
        destination,
        status,
        "the answer is not the webhook source's confirmation (the endpoint path as text)",
      );
    }
    const type = response.header("content-type") ?? "";
    const html = /text\/html/i.test(type) || text.startsWith("<");
    if (EVENT_STREAM_OK.has(status) && !html) return undefined;
    return unconfirmed(
      destination,
      status,
      html ? "the event stream answered with an HTML page" : "unexpected success status",
    );
  }

  #redactor(secrets: string[]): SecretRedactor {
    return redactorFor([...this.#auth.literalSecrets(), ...secrets]);
  }

  #warnIfUnknown(destination: EdaDestination, error: ProviderError): void {
    if (!error.outcomeUnknown) return;
    this.#options.logger.warn(
      { path: destination.path, code: error.code },
      "EDA event may have been queued although the request failed (outcome unknown); not resent",
    );
  }
}

function serialize(payload: unknown): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch {
    text = undefined;
  }
  if (
    text === undefined ||
    typeof payload !== "object" ||
    payload === null ||
    Array.isArray(payload)
  ) {
    throw new ConfigurationError(
      "EDA client: the event payload must be a JSON-serializable object",
      {
        details: { option: "payload" },
      },
    );
  }
  return Buffer.from(text, "utf8");
}

function abortedBeforeSending(destination: EdaDestination): AbortedError {
  return new AbortedError(`EDA POST ${destination.path}: aborted by the caller`, {
    outcomeUnknown: false,
    details: { status: null, method: "POST", path: destination.path, target: destination.type },
  });
}
