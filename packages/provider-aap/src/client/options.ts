/**
 * Options of `AapClient` and their synchronous validation.
 *
 * @module
 */
import {
  checkSecretValue,
  ConfigurationError,
  type Logger,
  type SecretSource,
  type SecretValue,
} from "@provisionkit/core";
import { Agent as HttpAgent } from "node:http";
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  defaultSleep,
  hasControlCharacter,
  isRecord,
  optionChecks,
  type HttpTlsOptions,
  type ResolvedTlsOptions,
  type RetryPolicy,
  type Sleep,
} from "@provisionkit/core/http";

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

/** TLS settings for `https` URLs (core's `HttpTlsOptions`). */
export type AapTlsOptions = HttpTlsOptions;

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
  sleep?: Sleep;
  /**
   * Keep connections to AAP open and reuse them (default `true`): one pool per client, for
   * reads, cancels and launches alike. A launch that fails on a reused connection (reset:
   * the server may have closed it as the request was written) is reported with
   * `outcomeUnknown` and never resent, like any launch that may have reached AAP: the
   * engine then adopts or rules out the job by its correlation id (`findJob`, E5).
   * `false`: every request opens a connection of its own, so a launch whose connection
   * could not be established is known not to have been sent.
   */
  keepAlive?: boolean;
  /**
   * A pooled connection idle this long is closed by the client (and 1 s before the end of a
   * `Keep-Alive: timeout=N` AAP announces, when that is sooner), so that a connection the
   * server is about to close is not reused. Default 4,000 ms.
   */
  idleTimeoutMs?: number;
  /**
   * Your own `http.Agent` (or `https.Agent` for an `https` URL) for every request, e.g. to
   * share one pool between clients: its keep-alive, idle and TLS settings apply, and
   * `tls`, `keepAlive` and `idleTimeoutMs` are not used. `AapClient.close()` leaves it
   * open. A failure on one of its connections is taken as having reached AAP whenever the
   * request got a connection.
   */
  agent?: HttpAgent;
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
  tls: ResolvedTlsOptions;
  /** Per-request time limit. */
  timeoutMs: number;
  /** Retry policy with defaults. */
  retry: RetryPolicy;
  /** The logger. */
  logger: Logger;
  /** The User-Agent. */
  userAgent: string;
  /** The sleep function. */
  sleep: Sleep;
  /** Whether pooled connections are kept open between requests. */
  keepAlive: boolean;
  /** How long a pooled connection may stay idle. */
  idleTimeoutMs: number;
  /** The caller's agent, if any. */
  agent: HttpAgent | undefined;
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

const SCOPE = "AAP client";
const check = optionChecks(SCOPE);
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/;
const VERSIONED_API_PATH = /^\/api\/(?:[^/]+\/)*v\d+\/$/;

function fail(option: string, problem: string): never {
  return check.fail(option, problem);
}

interface ParsedUrl {
  origin: string;
  https: boolean;
  explicitApiPath: string | undefined;
  discoveryRoot: string;
}

function parseUrl(value: unknown): ParsedUrl {
  // The URL is never echoed back: it could carry credentials.
  const url = check.url("url", value);
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
    throw new ConfigurationError(`${SCOPE} option ${error.message}`, { details: { option } });
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
    if (username.includes(":") || hasControlCharacter(username)) {
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

function parseRetry(value: unknown): RetryPolicy {
  if (value === undefined) return { ...DEFAULT_RETRY };
  if (!isRecord(value)) fail("retry", "must be an object");
  const ms = (option: keyof RetryPolicy): number =>
    check.milliseconds(`retry.${option}`, value[option], DEFAULT_RETRY[option], 0);
  return {
    retries: check.count("retry.retries", value.retries, DEFAULT_RETRY.retries, 100),
    initialDelayMs: ms("initialDelayMs"),
    maxDelayMs: ms("maxDelayMs"),
    maxRetryAfterMs: ms("maxRetryAfterMs"),
  };
}

/**
 * Validates `options` and applies defaults.
 *
 * @throws ConfigurationError naming the bad option; secrets and the URL are never echoed.
 */
export function resolveOptions(options: AapClientOptions): ResolvedOptions {
  if (!isRecord(options)) fail("options", "must be an object");
  const url = parseUrl(options.url);
  const timeoutMs = check.milliseconds("timeoutMs", options.timeoutMs, DEFAULT_TIMEOUT_MS, 0);
  if (timeoutMs === 0) fail("timeoutMs", "must be greater than 0");
  const secrets = check.secrets(options.secrets);
  return {
    ...url,
    auth: parseAuth(options.auth, secrets !== undefined),
    secrets,
    tls: check.tls(options.tls),
    timeoutMs,
    retry: parseRetry(options.retry),
    logger: check.logger(options.logger),
    userAgent: check.userAgent(options.userAgent, DEFAULT_USER_AGENT),
    sleep: check.fn("sleep", options.sleep, defaultSleep),
    keepAlive: parseKeepAlive(options.keepAlive),
    idleTimeoutMs: check.milliseconds(
      "idleTimeoutMs",
      options.idleTimeoutMs,
      DEFAULT_IDLE_TIMEOUT_MS,
      1,
    ),
    agent: parseAgent(options.agent),
  };
}

function parseKeepAlive(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean") fail("keepAlive", "must be a boolean");
  return value;
}

function parseAgent(value: unknown): HttpAgent | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof HttpAgent)) fail("agent", "must be an http.Agent or https.Agent");
  return value;
}
