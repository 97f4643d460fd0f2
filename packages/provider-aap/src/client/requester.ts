/**
 * The request pipeline shared by every operation: send, log, map the status, decode the
 * body, retry what may be retried.
 *
 * @module
 */
import { isProviderError, type ProviderError } from "@provisionkit/core";
import {
  TransportError,
  type AttemptOutcome,
  type HttpResponse,
  type HttpTransport,
} from "@provisionkit/core/http";
import type { Credentials } from "./credentials.js";
import {
  fromHttpStatus,
  fromTransport,
  invalidBody,
  type CallContext,
  type ErrorDetails,
  type HttpMethod,
} from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { abortedBeforeSending, runWithRetries } from "./retry.js";
import { DecodeError, type Decoder } from "./schema.js";
import type { Redactor } from "./secrets.js";

/** One API call, as the operations describe it. */
export interface ApiCall<T> {
  /** The client operation, e.g. `getJob`, for messages, details and logs. */
  operation: string;
  /** The method. */
  method: HttpMethod;
  /** Absolute path with query string. */
  target: string;
  /** JSON body for POST. */
  body?: unknown;
  /** A launch: never retried; failures that may have reached AAP flagged `outcomeUnknown`. */
  launch?: boolean;
  /** Builds the error for a 404. */
  notFound?: (message: string, details: ErrorDetails) => ProviderError;
  /** Answers statuses with a value of their own (e.g. 202 / 405 for a cancel) before the generic mapping. */
  byStatus?: (status: number) => T | undefined;
  /** Decodes the JSON body of a 2xx response. */
  decode: Decoder<T>;
}

/** The path of a target, without its query string. */
export function pathOf(target: string): string {
  const index = target.indexOf("?");
  return index === -1 ? target : target.slice(0, index);
}

/** The state of one {@link Requester.run} across its attempts. */
interface CallState {
  /** Secret-free fields identifying the request in log lines and errors. */
  fields: Record<string, string>;
  /** Whether the credentials were already read again after a 401 (once per call). */
  reread: boolean;
}

/** A response, or the outcome of a request that got none. */
type Exchange = { response: HttpResponse } | { outcome: AttemptOutcome<never> };

/** Runs {@link ApiCall}s with retries, logging and error mapping. */
export class Requester {
  readonly #options: ResolvedOptions;
  readonly #transport: HttpTransport;
  readonly #redactor: Redactor;
  readonly #credentials: Credentials;

  /**
   * @param options - validated client options.
   * @param transport - sends the requests.
   * @param redactor - scrubs secrets.
   * @param credentials - yields the `Authorization` header of each request.
   */
  constructor(
    options: ResolvedOptions,
    transport: HttpTransport,
    redactor: Redactor,
    credentials: Credentials,
  ) {
    this.#options = options;
    this.#transport = transport;
    this.#redactor = redactor;
    this.#credentials = credentials;
  }

