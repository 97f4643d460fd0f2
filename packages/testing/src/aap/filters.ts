/**
 * Django-style field lookups on list endpoints (`name`, `name__iexact`, `status__in`,
 * `created__gte`…; research §3), over serialized objects, as django-ansible-base's
 * `FieldLookupBackend` applies them for AWX.
 *
 * Fields AWX wraps in `prevent_search` (`extra_vars`, `survey_passwords`, `job_args`…, see
 * list-fields.ts) are refused: any lookup on them (`extra_vars`, `__icontains`,
 * `__contains`, `__regex`, or a lookup name AWX does not know) answers **403**
 * `{"detail": "Filtering on extra_vars is not allowed."}`, and so does `order_by` on them.
 * Verified in the sources (github:ansible/django-ansible-base b082f48a, github:ansible/awx
 * e21dd0a0):
 * - `ansible_base/rest_filters/rest_framework/field_lookup_backend.py:53-69`
 *   (`get_fields_from_lookup`): the key is split into a path and a lookup suffix (a suffix
 *   it does not know stays part of the path), then the path goes through
 *   `get_fields_from_path`;
 * - `ansible_base/rest_filters/utils.py:57-60`: a field marked `__prevent_search__` (set by
 *   `prevent_search`, `ansible_base/lib/utils/models.py:58-72`) raises DRF's
 *   `PermissionDenied(_('Filtering on %(field_name)s is not allowed.'))`, a 403 whose body
 *   is `{"detail": …}`; `field_lookup_backend.py:286-289` turns only `FieldError`,
 *   `ValueError`, `TypeError`, `ValidationError` into 400s, so the 403 goes out as is;
 * - `field_lookup_backend.py:210-225`: `chain__`, `or__` and `not__` prefixes are stripped
 *   before the field is looked up (refused the same way here; the simulator does not
 *   support the prefixes otherwise: 400);
 * - `ansible_base/rest_filters/rest_framework/order_backend.py:57-70`: `order_by` fields go
 *   through the same `get_field_from_path`, and only `FieldError`/`FieldDoesNotExist` are
 *   turned into 400s: ordering by a `prevent_search` field is a 403 too;
 * - AWX asserts it: `awx/main/tests/unit/api/test_filters.py:26-51` (`extra_vars__icontains`
 *   on `JobOptions`, `WorkflowJobOptions`, `SystemJob`, `AdHocCommand`; `job_args`,
 *   `job_env`, `start_args` on `UnifiedJob`; `survey_passwords` on `Job`, `WorkflowJob`;
 *   `survey_spec` on both templates → `PermissionDenied`, "not allowed"), and
 *   `awx/main/tests/functional/api/test_notifications.py:115-119` asserts the exact body
 *   over HTTP: 403 `{"detail": "Filtering on notification_configuration is not allowed."}`.
 *
 * - `utils.py:25-69`: the walk goes through relations field by field and refuses a
 *   `prevent_search` field wherever it meets one, so `job_template__extra_vars` on a job
 *   list is the same 403 (lists declare such relations in `ListFields.relations`).
 *
 * Reserved query names are not filters: `ANSIBLE_BASE_REST_FILTERS_RESERVED_NAMES`
 * (django-ansible-base `ansible_base/lib/dynamic_config/settings_logic.py:31-44`, skipped at
 * `field_lookup_backend.py:170-171`): `page`, `page_size`, `format`, `order`, `order_by`,
 * `search`, `type`, `host_filter`, `count_disabled`, `no_truncate`, `limit`, `validate`.
 * So `?limit=h1` filters nothing (a job's `limit` is not searchable by that name). AWX's
 * filter backends (`settings_logic.py:72-81`) then apply `type` (`TypeFilterBackend`,
 * `type_filter_backend.py:15-38`: comma-separated types, an item of another type is left
 * out) and `search` (DRF's `SearchFilter` over the view's `search_fields`, `name` and
 * `description` here: inferred from AWX `awx/api/generics.py` `ListAPIView.search_fields`).
 *
 * @module
 */
import { ApiError, badRequest } from "./response.js";

/** How a field's filter values are parsed and compared. */
export type FieldType = "int" | "string" | "datetime" | "bool";

/** A filterable and orderable field of a list. */
export interface ListField {
  /** Value type. */
  readonly type: FieldType;
  /** Reads the field from a serialized object. */
  readonly get: (item: Record<string, unknown>) => unknown;
}

/**
 * A field of a list that AWX wraps in `prevent_search`: it is served, but any filter or
 * ordering on it is refused with a 403 (see the module comment).
 */
export interface RefusedField {
  /** Marks the field as refused. */
  readonly preventSearch: true;
}

