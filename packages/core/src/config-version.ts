import { createHash } from "node:crypto";
import { ConfigurationError } from "./errors.js";
import { clipText } from "./text-bounds.js";

/**
 * The deepest nesting of objects and arrays {@link canonicalJson} accepts: the top-level
 * value counts as level 1. A Kubernetes API server stores custom resources nested thousands
 * deep, but such a configuration cannot travel further. Measured: V8's `JSON.stringify`
 * overflows the stack at about 4,000 levels and `structuredClone` at about 1,950 (Node 20);
 * Python's `json.loads` raises `RecursionError` at 1,000 levels and PyYAML's `safe_load` at
 * about 492 (Python 3.11, PyYAML 6.0), which is what AWX, ansible-rulebook and the EDA
 * server parse bodies with. 256 levels leave room for the envelope a provider wraps a spec in
 * and for the frames a server already has on its stack.
 */
export const MAX_CONFIG_DEPTH = 256;

/** Longest path {@link canonicalJson} names in an error message (start and end are kept). */
const MAX_PATH_CHARS = 200;
/** Longest path kept in an error's `details.path` (keys may be long). */
const MAX_DETAIL_PATH_CHARS = 2000;

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
 * objects and arrays (a `Date` or `Map` has no single JSON form). So are objects and arrays
 * nested deeper than {@link MAX_CONFIG_DEPTH} levels: the walk stops there, so no input
 * can overflow the stack. The error names the path to the offending value (its middle cut
 * when long) in its message, and in full in `details.path`.
 *
 * @throws ConfigurationError (code `CONFIGURATION`) for a value outside JSON or nested too deep.
 */
export function canonicalJson(value: unknown): string {
  return write(value, [], new Set(), 0);
}

/**
 * The path of the value being written, as member keys and array indexes from the top: a
 * stack pushed and popped by {@link write}, turned into text (`$.a[2].b`) only for an error.
 * Building the text at every member cost more than the rest of the walk (issue 17).
 */
type PathStack = (string | number)[];

function pathText(path: PathStack): string {
  let text = "$";
  for (const step of path) text += typeof step === "number" ? `[${step}]` : `.${step}`;
  return text;
}

function write(value: unknown, path: PathStack, seen: Set<object>, depth: number): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw notJson(pathText(path), String(value));
      return Object.is(value, -0) ? "0" : String(value);
    case "object": {
      if (value === null) return "null";
      if (depth >= MAX_CONFIG_DEPTH) throw tooDeep(pathText(path));
      if (seen.has(value)) throw notJson(pathText(path), "a circular reference");
      seen.add(value);
      try {
        if (Array.isArray(value)) {
          // Indexes up to length, not map/forEach: those skip the holes of a sparse array,
          // which would give `[1,,3]`.
          let text = "[";
          for (let i = 0; i < value.length; i++) {
            const item: unknown = value[i];
            path.push(i);
            if (item === undefined) throw notJson(pathText(path), "undefined");
            text += (i === 0 ? "" : ",") + write(item, path, seen, depth + 1);
            path.pop();
          }
          return `${text}]`;
        }
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          const name = (value as { constructor?: { name?: string } }).constructor?.name;
          throw notJson(pathText(path), `an instance of ${name ?? "a class"}`);
        }
        const record = value as Record<string, unknown>;
        let text = "{";
        let first = true;
        for (const key of Object.keys(record).sort()) {
          const member = record[key];
          if (member === undefined) continue;
          path.push(key);
          text += `${first ? "" : ","}${JSON.stringify(key)}:${write(member, path, seen, depth + 1)}`;
          path.pop();
          first = false;
        }
        return `${text}}`;
      } finally {
        seen.delete(value);
      }
    }
    default:
      throw notJson(pathText(path), typeof value);
  }
}

/** {@link sameJson}'s answer for a value outside JSON: decided by {@link canonicalJson}. */
const OUTSIDE_JSON = 2;

/**
 * Whether `a` and `b` have the same {@link canonicalJson} (key order, undefined members and
 * `-0` aside), found by walking both at once and stopping at the first difference, without
 * building either text: comparing a status with the stored one on every reconcile cost two
 * canonical texts (issue 17).
 *
 * A value outside JSON (a class instance, a non-finite number, `undefined` in an array or
 * at the top, a function, a cycle, nesting deeper than canonicalJson takes) met before any
 * difference makes it compare the two canonical texts instead, so it throws the
 * `ConfigurationError` canonicalJson throws; after a difference it answers `false`.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  const answer = sameValue(a, b, 0);
  return answer === OUTSIDE_JSON ? canonicalJson(a) === canonicalJson(b) : answer;
}

function sameValue(a: unknown, b: unknown, depth: number): boolean | typeof OUTSIDE_JSON {
  if (outsideJson(a) || outsideJson(b)) return OUTSIDE_JSON;
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) {
    // Strings, booleans, finite numbers, null; -0 and 0 both print as 0, and any other two
    // finite numbers print alike only when equal.
    return a === b;
  }
  if (depth >= MAX_CONFIG_DEPTH) return OUTSIDE_JSON;
  const arrays = Array.isArray(a);
  if (arrays !== Array.isArray(b)) return false;
  if (arrays) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      const answer = sameValue(x[i], y[i], depth + 1);
      if (answer !== true) return answer;
    }
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let members = 0;
  for (const key of Object.keys(x)) {
    const member = x[key];
    if (member === undefined) continue;
    members++;
    const other = Object.hasOwn(y, key) ? y[key] : undefined;
    if (other === undefined) return false;
    const answer = sameValue(member, other, depth + 1);
    if (answer !== true) return answer;
  }
  for (const key of Object.keys(y)) if (y[key] !== undefined) members--;
  return members === 0;
}

/**
 * Whether `value` itself has no JSON form (its members aside): `undefined`, a function, a
 * symbol, a bigint, a non-finite number, an object that is neither an array nor a plain
 * record. (`undefined` as a record's member is skipped before it gets here.)
 */
function outsideJson(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return false;
    case "number":
      return !Number.isFinite(value);
    case "object": {
      if (value === null || Array.isArray(value)) return false;
      const proto: unknown = Object.getPrototypeOf(value);
      return proto !== Object.prototype && proto !== null;
    }
    default:
      return true;
  }
}

function notJson(path: string, what: string): ConfigurationError {
  return new ConfigurationError(
    `cannot compute a config version: ${clipText(path, MAX_PATH_CHARS)} is ${what}, which has no JSON form`,
    { details: { path: clipText(path, MAX_DETAIL_PATH_CHARS) } },
  );
}

function tooDeep(path: string): ConfigurationError {
  return new ConfigurationError(
    `cannot compute a config version: ${clipText(path, MAX_PATH_CHARS)} is nested deeper than ` +
      `${MAX_CONFIG_DEPTH} levels of objects and arrays`,
    { details: { path: clipText(path, MAX_DETAIL_PATH_CHARS), maxDepth: MAX_CONFIG_DEPTH } },
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
 * @throws ConfigurationError for a value outside JSON or nested deeper than
 * {@link MAX_CONFIG_DEPTH} (see {@link canonicalJson}).
 */
export function configVersion(config: unknown): string {
  const digest = createHash("sha256").update(canonicalJson(config), "utf8").digest("hex");
  return CONFIG_VERSION_PREFIX + digest.slice(0, 32);
}
