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
   * `user:secret` pair, in every form a secret is removed in (see {@link SecretRedactor}).
   */
  basicUsername?: string;
  /** What a removed secret is replaced with. Default {@link REDACTED}. */
  replacement?: string;
}

/**
 * Shortest piece of a base64 stream {@link SecretRedactor} removes when the secret sits at an
 * unknown byte offset inside longer encoded data (shorter pieces would match ordinary text).
 */
export const MIN_BASE64_FRAGMENT = 8;

/** `bytes` in standard and URL-safe base64, each with and without `=` padding. */
function base64Forms(bytes: Buffer): string[] {
  const padded = bytes.toString("base64");
  const bare = padded.replace(/=+$/, "");
  const url = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");
  return [padded, bare, url(padded), url(bare)];
}

/**
 * The characters of a base64 stream that depend on `bytes` alone, when `bytes` starts at a
 * byte offset of 0, 1 or 2 (mod 3) inside longer data: whatever comes before or after, the
 * stream contains these characters (standard and URL-safe alphabets).
 */
function base64Fragments(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    // Character i covers bits [6i, 6i + 6); the secret covers [8 * offset, 8 * (offset + n)).
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const fragment = encoded.slice(first, end);
    if (fragment.length >= MIN_BASE64_FRAGMENT) {
      out.push(fragment, fragment.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return out;
}

/** `\uXXXX` escapes for the code units `pattern` matches (as JSON encoders write them). */
function unicodeEscape(text: string, pattern: RegExp): string {
  return text.replace(pattern, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The ways a server may quote `form` back: URL-encoded, JSON-escaped (three encoders). */
function quotings(form: string): string[] {
  const json = JSON.stringify(form).slice(1, -1);
  return [
    form,
    encodeURIComponent(form),
    json,
    // Python's json.dumps with its default ensure_ascii=True: non-ASCII as \uXXXX.
    unicodeEscape(json, /[\u0080-\uffff]/g),
    // Go's encoding/json (the Kubernetes API server): <, > and & as \u003c, \u003e, \u0026.
    unicodeEscape(json, /[<>&\u2028\u2029]/g),
  ];
}

/**
 * Removes registered secrets, and anything that looks like an `Authorization` value, from
 * text. Each secret (and, with {@link SecretRedactorOptions.basicUsername}, its `user:secret`
 * pair) is removed:
 * - as is and trimmed;
 * - in base64, standard and URL-safe, with and without padding, and as the part of a longer
 *   base64 stream that encodes it at any of the three byte offsets (pieces of at least
 *   {@link MIN_BASE64_FRAGMENT} characters);
 * - each of those URL-encoded and JSON-escaped (as JavaScript, Python and Go escape it).
 *
 * Longer forms are removed first, so a secret containing another is removed whole.
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
  readonly #replacement: string;
  #secrets: string[] = [];
  readonly #added = new Set<string>();

  /** @param options - see {@link SecretRedactorOptions}. */
  constructor(options: SecretRedactorOptions = {}) {
    this.#username = options.basicUsername;
    this.#replacement = options.replacement ?? REDACTED;
  }

  /** Registers a secret (a token, password or key, e.g. one just read from a Secret). */
  add(secret: string): void {
    if (secret === "" || this.#added.has(secret)) return;
    this.#added.add(secret);
    const plain = new Set([secret, secret.trim()]);
    if (this.#username !== undefined) {
      for (const value of [...plain]) plain.add(`${this.#username}:${value}`);
    }
    const forms = new Set<string>();
    for (const value of plain) {
      if (value === "") continue;
      const bytes = Buffer.from(value, "utf8");
      for (const form of [value, ...base64Forms(bytes), ...base64Fragments(bytes)]) {
        forms.add(form);
      }
    }
    const all = new Set(this.#secrets);
    const before = all.size;
    for (const form of forms) {
      for (const variant of quotings(form)) if (variant !== "") all.add(variant);
    }
    if (all.size === before) return;
    this.#secrets = [...all].sort((a, b) => b.length - a.length);
  }

  /** `text` with every secret replaced by {@link REDACTED} (or the chosen replacement). */
  scrub(text: string): string {
    let out = text;
    const mark = this.#replacement;
    for (const secret of this.#secrets) out = out.split(secret).join(mark);
    return out
      .replace(AUTH_HEADER, (_m, prefix: string) => `${prefix}${mark}`)
      .replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${mark}`);
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
