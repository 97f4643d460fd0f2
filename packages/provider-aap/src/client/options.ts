/**
 * Options of `AapClient` and their synchronous validation.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import {
  checkSecretValue,
  ConfigurationError,
  silentLogger,
  type Logger,
  type SecretSource,
  type SecretValue,
} from "@provisionkit/core";
import { defaultSleep } from "./sleep.js";

/**
 * Credentials sent on every request. A secret is given as a string, or as
 * `{ secretRef: { name, key, namespace? } }` to read it from a Kubernetes Secret through
 * {@link AapClientOptions.secrets} at request time (read again once after a 401, so a
 * rotated Secret is picked up).
 */
export type AapAuth =
  | {
      /** An OAuth2 or personal access token, sent as `Authorization: Bearer <token>`. */
      type: "bearer";
      /**
       * The token, or a reference to it. Leading and trailing whitespace (a newline from a
       * secret file) is removed.
       */
      token: SecretValue;
    }
  | {
      /** HTTP Basic authentication. */
      type: "basic";
      /** The user name (no `:`). */
      username: string;
      /** The password, or a reference to it (used as is, whitespace included). */
      password: SecretValue;
    };

/** TLS settings for `https` URLs. */
export interface AapTlsOptions {
  /** Extra trusted CA certificates (PEM), in addition to Node's defaults. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Skip certificate verification. Insecure: only when asked for, and a warning is logged. */
  insecureSkipTLSVerify?: boolean;
}

/** Retry policy for reads and cancels (launches are never retried). */
export interface AapRetryOptions {
  /** Retries after the first attempt. Default 4. */
  retries?: number;
  /** Delay before the first retry, doubled for each further one. Default 500 ms. */
  initialDelayMs?: number;
  /** Upper bound of the backoff delay. Default 15 000 ms. */
  maxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: `RateLimitError` is thrown at once. Default 60 000 ms. */
  maxRetryAfterMs?: number;
}

