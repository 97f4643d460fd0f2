/**
 * Options of `EdaClient` and their synchronous validation.
 *
 * @module
 */
import {
  checkSecretValue,
  type Logger,
  type SecretSource,
  type SecretValue,
} from "@provisionkit/core";
import {
  hasControlCharacter,
  isRecord,
  optionChecks,
  type HttpTlsOptions,
  type ResolvedTlsOptions,
} from "@provisionkit/core/http";
import { parseTarget, type EdaTarget, type ResolvedTarget } from "./target.js";

/** No credentials (a webhook source without `token` or `hmac_secret`). */
export interface EdaNoAuth {
  /** Discriminant. */
  type: "none";
}

/** `Authorization: Bearer <token>` (webhook `token`, event-stream Token credential). */
export interface EdaBearerAuth {
  /** Discriminant. */
  type: "bearer";
  /** The token, or a Secret reference. Leading and trailing whitespace is removed. */
  token: SecretValue;
}

/** `Authorization: Basic base64(user:password)` (event-stream Basic credential). */
export interface EdaBasicAuth {
  /** Discriminant. */
  type: "basic";
  /** The user name (no `:`), or a Secret reference. */
  username: SecretValue;
  /** The password, or a Secret reference; used verbatim. */
  password: SecretValue;
}

/** An HMAC algorithm. */
export type EdaHmacAlgorithm = "sha256" | "sha1" | "sha512";

/** How an HMAC digest is written into its header. */
export type EdaHmacEncoding = "hex" | "base64";

/**
 * An HMAC signature of the exact raw body bytes (webhook `hmac_secret`, event-stream HMAC
 * credential).
 */
export interface EdaHmacAuth {
  /** Discriminant. */
  type: "hmac";
  /** The shared secret, or a Secret reference; used verbatim (create the Secret without a trailing newline). */
  secret: SecretValue;
  /** The header carrying the signature. Default `X-Hub-Signature-256`. */
  header?: string;
  /** Default `sha256`. */
  algorithm?: EdaHmacAlgorithm;
  /** Default `hex` for a webhook target, `base64` for an event-stream target (the receivers' defaults). */
  encoding?: EdaHmacEncoding;
  /** Text written before the digest, e.g. `sha256=`. Default none. */
  prefix?: string;
}

/** One way of authenticating an event. */
export type EdaAuth = EdaNoAuth | EdaBearerAuth | EdaBasicAuth | EdaHmacAuth;

/** TLS settings for `https` URLs (core's `HttpTlsOptions`). */
export type EdaTlsOptions = HttpTlsOptions;

/** Options of `EdaClient`. */
export interface EdaClientOptions {
  /** Where events go: a webhook source or AAP event streams. */
  target: EdaTarget;
  /**
   * How events are authenticated: one method, or several together (e.g. a bearer token and
   * an HMAC signature, when the webhook source checks both). At most one of `bearer` /
   * `basic` (both use `Authorization`). Required: pass `{ type: "none" }` for an
   * unauthenticated webhook.
   */
  auth: EdaAuth | readonly EdaAuth[];
  /**
   * Resolves `{ secretRef }` secrets (e.g. a `KubernetesSecretSource`). Secrets are read
   * for every event; after a 401/403 they are read once more with `fresh: true` and the
   * event is resent once when a value changed (the Secret was rotated).
   */
  secrets?: SecretSource;
  /** TLS settings for `https` URLs. */
  tls?: EdaTlsOptions;
  /** Time limit of each HTTP request, including reading the answer. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /** Receives a debug line per request; never headers, secrets or bodies. Default: silent. */
  logger?: Logger;
  /** The `User-Agent` header. Default `provisionkit-provider-eda`. */
  userAgent?: string;
  /** Clock, for `Retry-After` dates. Default `Date.now`. */
  now?: () => number;
}

/** A validated auth method with its defaults applied. */
export type ResolvedAuth =
  | { type: "bearer"; token: SecretValue; option: string }
  | { type: "basic"; username: SecretValue; password: SecretValue; option: string }
  | {
      type: "hmac";
      secret: SecretValue;
      header: string;
      algorithm: EdaHmacAlgorithm;
      encoding: EdaHmacEncoding;
      prefix: string;
      option: string;
    };

/** Validated options with defaults applied. */
export interface ResolvedClientOptions {
  /** The target. */
  target: ResolvedTarget;
  /** The auth methods (empty for none). */
  auth: ResolvedAuth[];
  /** The secret source. */
  secrets: SecretSource | undefined;
  /** TLS settings. */
  tls: ResolvedTlsOptions;
  /** Per-request time limit. */
  timeoutMs: number;
  /** The logger. */
  logger: Logger;
  /** The User-Agent. */
  userAgent: string;
  /** The clock. */
  now: () => number;
}

