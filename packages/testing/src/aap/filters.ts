/**
 * Django-style field lookups on list endpoints (`name`, `name__iexact`, `status__in`,
 * `created__gte`, `extra_vars__icontains`…; research §3), over serialized objects.
 *
 * Filtering `extra_vars` by substring (`extra_vars__contains`, `__icontains`) is how a
 * client finds a job by a value it put in the extra vars (crash adoption). That AWX's
 * generic field lookups allow it on this text field is our assumption (unverified); the
 * match runs on the JSON text exactly as the API shows it (Python `json.dumps` spacing).
 *
 * @module
 */
import { badRequest } from "./response.js";

/** How a field's filter values are parsed and compared. */
export type FieldType = "int" | "string" | "datetime" | "bool";

/** A filterable and orderable field of a list. */
export interface ListField {
  /** Value type. */
  readonly type: FieldType;
  /** Reads the field from a serialized object. */
  readonly get: (item: Record<string, unknown>) => unknown;
}

/** The filterable fields of a list, by query name (e.g. `organization__name`). */
export type ListFields = Record<string, ListField>;

/** The query parameters that are not filters. */
export const RESERVED_PARAMS = ["page", "page_size", "order_by", "count_disabled"];

const LOOKUPS = [
  "exact",
  "iexact",
  "contains",
  "icontains",
  "startswith",
  "istartswith",
  "in",
  "gt",
  "gte",
  "lt",
  "lte",
  "isnull",
] as const;

type Lookup = (typeof LOOKUPS)[number];

/** A parsed filter: the item predicate it stands for. */
type Predicate = (item: Record<string, unknown>) => boolean;

/** A field path read from a serialized object (`summary_fields.organization.name`). */
export function path(...keys: string[]): (item: Record<string, unknown>) => unknown {
  return (item) =>
    keys.reduce<unknown>(
      (value, key) =>
        typeof value === "object" && value !== null
          ? (value as Record<string, unknown>)[key]
          : undefined,
      item,
    );
}

/**
 * Parses an ISO-8601 instant; one without a zone is UTC (AWX runs with `TIME_ZONE = UTC`).
 * NaN when unparsable.
 */
export function parseInstant(text: string): number {
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(text) || !text.includes("T") ? text : `${text}Z`;
  return Date.parse(zoned);
}

function convert(type: FieldType, raw: string, key: string): string | number | boolean {
  if (type === "int") {
    if (!/^-?\d+$/.test(raw.trim())) throw badRequest(`${key}: invalid integer ${raw}`);
    return Number(raw);
  }
  if (type === "bool") {
    if (/^(true|1)$/i.test(raw)) return true;
    if (/^(false|0)$/i.test(raw)) return false;
    throw badRequest(`${key}: invalid boolean ${raw}`);
  }
  if (type === "datetime") {
    const ms = parseInstant(raw);
    if (Number.isNaN(ms)) throw badRequest(`${key}: invalid date-time ${raw}`);
    return ms;
  }
  return raw;
}

function comparable(type: FieldType, value: unknown): unknown {
  if (type === "datetime" && typeof value === "string") return parseInstant(value);
  return value;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function predicate(field: ListField, lookup: Lookup, raw: string, key: string): Predicate {
  const read = (item: Record<string, unknown>) => comparable(field.type, field.get(item));
  const present = (value: unknown) => value !== null && value !== undefined;
  switch (lookup) {
    case "isnull": {
      const wanted = convert("bool", raw, key);
      return (item) => present(read(item)) !== wanted;
    }
    case "in": {
      const values = raw.split(",").map((part) => convert(field.type, part, key));
      return (item) => values.includes(read(item) as never);
    }
    case "iexact":
      return (item) => present(read(item)) && text(read(item)).toLowerCase() === raw.toLowerCase();
    case "contains":
      return (item) => present(read(item)) && text(read(item)).includes(raw);
    case "icontains":
      return (item) =>
        present(read(item)) && text(read(item)).toLowerCase().includes(raw.toLowerCase());
    case "startswith":
      return (item) => present(read(item)) && text(read(item)).startsWith(raw);
    case "istartswith":
      return (item) =>
        present(read(item)) && text(read(item)).toLowerCase().startsWith(raw.toLowerCase());
    default:
      return comparison(read, lookup, convert(field.type, raw, key));
  }
}

function comparison(
  read: (item: Record<string, unknown>) => unknown,
  lookup: "exact" | "gt" | "gte" | "lt" | "lte",
  wanted: string | number | boolean,
): Predicate {
  return (item) => {
    const value = read(item);
    if (lookup === "exact") return value === wanted;
    if (typeof value !== typeof wanted || value === null) return false;
    const [a, b] = [value as number, wanted as number];
    if (lookup === "gt") return a > b;
    if (lookup === "gte") return a >= b;
    if (lookup === "lt") return a < b;
    return a <= b;
  };
}

/** Splits `organization__name__iexact` into a known field and a lookup, if it is one. */
function parseKey(fields: ListFields, key: string): [ListField, Lookup] | undefined {
  const names = Object.keys(fields).sort((a, b) => b.length - a.length);
  for (const name of names) {
    const field = fields[name];
    if (!field) continue;
    if (key === name) return [field, "exact"];
    const lookup = key.startsWith(`${name}__`) ? key.slice(name.length + 2) : undefined;
    if (lookup !== undefined && (LOOKUPS as readonly string[]).includes(lookup)) {
      return [field, lookup as Lookup];
    }
  }
  return undefined;
}

/**
 * Keeps the items matching every filter in the query.
 *
 * @throws ApiError 400 naming the first query parameter that is neither reserved nor a
 *   known field lookup (AWX's exact message is unverified), or whose value is invalid.
 */
export function applyFilters<T extends Record<string, unknown>>(
  items: T[],
  query: URLSearchParams,
  fields: ListFields,
): T[] {
  const predicates: Predicate[] = [];
  for (const [key, raw] of query) {
    if (RESERVED_PARAMS.includes(key)) continue;
    const parsed = parseKey(fields, key);
    if (!parsed) throw badRequest(`Unsupported query parameter: ${key}`);
    predicates.push(predicate(parsed[0], parsed[1], raw, key));
  }
  return items.filter((item) => predicates.every((test) => test(item)));
}
