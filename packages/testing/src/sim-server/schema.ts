/**
 * A small validator of JSON documents (the configuration file, control API bodies): each
 * failure is a {@link SimServerError} naming the field at fault by its path. Unknown fields
 * are refused, so a misspelt option is an error rather than silently ignored. Messages
 * never quote a string value (it may be a token), only the allowed values of an enum.
 *
 * @module
 */
import { SimServerError } from "./errors.js";

/** A JSON value's shape. */
export type Schema =
  | { readonly kind: "string"; readonly nonEmpty?: boolean }
  | {
      readonly kind: "number";
      readonly integer?: boolean;
      readonly min?: number;
      readonly max?: number;
      /** Whether the string `"Infinity"` is accepted (JSON has no infinity). */
      readonly infinity?: boolean;
      /** Whether the minimum is excluded. */
      readonly exclusiveMin?: boolean;
    }
  | { readonly kind: "boolean" }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "array"; readonly items: Schema }
  | { readonly kind: "json-object" }
  | { readonly kind: "string-map" }
  | { readonly kind: "any-of"; readonly options: readonly Schema[]; readonly describe: string }
  | {
      readonly kind: "object";
      readonly fields: Readonly<Record<string, Field>>;
    }
  | {
      readonly kind: "tagged";
      readonly tag: string;
      readonly variants: Readonly<Record<string, Readonly<Record<string, Field>>>>;
    };

/** One field of an object schema. */
export interface Field {
  /** Its shape. */
  readonly schema: Schema;
  /** Whether it must be present. */
  readonly required?: boolean;
}

/** Where a failure is reported: the configuration (`invalid-config`) or a request body. */
export type SchemaCode = "invalid-config" | "invalid-request";

/** Shorthands for building schemas. */
export const s = {
  /** A string (non-empty unless `allowEmpty`). */
  string: (allowEmpty = false): Schema => ({ kind: "string", nonEmpty: !allowEmpty }),
  /** A number; options as {@link Schema}. */
  number: (options: Omit<Extract<Schema, { kind: "number" }>, "kind"> = {}): Schema => ({
    kind: "number",
    ...options,
  }),
  /** A TCP port: an integer in [0, 65535]; 0 picks a free one. */
  port: (): Schema => ({ kind: "number", integer: true, min: 0, max: 65535 }),
  /** A duration in ms, ≥ 0. */
  ms: (): Schema => ({ kind: "number", min: 0 }),
  /** A boolean. */
  boolean: (): Schema => ({ kind: "boolean" }),
  /** One of these strings. */
  enum: (...values: string[]): Schema => ({ kind: "enum", values }),
  /** An array of items. */
  array: (items: Schema): Schema => ({ kind: "array", items }),
  /** Any JSON object (not checked further). */
  jsonObject: (): Schema => ({ kind: "json-object" }),
  /** An object whose values are strings. */
  stringMap: (): Schema => ({ kind: "string-map" }),
  /** An object with these fields (others refused). */
  object: (fields: Record<string, Field>): Schema => ({ kind: "object", fields }),
  /** An object told apart by its `tag` field. */
  tagged: (tag: string, variants: Record<string, Record<string, Field>>): Schema => ({
    kind: "tagged",
    tag,
    variants,
  }),
  /** Any of these shapes (the first that fits). */
  anyOf: (describe: string, ...options: Schema[]): Schema => ({
    kind: "any-of",
    options,
    describe,
  }),
  /** A required field. */
  req: (schema: Schema): Field => ({ schema, required: true }),
  /** An optional field. */
  opt: (schema: Schema): Field => ({ schema }),
};

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fieldPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Checks `value` against `schema` and returns it (with `"Infinity"` strings turned into
 * `Infinity` where allowed). The caller casts the result to the type the schema describes.
 *
 * @param value - The parsed JSON value.
 * @param schema - Its expected shape.
 * @param path - The value's path, for errors (`""` for the root).
 * @param code - The code of the error thrown.
 * @throws SimServerError with `code` and the failing field's path.
 */
