/**
 * The `Authorization` header of each request, from literal credentials or from secrets
 * read through a `SecretSource` at request time.
 *
 * @module
 */
import {
  ConfigurationError,
  describeSecretReference,
  resolveSecretValue,
  type SecretReadOptions,
  type SecretSource,
  type SecretValue,
} from "@provisionkit/core";
import { hasSpaceOrControl, type AapAuth } from "./options.js";
import type { Redactor } from "./secrets.js";

/** Options of {@link Credentials.authorization}. */
export interface AuthorizationOptions {
  /** Aborts a Secret read. */
  signal?: AbortSignal | undefined;
  /** Read referenced Secrets again, skipping the source's cache (after a 401). */
  fresh?: boolean;
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/** The `Authorization` header for literal credentials, or undefined when one is a reference. */
function literalHeader(auth: AapAuth): string | undefined {
  if (auth.type === "bearer") {
    return typeof auth.token === "string" ? `Bearer ${auth.token}` : undefined;
  }
  return typeof auth.password === "string" ? basic(auth.username, auth.password) : undefined;
}

/**
 * Yields the `Authorization` header value of each request. Literal credentials give a fixed
 * header; a secret given as `{ secretRef }` is read through the `SecretSource` every time
 * (the source caches), validated like a literal one, and registered with the
 * {@link Redactor} so it never appears in messages, details or logs.
 */
export class Credentials {
  readonly #auth: AapAuth;
  readonly #source: SecretSource | undefined;
  readonly #redactor: Redactor;
  readonly #literal: string | undefined;

  /**
   * @param auth - validated credentials (see `resolveOptions`).
   * @param source - reads the referenced Secrets.
   * @param redactor - learns every secret read.
   */
  constructor(auth: AapAuth, source: SecretSource | undefined, redactor: Redactor) {
    this.#auth = auth;
    this.#source = source;
    this.#redactor = redactor;
    this.#literal = literalHeader(auth);
  }

  /** Whether a secret comes from a reference, so reading it again may yield a new value. */
  get rotatable(): boolean {
    return this.#literal === undefined;
  }

  /**
   * The `Authorization` header value for the next request.
   *
   * @throws ConfigurationError when a value read is empty or (for a token) has inner
   *   whitespace or control characters, naming the reference, never the value; any error of
   *   the `SecretSource` (ConfigurationError, AuthenticationError, TransientError) as is.
   */
  async authorization(options: AuthorizationOptions = {}): Promise<string> {
    if (this.#literal !== undefined) return this.#literal;
    const auth = this.#auth;
    if (auth.type === "bearer") {
      const token = (await this.#read(auth.token, options)).trim();
      this.#redactor.add(token);
      this.#check(auth.token, "auth.token", token === "", "is empty");
      this.#check(
        auth.token,
        "auth.token",
        hasSpaceOrControl(token),
        "contains whitespace or control characters",
      );
      return `Bearer ${token}`;
    }
    const password = await this.#read(auth.password, options);
    this.#redactor.add(password);
    this.#check(auth.password, "auth.password", password === "", "is empty");
    return basic(auth.username, password);
  }

  #read(value: SecretValue, options: AuthorizationOptions): Promise<string> {
    const read: SecretReadOptions = {};
    if (options.signal !== undefined) read.signal = options.signal;
    if (options.fresh === true) read.fresh = true;
    return resolveSecretValue(value, this.#source, read);
  }

  /** Throws a ConfigurationError naming `option` and the reference when `bad`. */
  #check(value: SecretValue, option: string, bad: boolean, problem: string): void {
    if (!bad || typeof value === "string") return;
    const secret = describeSecretReference(value.secretRef);
    throw new ConfigurationError(
      `AAP client option ${option}: the value read from Secret ${secret} ${problem}`,
      { details: { option, secret } },
    );
  }
}
