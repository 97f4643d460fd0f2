import { createHash } from "node:crypto";
import { ConfigurationError } from "./errors.js";

/**
 * Canonical JSON of a value: the text whose hash is a config version.
 *
 * The algorithm follows RFC 8785 (JSON Canonicalization Scheme) for JSON data:
 * - object members are sorted by key, comparing keys as UTF-16 code unit sequences
 *   (JavaScript's default string order), so key order never matters;
 * - no whitespace; arrays keep their order;
 * - numbers are written as ECMAScript's `Number.prototype.toString` writes them (which
 *   RFC 8785 adopts), with `-0` written as `0`;
 * - strings are escaped as `JSON.stringify` escapes them (ES2019 well-formed output);
 * - object members whose value is `undefined` are omitted, as `JSON.stringify` does.
 *
 * Values outside JSON are rejected rather than guessed at: `NaN`, `Infinity`, bigint,
 * functions, symbols, `undefined` inside arrays, cycles, and objects other than plain
 * objects and arrays (a `Date` or `Map` has no single JSON form). The error names the
 * path to the offending value.
 *
 * @throws ConfigurationError (code `CONFIGURATION`) for a value outside JSON.
 */
export function canonicalJson(value: unknown): string {
  return write(value, "$", new Set());
}

function write(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw notJson(path, String(value));
      return Object.is(value, -0) ? "0" : String(value);
    case "object": {
      if (value === null) return "null";
      if (seen.has(value)) throw notJson(path, "a circular reference");
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          // Array.from, not map: map skips the holes of a sparse array, which would give `[1,,3]`.
          const items = Array.from(value, (item: unknown, i) => {
            if (item === undefined) throw notJson(`${path}[${i}]`, "undefined");
            return write(item, `${path}[${i}]`, seen);
          });
          return `[${items.join(",")}]`;
        }
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          const name = (value as { constructor?: { name?: string } }).constructor?.name;
          throw notJson(path, `an instance of ${name ?? "a class"}`);
        }
        const record = value as Record<string, unknown>;
        const members: string[] = [];
        for (const key of Object.keys(record).sort()) {
          const member = record[key];
          if (member === undefined) continue;
          members.push(`${JSON.stringify(key)}:${write(member, `${path}.${key}`, seen)}`);
        }
        return `{${members.join(",")}}`;
      } finally {
        seen.delete(value);
      }
    }
    default:
      throw notJson(path, typeof value);
  }
}

function notJson(path: string, what: string): ConfigurationError {
  return new ConfigurationError(
    `cannot compute a config version: ${path} is ${what}, which has no JSON form`,
    { details: { path } },
  );
}

/** Prefix of every config version produced by {@link configVersion}. */
export const CONFIG_VERSION_PREFIX = "sha256:";

/**
 * The config version of a desired configuration (by default, the resource's spec):
 * `sha256:` followed by the first 32 lowercase hex digits (128 bits) of the SHA-256 of
 * the UTF-8 encoding of {@link canonicalJson}. Equal JSON values give equal versions in
 * any process, on any Node version; key order does not matter; array order does.
 *
 * @example
 * configVersion({ b: 1, a: [true, null] }) === configVersion({ a: [true, null], b: 1 })
 * @throws ConfigurationError for a value outside JSON (see {@link canonicalJson}).
 */
export function configVersion(config: unknown): string {
  const digest = createHash("sha256").update(canonicalJson(config), "utf8").digest("hex");
  return CONFIG_VERSION_PREFIX + digest.slice(0, 32);
}