/** Default per-request time limit. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Default User-Agent. */
export const DEFAULT_USER_AGENT = "provisionkit-provider-eda";
/** Default HMAC header (both receivers' default). */
export const DEFAULT_HMAC_HEADER = "X-Hub-Signature-256";

const check = optionChecks("EDA client");
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "content-type",
  "content-length",
  "host",
  "user-agent",
  "x-provisionkit-correlation-id",
  "x-provisionkit-operation",
]);

function fail(option: string, problem: string): never {
  return check.fail(option, problem);
}

function parseOne(
  value: unknown,
  option: string,
  hasSource: boolean,
  targetType: EdaTarget["type"],
): ResolvedAuth | undefined {
  if (!isRecord(value)) fail(option, "must be an object");
  switch (value.type) {
    case "none":
      return undefined;
    case "bearer":
      return {
        type: "bearer",
        token: checkSecretValue(value.token, `${option}.token`, hasSource),
        option,
      };
    case "basic": {
      const username = checkSecretValue(value.username, `${option}.username`, hasSource);
      if (
        typeof username === "string" &&
        (username.includes(":") || hasControlCharacter(username))
      ) {
        fail(`${option}.username`, "must not contain ':' or control characters");
      }
      const password = checkSecretValue(value.password, `${option}.password`, hasSource);
      return { type: "basic", username, password, option };
    }
    case "hmac": {
      const secret = checkSecretValue(value.secret, `${option}.secret`, hasSource);
      const header = value.header ?? DEFAULT_HMAC_HEADER;
      if (typeof header !== "string" || !HEADER_NAME.test(header)) {
        fail(`${option}.header`, "must be an HTTP header name");
      }
      if (RESERVED_HEADERS.has(header.toLowerCase())) {
        fail(`${option}.header`, "must not be a header the client sets itself");
      }
      const algorithm = value.algorithm ?? "sha256";
      if (algorithm !== "sha256" && algorithm !== "sha1" && algorithm !== "sha512") {
        fail(`${option}.algorithm`, 'must be "sha256", "sha1" or "sha512"');
      }
      const encoding = value.encoding ?? (targetType === "webhook" ? "hex" : "base64");
      if (encoding !== "hex" && encoding !== "base64") {
        fail(`${option}.encoding`, 'must be "hex" or "base64"');
      }
      const prefix = value.prefix ?? "";
      if (typeof prefix !== "string" || hasControlCharacter(prefix)) {
        fail(`${option}.prefix`, "must be a string without control characters");
      }
      return { type: "hmac", secret, header, algorithm, encoding, prefix, option };
    }
    default:
      fail(`${option}.type`, 'must be "none", "bearer", "basic" or "hmac"');
  }
}

/** Validates the `auth` option (one method or a list). */
export function parseAuth(
  value: unknown,
  hasSource: boolean,
  targetType: EdaTarget["type"],
): ResolvedAuth[] {
  if (value === undefined) fail("auth", 'is required (use { type: "none" } for no credentials)');
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length === 0) fail("auth", "must not be an empty list");
  const single = !Array.isArray(value);
  const resolved: ResolvedAuth[] = [];
  list.forEach((item, i) => {
    const one = parseOne(item, single ? "auth" : `auth[${i}]`, hasSource, targetType);
    if (one === undefined) {
      if (list.length > 1) fail(`auth[${i}]`, 'cannot combine "none" with other methods');
      return;
    }
    resolved.push(one);
  });
  if (resolved.filter((a) => a.type !== "hmac").length > 1) {
    fail("auth", "may hold at most one bearer or basic method (both use Authorization)");
  }
  const headers = resolved.flatMap((a) => (a.type === "hmac" ? [a.header.toLowerCase()] : []));
  if (new Set(headers).size !== headers.length) {
    fail("auth", "has two HMAC methods writing the same header");
  }
  return resolved;
}

/**
 * Validates `options` and applies defaults.
 *
 * @throws ConfigurationError naming the bad option; secrets and URLs are never echoed.
 */
export function resolveClientOptions(options: EdaClientOptions): ResolvedClientOptions {
  if (!isRecord(options)) fail("options", "must be an object");
  const target = parseTarget(options.target);
  const secrets = check.secrets(options.secrets);
  return {
    target,
    auth: parseAuth(options.auth, secrets !== undefined, target.type),
    secrets,
    tls: check.tls(options.tls),
    timeoutMs: check.milliseconds(
      "requestTimeoutMs",
      options.requestTimeoutMs,
      DEFAULT_REQUEST_TIMEOUT_MS,
      1,
    ),
    logger: check.logger(options.logger),
    userAgent: check.userAgent(options.userAgent, DEFAULT_USER_AGENT),
    now: check.fn("now", options.now, Date.now),
  };
}