export function check(value: unknown, schema: Schema, path: string, code: SchemaCode): unknown {
  const fail = (message: string): never => {
    throw new SimServerError(code, `${path || "the document"}: ${message}`, {
      field: path || undefined,
    });
  };
  switch (schema.kind) {
    case "string":
      if (typeof value !== "string") return fail(`expected a string, got ${typeName(value)}`);
      if (schema.nonEmpty === true && value === "") return fail("must not be empty");
      return value;
    case "number": {
      let number = value;
      if (schema.infinity === true && value === "Infinity") number = Infinity;
      if (typeof number !== "number" || Number.isNaN(number)) {
        return fail(
          `expected a number${schema.infinity === true ? ' (or "Infinity")' : ""}, got ${typeName(value)}`,
        );
      }
      if (!Number.isFinite(number) && !(schema.infinity === true && number === Infinity)) {
        return fail("must be finite");
      }
      if (schema.integer === true && Number.isFinite(number) && !Number.isInteger(number)) {
        return fail(`expected an integer, got ${number}`);
      }
      if (schema.min !== undefined) {
        const below = schema.exclusiveMin === true ? number <= schema.min : number < schema.min;
        if (below) {
          return fail(
            `must be ${schema.exclusiveMin === true ? ">" : ">="} ${schema.min}, got ${number}`,
          );
        }
      }
      if (schema.max !== undefined && number > schema.max) {
        return fail(`must be <= ${schema.max}, got ${number}`);
      }
      return number;
    }
    case "boolean":
      if (typeof value !== "boolean") return fail(`expected a boolean, got ${typeName(value)}`);
      return value;
    case "enum":
      if (typeof value !== "string" || !schema.values.includes(value)) {
        return fail(`expected one of ${schema.values.map((v) => JSON.stringify(v)).join(", ")}`);
      }
      return value;
    case "array":
      if (!Array.isArray(value)) return fail(`expected an array, got ${typeName(value)}`);
      return value.map((item, i) => check(item, schema.items, `${path}[${i}]`, code));
    case "json-object":
      if (!isObject(value)) return fail(`expected an object, got ${typeName(value)}`);
      return value;
    case "string-map":
      if (!isObject(value)) return fail(`expected an object, got ${typeName(value)}`);
      for (const [key, item] of Object.entries(value)) {
        check(item, { kind: "string" }, fieldPath(path, key), code);
      }
      return value;
    case "any-of": {
      for (const option of schema.options) {
        try {
          return check(value, option, path, code);
        } catch (error) {
          if (!(error instanceof SimServerError)) throw error;
        }
      }
      return fail(`expected ${schema.describe}`);
    }
    case "object":
      if (!isObject(value)) return fail(`expected an object, got ${typeName(value)}`);
      return checkFields(value, schema.fields, path, code);
    case "tagged": {
      if (!isObject(value)) return fail(`expected an object, got ${typeName(value)}`);
      const tag = value[schema.tag];
      const tags = Object.keys(schema.variants);
      const tagPath = fieldPath(path, schema.tag);
      if (typeof tag !== "string" || !Object.hasOwn(schema.variants, tag)) {
        throw new SimServerError(
          code,
          `${tagPath}: expected one of ${tags.map((t) => JSON.stringify(t)).join(", ")}`,
          { field: tagPath },
        );
      }
      const fields = { ...schema.variants[tag], [schema.tag]: s.req(s.string()) };
      return checkFields(value, fields, path, code);
    }
  }
}

function checkFields(
  value: Record<string, unknown>,
  fields: Readonly<Record<string, Field>>,
  path: string,
  code: SchemaCode,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields, key)) {
      throw new SimServerError(code, `${fieldPath(path, key)}: unknown field`, {
        field: fieldPath(path, key),
      });
    }
  }
  for (const [key, field] of Object.entries(fields)) {
    const item = value[key];
    if (item === undefined) {
      if (field.required === true) {
        throw new SimServerError(code, `${fieldPath(path, key)}: required`, {
          field: fieldPath(path, key),
        });
      }
      continue;
    }
    out[key] = check(item, field.schema, fieldPath(path, key), code);
  }
  return out;
}
