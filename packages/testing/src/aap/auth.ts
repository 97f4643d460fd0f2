/**
 * Authentication and the read-scope check, after AWX's DRF setup (research §2): Bearer
 * tokens, then Basic unless disabled. An unknown token counts as no credentials.
 *
 * @module
 */
import type { AapAuthScheme } from "./records.js";
import { ApiError } from "./response.js";
import type { AapAuthOptions, AapTokenCredential, AapUserCredential } from "./types.js";

const LOGIN_HINT = "To establish a login session, visit /api/login/.";
const WWW_AUTHENTICATE = {
  "WWW-Authenticate": "Bearer realm=api authorization_url=/api/o/authorize/",
};
const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"];

/** The credentials settings with every default applied. */
export interface AuthSettings {
  /** Accepted tokens. */
  readonly tokens: readonly AapTokenCredential[];
  /** Accepted users. */
  readonly users: readonly AapUserCredential[];
  /** Whether Basic auth is accepted. */
  readonly basicEnabled: boolean;
}

/** Applies the defaults to the auth options. */
export function authSettings(options: AapAuthOptions | undefined): AuthSettings {
  return {
    tokens: options?.tokens ?? [{ token: "sim-token", scope: "write" }],
    users: options?.users ?? [{ username: "admin", password: "password" }],
    basicEnabled: options?.basicEnabled ?? true,
  };
}

/** What the `Authorization` header of a request amounts to. */
export interface AuthResult {
  /** The scheme presented, for the request log. */
  readonly scheme: AapAuthScheme;
  /** The scope of the authenticated principal; undefined when not authenticated. */
  readonly scope: "read" | "write" | undefined;
  /** Set when the credentials were presented and wrong (bad Basic password). */
  readonly invalid: boolean;
}

/** Reads the `Authorization` header. Never keeps the secret. */
export function authenticate(header: string | undefined, settings: AuthSettings): AuthResult {
  const match = /^(\S+)\s+(.*)$/.exec(header?.trim() ?? "");
  const scheme = match?.[1]?.toLowerCase();
  const credentials = match?.[2]?.trim() ?? "";
  if (scheme === "bearer") {
    const token = settings.tokens.find((candidate) => candidate.token === credentials);
    return { scheme: "bearer", scope: token?.scope, invalid: false };
  }
  if (scheme === "basic") {
    if (!settings.basicEnabled) return { scheme: "basic", scope: undefined, invalid: false };
    const decoded = Buffer.from(credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const user = settings.users.find((u) => u.username === username && u.password === password);
    return { scheme: "basic", scope: user ? "write" : undefined, invalid: colon < 0 || !user };
  }
  return { scheme: "none", scope: undefined, invalid: false };
}

/**
 * Throws the 401 or 403 AWX would answer for this request, if any.
 *
 * @throws ApiError 401 without valid credentials, 403 for a read-scope token on a method
 *   that is not safe.
 */
export function requireAuth(auth: AuthResult, method: string): void {
  if (auth.invalid) {
    throw new ApiError(
      401,
      { detail: `Invalid username/password. ${LOGIN_HINT}` },
      WWW_AUTHENTICATE,
    );
  }
  if (auth.scope === undefined) {
    throw new ApiError(
      401,
      { detail: `Authentication credentials were not provided. ${LOGIN_HINT}` },
      WWW_AUTHENTICATE,
    );
  }
  if (auth.scope === "read" && !SAFE_METHODS.includes(method)) {
    throw new ApiError(403, { detail: "You do not have permission to perform this action." });
  }
}
