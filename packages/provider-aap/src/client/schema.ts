/**
 * Tiny decoder combinators with path tracking, used to validate AAP responses.
 *
 * A decoder takes an `unknown` value and the path of that value inside the response body,
 * and either returns a typed value or throws a {@link DecodeError} naming the path. Unknown
 * object fields are accepted and ignored.
 *
 * @module
 */

/** A field path inside a response body: keys and array indexes, outermost first. */
export type FieldPath = readonly (string | number)[];

/** Thrown by a {@link Decoder} when a value does not have the expected shape. */
export class DecodeError extends Error {
  /** Path of the offending value inside the body. */
  readonly path: FieldPath;
  /** What was expected, e.g. `a string`. */
  readonly expected: string;
  /** What was found, e.g. `number`. */
  readonly found: string;

  /**
   * @param path - path of the offending value.
   * @param expected - what was expected, e.g. `a string`.
   * @param found - the type that was found (see {@link describeValue}).
   */
  constructor(path: FieldPath, expected: string, found: string) {
    super(
      found === "undefined"
        ? `${formatPath(path)} is missing (expected ${expected})`
        : `${formatPath(path)} must be ${expected} (got ${found})`,
    );
    this.name = "DecodeError";
    this.path = path;
    this.expected = expected;
    this.found = found;
  }
}

/** Validates an unknown value found at `path` and returns it typed, or throws {@link DecodeError}. */
export type Decoder<T> = (value: unknown, path: FieldPath) => T;

/** The type a decoder produces. */
export type Decoded<D> = D extends Decoder<infer T> ? T : never;

/**
 * Renders a path for messages: `"status"`, `"results[2].summary_fields.organization.name"`,
 * or `response body` for the root.
 */
export function formatPath(path: FieldPath): string {
  if (path.length === 0) return "response body";
  return `"${fieldName(path)}"`;
}

/** The bare dotted form of a path (`results[2].id`), or `(body)` for the root. */
export function fieldName(path: FieldPath): string {
  if (path.length === 0) return "(body)";
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/** A short, value-free description of a value's type: `null`, `array`, `number`… */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Accepts any string. */
export const string: Decoder<string> = (value, path) => {
  if (typeof value !== "string") throw new DecodeError(path, "a string", describeValue(value));
  return value;
};

/** Accepts any finite number. */
export const number: Decoder<number> = (value, path) => {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new DecodeError(path, "a number", describeValue(value));
  }
  return value;
};

/** Accepts integers only. */
export const integer: Decoder<number> = (value, path) => {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new DecodeError(path, "an integer", describeValue(value));
  }
  return value;
};

/** Accepts `true` and `false`. */
export const boolean: Decoder<boolean> = (value, path) => {
  if (typeof value !== "boolean") throw new DecodeError(path, "a boolean", describeValue(value));
  return value;
};

/** Accepts anything, unchanged. */
export const unknownValue: Decoder<unknown> = (value) => value;

/** Accepts `null` or whatever `inner` accepts. */
export function nullable<T>(inner: Decoder<T>): Decoder<T | null> {
  return (value, path) => (value === null ? null : inner(value, path));
}

/** Accepts a missing (`undefined`) value or whatever `inner` accepts. */
export function optional<T>(inner: Decoder<T>): Decoder<T | undefined> {
  return (value, path) => (value === undefined ? undefined : inner(value, path));
}

/** Like {@link optional}, but a missing value becomes `fallback`. */
export function withDefault<T>(inner: Decoder<T>, fallback: T): Decoder<T> {
  return (value, path) => (value === undefined ? fallback : inner(value, path));
}

/** Accepts an array whose every element `item` accepts. */
export function array<T>(item: Decoder<T>): Decoder<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new DecodeError(path, "an array", describeValue(value));
    return value.map((element: unknown, index) => item(element, [...path, index]));
  };
}

/** Accepts a plain object whose every value `item` accepts. */
export function record<T>(item: Decoder<T>): Decoder<Record<string, T>> {
  return (value, path) => {
    if (!isPlainObject(value)) throw new DecodeError(path, "an object", describeValue(value));
    const out: Record<string, T> = {};
    for (const [key, element] of Object.entries(value)) out[key] = item(element, [...path, key]);
    return out;
  };
}

/** A map from field names to decoders, as given to {@link object}. */
export type Shape = Record<string, Decoder<unknown>>;

/** Accepts a plain object and decodes the fields named in `shape`; other fields are ignored. */
export function object<S extends Shape>(shape: S): Decoder<{ [K in keyof S]: Decoded<S[K]> }> {
  return (value, path) => {
    if (!isPlainObject(value)) throw new DecodeError(path, "an object", describeValue(value));
    const out: Record<string, unknown> = {};
    for (const [key, decode] of Object.entries(shape)) {
      out[key] = decode(Object.hasOwn(value, key) ? value[key] : undefined, [...path, key]);
    }
    return out as { [K in keyof S]: Decoded<S[K]> };
  };
}

/** Decodes with `inner`, then transforms the result. */
export function map<A, B>(
  inner: Decoder<A>,
  transform: (value: A, path: FieldPath) => B,
): Decoder<B> {
  return (value, path) => transform(inner(value, path), path);
}
