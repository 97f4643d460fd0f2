/**
 * `order_by=field,-other` on list endpoints (research §3); default: id ascending.
 *
 * @module
 */
import { filteringNotAllowed, isRefused, type ListFields } from "./filters.js";
import { badRequest } from "./response.js";

function compare(a: unknown, b: unknown): number {
  const missingA = a === null || a === undefined;
  const missingB = b === null || b === undefined;
  // PostgreSQL sorts nulls last in ascending order (and so first in descending order).
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  const [x, y] = [
    typeof a === "string" ? a : JSON.stringify(a),
    typeof b === "string" ? b : JSON.stringify(b),
  ];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Sorts the items by the query's `order_by` (comma-separated fields, `-` for descending),
 * then by id.
 *
 * @throws ApiError 403 `Filtering on <field> is not allowed.` for a `prevent_search` field
 *   (django-ansible-base `ansible_base/rest_filters/rest_framework/order_backend.py:57-70`
 *   looks the field up through the same `get_field_from_path`); 400 for an unknown field
 *   (AWX's exact message is unverified).
 */
export function applyOrdering<T extends Record<string, unknown>>(
  items: T[],
  orderBy: string | null,
  fields: ListFields,
): T[] {
  const keys = (orderBy ?? "").split(",").filter((key) => key.trim() !== "");
  const orders = keys.map((key) => {
    const descending = key.startsWith("-");
    const name = descending ? key.slice(1) : key;
    const field = fields[name];
    if (isRefused(field)) throw filteringNotAllowed(name);
    if (!field) throw badRequest(`Cannot order by field: ${name}`);
    return { field, sign: descending ? -1 : 1 };
  });
  return [...items].sort((a, b) => {
    for (const { field, sign } of orders) {
      const result = compare(field.get(a), field.get(b));
      if (result !== 0) return sign * result;
    }
    return compare(a.id, b.id);
  });
}
