/**
 * Validation of an HTTP client's options. Every failure is a `ConfigurationError` whose
 * message is `<scope> option <option> <problem>` (e.g. `AAP client option tls.ca is not a
 * valid PEM certificate bundle`) and whose `details.option` names the option; values are
 * never echoed (they may be secrets, and URLs may carry credentials).
 *
 * @module
 */
import { ConfigurationError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import type { SecretSource } from "../secrets.js";
import { isValidPemBundle } from "./pem.js";

/** Largest delay Node timers accept, in milliseconds. */
export const MAX_TIMER_MS = 2_147_483_647;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Throws the `ConfigurationError` `<scope> option <option> <problem>`. */
export function failOption(scope: string, option: string, problem: string): never {
  throw new ConfigurationError(`${scope} option ${option} ${problem}`, { details: { option } });
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `value` contains a control character. */
export function hasControlCharacter(value: string): boolean {
  return CONTROL.test(value);
}

/**
 * A number of milliseconds: `fallback` when undefined, else finite, at least `min` and at
 * most {@link MAX_TIMER_MS}.
 */
export function checkMilliseconds(
  scope: string,
  option: string,
  value: unknown,
  fallback: number,
  min: 0 | 1,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    const problem = min === 0 ? "must be a non-negative number" : "must be a positive number";
    failOption(scope, option, problem);
  }
  if (value > MAX_TIMER_MS) failOption(scope, option, `must be at most ${MAX_TIMER_MS}`);
  return value;
}

/** A count: `fallback` when undefined, else an integer from 0 to `max`. */
export function checkCount(
  scope: string,
  option: string,
  value: unknown,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    failOption(scope, option, "must be a non-negative number");
  }
  if (!Number.isInteger(value)) failOption(scope, option, "must be an integer");
  if (value > max) failOption(scope, option, `must be at most ${max}`);
  return value;
}

/** A logger with the four methods, or the silent one when undefined. */
export function checkLogger(scope: string, value: unknown): Logger {
  if (value === undefined) return silentLogger;
  const candidate = value as Record<string, unknown>;
  if (
    (!isRecord(value) && typeof value !== "function") ||
    !["debug", "info", "warn", "error"].every((m) => typeof candidate[m] === "function")
  ) {
    failOption(scope, "logger", "must have debug, info, warn and error methods");
  }
  return value as unknown as Logger;
}

/** A function option, or `fallback` when undefined. */
export function checkFunction<F>(scope: string, option: string, value: unknown, fallback: F): F {
  if (value === undefined) return fallback;
  if (typeof value !== "function") failOption(scope, option, "must be a function");
  return value as F;
}

/** A `SecretSource` (an object with a `read` method), or undefined. */
export function checkSecretSource(scope: string, value: unknown): SecretSource | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || typeof value.read !== "function") {
    failOption(scope, "secrets", "must be a SecretSource (an object with a read method)");
  }
  return value as unknown as SecretSource;
}

/** A `User-Agent`: `fallback` when undefined, else a non-empty string without control characters. */
export function checkUserAgent(scope: string, value: unknown, fallback: string): string {
  const userAgent = value ?? fallback;
  if (typeof userAgent !== "string" || userAgent === "" || hasControlCharacter(userAgent)) {
    failOption(scope, "userAgent", "must be a non-empty string without control characters");
  }
  return userAgent;
}

/**
 * An absolute http(s) URL without credentials, query string or fragment (surrounding
 * whitespace removed). The URL is never echoed.
 */