/** The filterable fields of a list, by query name (e.g. `organization__name`). */
export type ListFields = Record<string, ListField | RefusedField>;

/**
 * Relations of a list's model whose `prevent_search` fields a filter can reach
 * (`job_template` → `extra_vars`…): relation name → the refused field names over it.
 */
export type RefusedRelations = Record<string, readonly string[]>;

/** Whether a list field is one AWX refuses to filter or order on. */
export function isRefused(field: ListField | RefusedField | undefined): field is RefusedField {
  return field !== undefined && "preventSearch" in field;
}

/**
 * AWX's 403 for a filter or an ordering on a `prevent_search` field:
 * `{"detail": "Filtering on <field> is not allowed."}` (django-ansible-base
 * `ansible_base/rest_filters/utils.py:59-60`).
 */
export function filteringNotAllowed(field: string): ApiError {
  return new ApiError(403, { detail: `Filtering on ${field} is not allowed.` });
}

/**
 * Throws AWX's 403 when a query key reaches a `prevent_search` field, whatever the lookup:
 * the first `__` segment after any `chain__`/`or__` and `not__` prefix, or the segment after
 * a relation that leads to one (django-ansible-base `field_lookup_backend.py:210-225`,
 * `utils.py:25-69`).
 */
export function refuseSearch(
  fields: ListFields,
  key: string,
  relations: RefusedRelations = {},
): void {
  const [first = "", second] = key
    .replace(/^(chain__|or__)/, "")
    .replace(/^not__/, "")
    .split("__");
  if (isRefused(fields[first])) throw filteringNotAllowed(first);
  if (second !== undefined && relations[first]?.includes(second)) {
    throw filteringNotAllowed(second);
  }
}

/**
 * The query parameters that are not field lookups (django-ansible-base
 * `settings_logic.py:31-44`); `type` and `search` are applied by their own backends.
 */
export const RESERVED_PARAMS = [
  "page",
  "page_size",
  "format",
  "order",
  "order_by",
  "search",
  "type",
  "host_filter",
  "count_disabled",
  "no_truncate",
  "limit",
  "validate",
];

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

/**
 * `type=a,b` (`TypeFilterBackend`, django-ansible-base `type_filter_backend.py:15-38`; the
 * last `type` parameter wins, as its loop over `query_params.items()` keeps the last).
 */
function typePredicate(query: URLSearchParams): Predicate {
  const raw = query.getAll("type").at(-1);
  if (raw === undefined || raw === "") return () => true;
  const types = raw.split(",");
  return (item) => types.includes(String(item.type));
}

/** `search=term`: DRF's `SearchFilter`, every term in `name` or `description`, case-insensitive. */
function searchPredicate(query: URLSearchParams): Predicate {
  const terms = (query.get("search") ?? "")
    .split(/[\s,]+/)
    .filter((term) => term !== "")
    .map((term) => term.toLowerCase());
  return (item) =>
    terms.every((term) =>
      [item.name, item.description].some(
        (value) => typeof value === "string" && value.toLowerCase().includes(term),
      ),
    );
}

/** Splits `organization__name__iexact` into a known field and a lookup, if it is one. */
function parseKey(fields: ListFields, key: string): [ListField, Lookup] | undefined {
  const names = Object.keys(fields).sort((a, b) => b.length - a.length);
  for (const name of names) {
    const field = fields[name];
    if (!field || isRefused(field)) continue;
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
 * @throws ApiError 403 `Filtering on <field> is not allowed.` for a lookup on a
 *   `prevent_search` field; 400 naming the first query parameter that is neither reserved
 *   nor a known field lookup, or whose value is invalid. AWX answers these 400s with the
 *   Django error's text (`field_lookup_backend.py:286-287` `ParseError(e.args[0])`, e.g.
 *   "Job has no field named 'colour'"); the simulator's text differs: clients key on the
 *   status. Parameters are checked in query order, like AWX (the first bad one answers).
 */
export function applyFilters<T extends Record<string, unknown>>(
  items: T[],
  query: URLSearchParams,
  fields: ListFields,
  relations: RefusedRelations = {},
): T[] {
  const predicates: Predicate[] = [typePredicate(query), searchPredicate(query)];
  for (const [key, raw] of query) {
    if (RESERVED_PARAMS.includes(key)) continue;
    refuseSearch(fields, key, relations);
    const parsed = parseKey(fields, key);
    if (!parsed) throw badRequest(`Unsupported query parameter: ${key}`);
    predicates.push(predicate(parsed[0], parsed[1], raw, key));
  }
  return items.filter((item) => predicates.every((test) => test(item)));
}
