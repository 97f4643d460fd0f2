/**
 * Removal of secrets from any text the client puts into errors or logs, including text the
 * server sent back (a proxy may echo request headers in an error page).
 *
 * @module
 */

/** What a removed secret is replaced with. */
export const REDACTED = "[REDACTED]";

/** Longest server text copied into a message. */
export const MAX_SERVER_TEXT = 1000;

// Safety nets for credentials echoed in a transformed form: an `Authorization` header line,
// and a long token-like word after an auth scheme name.
const AUTH_HEADER = /(authorization["']?\s*[:=]\s*["']?)[^"'\r\n,;}]+/gi;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9\-._~+/=]{16,}/gi;

/** Removes known secrets and anything that looks like an `Authorization` value from text. */
export class Redactor {
  readonly #secrets: string[];

  /** @param secrets - values (and derived forms) that must never appear in output. */
  constructor(secrets: readonly string[]) {
    const all: string[] = [];
    for (const secret of secrets) {
      if (secret === "") continue;
      // Servers may echo a value URL-encoded or JSON-escaped; a trimmed form too.
      all.push(
        secret,
        secret.trim(),
        encodeURIComponent(secret),
        JSON.stringify(secret).slice(1, -1),
      );
    }
    // Longest first, so a secret containing another is removed whole.
    this.#secrets = [...new Set(all)].filter((s) => s !== "").sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret replaced by {@link REDACTED}. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join(REDACTED);
    return out
      .replace(AUTH_HEADER, (_m, prefix: string) => `${prefix}${REDACTED}`)
      .replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${REDACTED}`);
  }

  /** Scrubbed, flattened and shortened server text for a message. */
  serverText(text: string): string {
    // Scrub before flattening whitespace and before cutting, so no secret is left half-matched.
    const flat = this.scrub(this.scrub(text).replace(/\s+/g, " ").trim());
    return flat.length > MAX_SERVER_TEXT ? `${flat.slice(0, MAX_SERVER_TEXT)}…` : flat;
  }

  /** A copy of `fields` with every string value scrubbed (for log lines and error details). */
  scrubFields<T extends Record<string, unknown>>(fields: T): T {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      out[key] = typeof value === "string" ? this.scrub(value) : value;
    }
    return out as T;
  }
}
