/**
 * Credentials of one event: the secrets read (from options or a {@link SecretSource}), and
 * the headers they produce for a given body.
 *
 * @module
 */
import { createHmac } from "node:crypto";
import {
  ConfigurationError,
  TransientError,
  isProviderError,
  resolveSecretValue,
  type SecretSource,
  type SecretValue,
} from "@provisionkit/core";
import type { ResolvedAuth } from "./options.js";

// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The secret values of every auth method, in the order of the methods. */
export interface SecretValues {
  /** One list of values per method (token; username and password; HMAC secret). */
  readonly values: readonly (readonly string[])[];
}

/** The headers of one request and the secrets that must never appear in output. */
export interface SignedHeaders {
  /** Auth headers to add. */
  headers: Record<string, string>;
  /** Secrets and their derived forms, for the redactor. */
  secrets: string[];
}

/** Whether two reads produced the same values. */
export function sameValues(a: SecretValues, b: SecretValues): boolean {
  return (
    a.values.length === b.values.length &&
    a.values.every((list, i) => {
      const other = b.values[i];
      return (
        other !== undefined && list.length === other.length && list.every((v, j) => v === other[j])
      );
    })
  );
}

/** Reads secrets and builds auth headers for the methods of a client. */
export class Authenticator {
  readonly #auth: readonly ResolvedAuth[];
  readonly #source: SecretSource | undefined;

  /**
   * @param auth - the validated methods.
   * @param source - resolves `{ secretRef }` values.
   */
  constructor(auth: readonly ResolvedAuth[], source: SecretSource | undefined) {
    this.#auth = auth;
    this.#source = source;
  }

  /** Whether any secret comes from a Secret reference (so a fresh read may find a new value). */
  get usesReferences(): boolean {
    return this.#auth.some((a) => this.#secretsOf(a).some(([v]) => typeof v !== "string"));
  }

  /** The secrets known without reading anything (literal values), for the redactor. */
  literalSecrets(): string[] {
    return this.#auth.flatMap((a) =>
      this.#secretsOf(a).flatMap(([v, , secret]) => (secret && typeof v === "string" ? [v] : [])),
    );
  }

  /**
   * Reads every secret; `fresh` skips the source's cache (after a 401/403).
   *
   * @throws ConfigurationError for a missing Secret or an unusable value (naming the
   *   option, never the value); TransientError when the source failed otherwise.
   */
  async read(signal: AbortSignal | undefined, fresh: boolean): Promise<SecretValues> {
    const values: string[][] = [];
    for (const method of this.#auth) {
      const list: string[] = [];
      for (const [value, option] of this.#secretsOf(method)) {
        list.push(this.#check(await this.#resolve(value, option, signal, fresh), option, method));
      }
      values.push(list);
    }
    return { values };
  }

  /** The auth headers for `body` (the exact bytes sent), with `values` from {@link read}. */
  sign(values: SecretValues, body: Buffer): SignedHeaders {
    const headers: Record<string, string> = {};
    const secrets: string[] = [];
    this.#auth.forEach((method, i) => {
      const [first = "", second = ""] = values.values[i] ?? [];
      if (method.type === "bearer") {
        headers.Authorization = `Bearer ${first}`;
        secrets.push(first);
      } else if (method.type === "basic") {
        const pair = `${first}:${second}`;
        const encoded = Buffer.from(pair, "utf8").toString("base64");
        headers.Authorization = `Basic ${encoded}`;
        secrets.push(second, pair, encoded);
      } else {
        const digest = createHmac(method.algorithm, first).update(body).digest(method.encoding);
        headers[method.header] = `${method.prefix}${digest}`;
        secrets.push(first);
      }
    });
    return { headers, secrets };
  }

  /** `[value, option name, is secret]` of every value a method needs. */
  #secretsOf(method: ResolvedAuth): [SecretValue, string, boolean][] {
    if (method.type === "bearer") return [[method.token, `${method.option}.token`, true]];
    if (method.type === "basic") {
      return [
        [method.username, `${method.option}.username`, false],
        [method.password, `${method.option}.password`, true],
      ];
    }
    return [[method.secret, `${method.option}.secret`, true]];
  }

  async #resolve(
    value: SecretValue,
    option: string,
    signal: AbortSignal | undefined,
    fresh: boolean,
  ): Promise<string> {
    try {
      return await resolveSecretValue(value, this.#source, {
        ...(signal ? { signal } : {}),
        ...(fresh ? { fresh } : {}),
      });
    } catch (error) {
      if (isProviderError(error)) throw error;
      // An untyped failure of the source (API server down): its text is not trusted.
      throw new TransientError(`EDA client: reading the secret of ${option} failed`, {
        details: { option },
        outcomeUnknown: false,
      });
    }
  }

  #check(raw: string, option: string, method: ResolvedAuth): string {
    if (typeof raw !== "string") {
      throw new ConfigurationError(
        `EDA client: the secret source returned no string for ${option}`,
        {
          details: { option },
        },
      );
    }
    const value = method.type === "bearer" ? raw.trim() : raw;
    const problem =
      value === ""
        ? "is empty"
        : method.type === "bearer" && CONTROL_OR_SPACE.test(value)
          ? "contains whitespace or control characters"
          : method.type === "basic" &&
              option.endsWith(".username") &&
              (value.includes(":") || CONTROL.test(value))
            ? "contains ':' or control characters"
            : undefined;
    if (problem !== undefined) {
      throw new ConfigurationError(`EDA client: the value of ${option} ${problem}`, {
        details: { option },
      });
    }
    return value;
  }
}