/** Options of `AapClient`. */
export interface AapClientOptions {
  /**
   * The AAP address: either a bare origin such as `https://aap.example.com` (the API path
   * is discovered), or a URL with a versioned API path such as
   * `https://gw.example.com/api/controller/v2/` or `https://awx.example.com/api/v2/` (used as is).
   */
  url: string;
  /** Credentials. */
  auth: AapAuth;
  /**
   * Reads the secrets of {@link AapClientOptions.auth} given as `{ secretRef }`, e.g. a
   * `KubernetesSecretSource` from `@provisionkit/core/kubernetes`. Required when `auth`
   * refers to a Secret.
   */
  secrets?: SecretSource;
  /** TLS settings for `https` URLs. */
  tls?: AapTlsOptions;
  /** Time limit of each HTTP request, including reading the body. Default 30 000 ms. */
  timeoutMs?: number;
  /** Retry policy for reads and cancels. */
  retry?: AapRetryOptions;
  /** Receives a debug line per request; never headers, tokens or passwords. Default: silent. */
  logger?: Logger;
  /** The `User-Agent` header. Default `provisionkit-provider-aap`. */
  userAgent?: string;
  /** Waits between retries; injectable for tests. Default: a real timer that honours the signal. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Options of every client call. */
export interface RequestOptions {
  /** Aborts the call (and any retry wait); the call then throws `AbortedError`. */
  signal?: AbortSignal;
}

/** Validated options with defaults applied. */
export interface ResolvedOptions {
  /** `protocol//host[:port]` of the AAP URL. */
  origin: string;
  /** The versioned API path when the URL has one (`/api/v2/`), else undefined. */
  explicitApiPath: string | undefined;
  /** Where discovery starts (`/api/`) when {@link ResolvedOptions.explicitApiPath} is undefined. */
  discoveryRoot: string;
  /** Whether the URL is https. */
  https: boolean;
  /** Validated credentials (a literal token trimmed, references normalized). */
  auth: AapAuth;
  /** Resolves secret references of {@link ResolvedOptions.auth}. */
  secrets: SecretSource | undefined;
  /** TLS settings. */
  tls: { ca: string | Buffer | (string | Buffer)[] | undefined; insecure: boolean };
  /** Per-request time limit. */
  timeoutMs: number;
  /** Retry policy with defaults. */
  retry: Required<AapRetryOptions>;
  /** The logger. */
  logger: Logger;
  /** The User-Agent. */
  userAgent: string;
  /** The sleep function. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Default per-request time limit. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Default User-Agent. */
export const DEFAULT_USER_AGENT = "provisionkit-provider-aap";
/** Default retry policy. */
export const DEFAULT_RETRY: Readonly<Required<AapRetryOptions>> = Object.freeze({
  retries: 4,
  initialDelayMs: 500,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
});

const MAX_TIMER_MS = 2_147_483_647;
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const VERSIONED_API_PATH = /^\/api\/(?:[^/]+\/)*v\d+\/$/;

function fail(option: string, problem: string): never {
  throw new ConfigurationError(`AAP client option ${option} ${problem}`, {
    details: { option },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonNegative(value: unknown, option: string, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    fail(option, "must be a non-negative number");
  }
  if (integer && !Number.isInteger(value)) fail(option, "must be an integer");
  if (value > MAX_TIMER_MS) fail(option, `must be at most ${MAX_TIMER_MS}`);
  return value;
}

interface ParsedUrl {
  origin: string;
  https: boolean;
  explicitApiPath: string | undefined;
  discoveryRoot: string;
}

function parseUrl(value: unknown): ParsedUrl {
  // The URL is never echoed back: it could carry credentials.
  if (typeof value !== "string" || value.trim() === "") fail("url", "must be a non-empty string");
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    fail("url", "is not a valid absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") fail("url", "must be http or https");
  if (url.username !== "" || url.password !== "") {
    fail("url", "must not contain credentials: use the auth option");
  }
  if (url.search !== "" || url.hash !== "") fail("url", "must not have a query string or fragment");
  const path = url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`;
  const base = { origin: url.origin, https: url.protocol === "https:" };
  if (path === "/" || path === "/api/") {
    return { ...base, explicitApiPath: undefined, discoveryRoot: "/api/" };
  }
  if (/^\/api\/(?:gateway|eda)\//.test(path)) {
    fail("url", "points at the gateway or EDA API: give the origin or the controller API path");
  }
  if (VERSIONED_API_PATH.test(path)) {
    return { ...base, explicitApiPath: path, discoveryRoot: "/api/" };
  }
  if (/^\/api\/[^/]+\/$/.test(path)) {
    // A service root such as /api/controller/: discover its current_version.
    return { ...base, explicitApiPath: undefined, discoveryRoot: path };
  }
  fail(
    "url",
    "must be an origin (https://aap.example.com) or end with a versioned API path such as /api/v2/ or /api/controller/v2/",
  );
}

/** Whether `value` contains whitespace or control characters (not allowed in a token). */
export function hasSpaceOrControl(value: string): boolean {
  return CONTROL_OR_SPACE.test(value);
}

/**
 * Checks a secret reference with core's `checkSecretValue`; its messages start with the
 * option's name and never echo a value.
 */
function parseReference(value: unknown, option: string, hasSource: boolean): SecretValue {
  try {
    return checkSecretValue(value, option, hasSource);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ConfigurationError(`AAP client option ${error.message}`, { details: { option } });
  }
}

function parseAuth(value: unknown, hasSource: boolean): AapAuth {
  if (!isRecord(value)) fail("auth", "must be an object");
  if (value.type === "bearer") {
    if (isRecord(value.token)) {
      return { type: "bearer", token: parseReference(value.token, "auth.token", hasSource) };
    }
    if (typeof value.token !== "string") fail("auth.token", "must be a string");
    const token = value.token.trim();
    if (token === "") fail("auth.token", "must not be empty");
    if (hasSpaceOrControl(token)) {
      fail("auth.token", "must not contain whitespace or control characters");
    }
    return { type: "bearer", token };
  }
  if (value.type === "basic") {
    const { username, password } = value;
    if (typeof username !== "string" || username === "") {
      fail("auth.username", "must be a non-empty string");
    }
    if (username.includes(":") || CONTROL.test(username)) {
      fail("auth.username", "must not contain ':' or control characters");
    }
    if (isRecord(password)) {
      return {
        type: "basic",
        username,
        password: parseReference(password, "auth.password", hasSource),
      };
    }
    if (typeof password !== "string" || password === "") {
      fail("auth.password", "must be a non-empty string");
    }
    return { type: "basic", username, password };
  }
  fail("auth.type", 'must be "bearer" or "basic"');
}

function parseSecrets(value: unknown): SecretSource | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || typeof value.read !== "function") {
    fail("secrets", "must be a SecretSource (an object with a read method)");
  }
  return value as unknown as SecretSource;
}

function isPem(value: unknown): value is string | Buffer {
  return typeof value === "string" || Buffer.isBuffer(value);
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Whether `pem` holds at least one certificate and every certificate in it parses. */
function isValidPemBundle(pem: string | Buffer): boolean {
  const blocks = pem.toString("utf8").match(PEM_BLOCK);
  if (blocks === null) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}

function parseTls(value: unknown): ResolvedOptions["tls"] {
  if (value === undefined) return { ca: undefined, insecure: false };
  if (!isRecord(value)) fail("tls", "must be an object");
  const { ca, insecureSkipTLSVerify } = value;
  if (insecureSkipTLSVerify !== undefined && typeof insecureSkipTLSVerify !== "boolean") {
    fail("tls.insecureSkipTLSVerify", "must be a boolean");
  }
  if (ca !== undefined) {
    if (!(isPem(ca) || (Array.isArray(ca) && ca.length > 0 && ca.every(isPem)))) {
      fail("tls.ca", "must be a PEM string or Buffer, or a non-empty array of them");
    }
    for (const pem of Array.isArray(ca) ? ca : [ca]) {
      if (!isValidPemBundle(pem)) fail("tls.ca", "is not a valid PEM certificate bundle");
    }
  }
  return {
    ca: ca,
    insecure: insecureSkipTLSVerify === true,
  };
}

function parseRetry(value: unknown): Required<AapRetryOptions> {
  if (value === undefined) return { ...DEFAULT_RETRY };
  if (!isRecord(value)) fail("retry", "must be an object");
  const retries = nonNegative(value.retries, "retry.retries", DEFAULT_RETRY.retries, true);
  if (retries > 100) fail("retry.retries", "must be at most 100");
  return {
    retries,
    initialDelayMs: nonNegative(
      value.initialDelayMs,
      "retry.initialDelayMs",
      DEFAULT_RETRY.initialDelayMs,
    ),
    maxDelayMs: nonNegative(value.maxDelayMs, "retry.maxDelayMs", DEFAULT_RETRY.maxDelayMs),
    maxRetryAfterMs: nonNegative(
      value.maxRetryAfterMs,
      "retry.maxRetryAfterMs",
      DEFAULT_RETRY.maxRetryAfterMs,
    ),
  };
}

function parseLogger(value: unknown): Logger {
  if (value === undefined) return silentLogger;
  const methods = ["debug", "info", "warn", "error"] as const;
  if (!isRecord(value) && typeof value !== "function") fail("logger", "must be a Logger");
  const candidate = value as Record<string, unknown>;
  if (!methods.every((m) => typeof candidate[m] === "function")) {
    fail("logger", "must have debug, info, warn and error methods");
  }
  return value as unknown as Logger;
}

/**
 * Validates `options` and applies defaults.
 *
 * @throws ConfigurationError naming the bad option; secrets and the URL are never echoed.
 */
export function resolveOptions(options: AapClientOptions): ResolvedOptions {
  if (!isRecord(options)) fail("options", "must be an object");
  const url = parseUrl(options.url);
  const timeoutMs = nonNegative(options.timeoutMs, "timeoutMs", DEFAULT_TIMEOUT_MS);
  if (timeoutMs === 0) fail("timeoutMs", "must be greater than 0");
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  if (typeof userAgent !== "string" || userAgent === "" || CONTROL.test(userAgent)) {
    fail("userAgent", "must be a non-empty string without control characters");
  }
  if (options.sleep !== undefined && typeof options.sleep !== "function") {
    fail("sleep", "must be a function");
  }
  const secrets = parseSecrets(options.secrets);
  return {
    ...url,
    auth: parseAuth(options.auth, secrets !== undefined),
    secrets,
    tls: parseTls(options.tls),
    timeoutMs,
    retry: parseRetry(options.retry),
    logger: parseLogger(options.logger),
    userAgent,
    sleep: options.sleep ?? defaultSleep,
  };
}