export function checkHttpUrl(scope: string, option: string, value: unknown): URL {
  if (typeof value !== "string" || value.trim() === "") {
    failOption(scope, option, "must be a non-empty string");
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    failOption(scope, option, "is not a valid absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    failOption(scope, option, "must be http or https");
  }
  if (url.username !== "" || url.password !== "") {
    failOption(scope, option, "must not contain credentials: use the auth option");
  }
  if (url.search !== "" || url.hash !== "") {
    failOption(scope, option, "must not have a query string or fragment");
  }
  return url;
}

/** The `tls` option of an HTTP client, as users write it. */
export interface HttpTlsOptions {
  /** Extra trusted CA certificates (PEM), in addition to Node's defaults. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Skip certificate verification. Insecure: only when asked for; log a warning. */
  insecureSkipTLSVerify?: boolean;
}

/** A validated `tls` option: the settings for `HttpTransport`. */
export interface ResolvedTlsOptions {
  /** Extra trusted CA certificates (PEM), or undefined for Node's defaults only. */
  ca: string | Buffer | (string | Buffer)[] | undefined;
  /** Whether certificate verification is skipped. */
  insecure: boolean;
}

function isPem(value: unknown): value is string | Buffer {
  return typeof value === "string" || Buffer.isBuffer(value);
}

/**
 * Validates a `tls` option ({@link HttpTlsOptions}): every CA must be a PEM bundle whose
 * every certificate parses.
 */
export function checkTlsOptions(scope: string, value: unknown): ResolvedTlsOptions {
  if (value === undefined) return { ca: undefined, insecure: false };
  if (!isRecord(value)) failOption(scope, "tls", "must be an object");
  const { ca, insecureSkipTLSVerify } = value;
  if (insecureSkipTLSVerify !== undefined && typeof insecureSkipTLSVerify !== "boolean") {
    failOption(scope, "tls.insecureSkipTLSVerify", "must be a boolean");
  }
  if (ca !== undefined) {
    if (!(isPem(ca) || (Array.isArray(ca) && ca.length > 0 && ca.every(isPem)))) {
      failOption(scope, "tls.ca", "must be a PEM string or Buffer, or a non-empty array of them");
    }
    for (const pem of Array.isArray(ca) ? ca : [ca]) {
      if (!isValidPemBundle(pem))
        failOption(scope, "tls.ca", "is not a valid PEM certificate bundle");
    }
  }
  return { ca, insecure: insecureSkipTLSVerify === true };
}

/** The option checks of one client, bound to its scope (see {@link optionChecks}). */
export interface OptionChecks {
  /** Throws the `ConfigurationError` `<scope> option <option> <problem>`. */
  fail(option: string, problem: string): never;
  /** {@link checkHttpUrl} */
  url(option: string, value: unknown): URL;
  /** {@link checkMilliseconds} */
  milliseconds(option: string, value: unknown, fallback: number, min: 0 | 1): number;
  /** {@link checkCount} */
  count(option: string, value: unknown, fallback: number, max: number): number;
  /** {@link checkTlsOptions}, for the `tls` option. */
  tls(value: unknown): ResolvedTlsOptions;
  /** {@link checkLogger}, for the `logger` option. */
  logger(value: unknown): Logger;
  /** {@link checkFunction} */
  fn<F>(option: string, value: unknown, fallback: F): F;
  /** {@link checkSecretSource}, for the `secrets` option. */
  secrets(value: unknown): SecretSource | undefined;
  /** {@link checkUserAgent}, for the `userAgent` option. */
  userAgent(value: unknown, fallback: string): string;
}

/**
 * The option checks bound to `scope`, the start of every message (e.g. `AAP client`).
 *
 * @example
 * ```ts
 * const check = optionChecks("runner client");
 * const url = check.url("url", options.url);
 * const timeoutMs = check.milliseconds("timeoutMs", options.timeoutMs, 10_000, 1);
 * const tls = check.tls(options.tls);
 * ```
 */
export function optionChecks(scope: string): OptionChecks {
  return {
    fail: (option, problem) => failOption(scope, option, problem),
    url: (option, value) => checkHttpUrl(scope, option, value),
    milliseconds: (option, value, fallback, min) =>
      checkMilliseconds(scope, option, value, fallback, min),
    count: (option, value, fallback, max) => checkCount(scope, option, value, fallback, max),
    tls: (value) => checkTlsOptions(scope, value),
    logger: (value) => checkLogger(scope, value),
    fn: (option, value, fallback) => checkFunction(scope, option, value, fallback),
    secrets: (value) => checkSecretSource(scope, value),
    userAgent: (value, fallback) => checkUserAgent(scope, value, fallback),
  };
}