  /**
   * Runs `call`, retrying it unless it is a launch; throws typed errors only, and the errors
   * of the `SecretSource` as they are. A 401 with credentials read from a Secret reads them
   * again once (`fresh`) and, when they changed, repeats the request once (a launch too:
   * AAP created nothing).
   */
  async run<T>(call: ApiCall<T>, signal: AbortSignal | undefined): Promise<T> {
    const context: CallContext = {
      operation: call.operation,
      method: call.method,
      // Paths may come from `next` links the server sent: scrub them like any server text.
      path: this.#redactor.scrub(pathOf(call.target)),
      launch: call.launch === true,
      ...(call.notFound ? { notFound: call.notFound } : {}),
    };
    const fields = { operation: call.operation, method: call.method, path: context.path };
    const state: CallState = { fields, reread: false };
    try {
      return await runWithRetries((n) => this.#attempt(call, context, state, signal, n + 1), {
        retryable: !context.launch,
        policy: this.#options.retry,
        sleep: this.#options.sleep,
        signal,
        logger: this.#options.logger,
        fields,
      });
    } catch (error) {
      if (context.launch && (error as ProviderError).outcomeUnknown === true) {
        this.#options.logger.warn(
          { ...fields, code: (error as ProviderError).code },
          "AAP launch failed after the request may have reached the server: the job may exist (outcome unknown); not retried",
        );
      }
      throw error;
    }
  }

  async #attempt<T>(
    call: ApiCall<T>,
    context: CallContext,
    state: CallState,
    signal: AbortSignal | undefined,
    attempt: number,
  ): Promise<AttemptOutcome<T>> {
    const authorization = await this.#authorization(state, signal, false);
    let exchange = await this.#exchange(call, context, signal, attempt, authorization);
    if (
      "response" in exchange &&
      exchange.response.status === 401 &&
      this.#credentials.rotatable &&
      !state.reread
    ) {
      // The Secret may have been rotated since the source cached it: read it again, once.
      state.reread = true;
      const renewed = await this.#authorization(state, signal, true);
      if (renewed !== authorization) {
        this.#options.logger.info(
          state.fields,
          "AAP rejected the credentials; repeating the request once with the value read again from the Secret",
        );
        exchange = await this.#exchange(call, context, signal, attempt, renewed);
      }
    }
    if ("outcome" in exchange) return exchange.outcome;
    return this.#interpret(call, context, exchange.response);
  }

  /** The `Authorization` header; a failed Secret read after an abort is an `AbortedError`. */
  async #authorization(
    state: CallState,
    signal: AbortSignal | undefined,
    fresh: boolean,
  ): Promise<string> {
    if (this.#credentials.rotatable && signal?.aborted) throw abortedBeforeSending(state.fields);
    try {
      return await this.#credentials.authorization({ signal, fresh });
    } catch (error) {
      if (signal?.aborted && !isProviderError(error)) throw abortedBeforeSending(state.fields);
      throw error;
    }
  }

  /** Sends one request and logs it. */
  async #exchange(
    call: ApiCall<unknown>,
    context: CallContext,
    signal: AbortSignal | undefined,
    attempt: number,
    authorization: string,
  ): Promise<Exchange> {
    const started = performance.now();
    const log = (extra: Record<string, unknown>): void => {
      const fields = {
        operation: context.operation,
        method: context.method,
        path: context.path,
        attempt,
        ms: Math.round(performance.now() - started),
        ...extra,
      };
      this.#options.logger.debug(this.#redactor.scrubFields(fields), "AAP request");
    };
    try {
      const headers: Record<string, string> = {
        Accept: "application/json",
        Authorization: authorization,
        "User-Agent": this.#options.userAgent,
      };
      if (call.body !== undefined) headers["Content-Type"] = "application/json";
      const response = await this.#transport.send({
        method: call.method,
        url: `${this.#options.origin}${call.target}`,
        headers,
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal,
        // A launch goes on a pooled connection too: a failure on a reused one may have
        // reached AAP (outcome unknown: never resent, the engine adopts the job by its
        // correlation id); one whose new connection was never established was not sent.
      });
      log({ status: response.status });
      return { response };
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      log({ status: null, error: error.code });
      return {
        outcome: fromTransport(context, error, this.#redactor, this.#options.timeoutMs),
      };
    }
  }

  /** Maps a response to a value or a typed failure. */
  #interpret<T>(call: ApiCall<T>, context: CallContext, response: HttpResponse): AttemptOutcome<T> {
    const special = call.byStatus?.(response.status);
    if (special !== undefined) return { ok: true, value: special };
    if (response.status < 200 || response.status >= 300) {
      return fromHttpStatus(context, response, {
        redactor: this.#redactor,
        defaultRetryAfterMs: this.#options.retry.initialDelayMs,
        now: Date.now,
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      const type = response.header("content-type");
      const problem = {
        message: `response body is not valid JSON${type === undefined ? "" : ` (content-type ${type})`}`,
        field: "(body)",
      };
      return {
        ok: false,
        error: invalidBody(context, response.status, problem, this.#redactor),
        retry: false,
      };
    }
    try {
      return { ok: true, value: call.decode(body, []) };
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      return {
        ok: false,
        error: invalidBody(context, response.status, error, this.#redactor),
        retry: false,
      };
    }
  }
}
