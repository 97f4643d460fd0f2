/**
 * Removal of credentials from any text the client puts into errors or logs, including text
 * the server sent back (a proxy may echo the `Authorization` header in an error page).
 *
 * @module
 */
import type { AapAuth } from "./options.js";

/** What a removed secret is replaced with. */
export const REDACTED = "[REDACTED]";

/** Longest server text the client copies into a message. */
export const MAX_SERVER_TEXT = 1000;

// Safety nets for credentials echoed in a transformed form: an `Authorization` header line,
// and a long token-like word after an auth scheme name.
const AUTH_HEADER = /(authorization["']?\s*[:=]\s*["']?)[^"'\r\n,;}]+/gi;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9\-._~+/=]{16,}/gi;

/** Removes known secrets and anything that looks like an `Authorization` value from text. */
export class Redactor {
  readonly #username: string | undefined;
  #secrets: string[] = [];

  /**
   * @param auth - the credentials whose every encoding must never appear in output. Secrets
   *   given as references are registered with {@link Redactor.add} once they are read.
   */
  constructor(auth?: AapAuth) {
    this.#username = auth?.type === "basic" ? auth.username : undefined;
    const literal = auth?.type === "bearer" ? auth.token : auth?.password;
    if (typeof literal === "string") this.add(literal);
  }

  /**
   * Registers a secret (a token or password, e.g. one read from a Kubernetes Secret), so it
   * is removed from every later text: as is, URL-encoded and JSON-escaped, and for basic
   * credentials also as the `user:password` pair and its base64 form.
   */
  add(secret: string): void {
    if (secret === "") return;
    const forms = [secret];
    if (this.#username !== undefined) {
      const pair = `${this.#username}:${secret}`;
      forms.push(Buffer.from(pair, "utf8").toString("base64"), pair);
    }
    const all = new Set(this.#secrets);
    const before = all.size;
    for (const form of forms) {
      // Servers may echo a value URL-encoded or JSON-escaped.
      for (const variant of [form, encodeURIComponent(form), JSON.stringify(form).slice(1, -1)]) {
        if (variant !== "") all.add(variant);
      }
    }
    if (all.size === before) return;
    // Longest first, so a secret containing another is removed whole.
    this.#secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret replaced by {@link REDACTED}. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join(REDACTED);
    return out
      .replace(AUTH_HEADER, (_m, prefix: string) => `${prefix}${REDACTED}`)
      .replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${REDACTED}`);
  }

  /** Scrubbed and shortened server text for a message. */
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
