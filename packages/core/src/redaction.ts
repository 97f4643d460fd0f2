/**
 * Removal of secrets from text a provider puts into errors, logs, events or status,
 * including text a server sent back (a proxy may echo request headers in an error page).
 *
 * @module
 */

/** What a removed secret is replaced with. */
export const REDACTED = "[REDACTED]";

/** Longest server text {@link SecretRedactor.serverText} copies into a message. */
export const MAX_SERVER_TEXT = 1000;

// Safety nets for credentials echoed in a transformed form: an `Authorization` header line,
// and a long token-like word after an auth scheme name.
const AUTH_HEADER = /(authorization["']?\s*[:=]\s*["']?)[^"'\r\n,;}]+/gi;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9\-._~+/=]{16,}/gi;

/** Options of {@link SecretRedactor}. */
export interface SecretRedactorOptions {
  /**
   * The user name of basic credentials: each secret added is then also removed as the
   * `user:secret` pair and its base64 form (what an `Authorization: Basic` header carries).
   */
  basicUsername?: string;
}

/**
 * Removes registered secrets, and anything that looks like an `Authorization` value, from
 * text. Each secret is removed as is, trimmed, URL-encoded and JSON-escaped; longer forms
 * first, so a secret containing another is removed whole.
 *
 * @example
 * ```ts
 * const redactor = new SecretRedactor();
 * redactor.add(token);
 * throw new ProviderError(redactor.scrub(`launch failed: ${serverText}`));
 * ```
 */
export class SecretRedactor {
  readonly #username: string | undefined;
  #secrets: string[] = [];

  /** @param options - see {@link SecretRedactorOptions}. */
  constructor(options: SecretRedactorOptions = {}) {
    this.#username = options.basicUsername;
  }

  /** Registers a secret (a token, password or key, e.g. one just read from a Secret). */
  add(secret: string): void {
    if (secret === "") return;
    const forms = [secret, secret.trim()];
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

  /** Scrubbed, flattened and shortened (to {@link MAX_SERVER_TEXT}) server text for a message. */
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
