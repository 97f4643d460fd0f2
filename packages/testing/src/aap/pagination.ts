/**
 * AWX's page-number pagination (github:ansible/awx e21dd0a0 `awx/api/pagination.py:26-70`,
 * `awx/settings/defaults.py:366` `MAX_PAGE_SIZE = 200`, 369 `PAGE_SIZE: 25`): `page`
 * (1-based, or `last`), `page_size` (default 25, silently capped at 200, and the cap
 * written into the links, `cap_page_size`), `count_disabled`, and relative `next`/
 * `previous` links built from the request's own path and query like DRF's
 * `replace_query_param` (parameters sorted by name).
 *
 * @module
 */
import { ApiError } from "./response.js";

/** Default `page_size`. */
export const DEFAULT_PAGE_SIZE = 25;

/** Largest `page_size`; larger values are capped. */
export const MAX_PAGE_SIZE = 200;

function pageSize(raw: string | null): number {
  if (raw === null || !/^\s*\+?\d+\s*$/.test(raw)) return DEFAULT_PAGE_SIZE;
  const size = Number(raw);
  return size < 1 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);
}

function link(path: string, query: URLSearchParams, page: number, size: number): string {
  const params = new Map<string, string>();
  for (const [key, value] of query) params.set(key, value);
  params.set("page", String(page));
  if (query.has("page_size")) params.set("page_size", String(size));
  const sorted = [...params.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${path}?${new URLSearchParams(sorted).toString()}`;
}

/**
 * `count_disabled`: present at all, whatever its value (github:ansible/awx e21dd0a0
 * `awx/api/pagination.py:57-64`, `'count_disabled' in request.query_params`).
 */
function countDisabled(query: URLSearchParams): boolean {
  return query.has("count_disabled");
}

/**
 * The page of `items` the query asks for, as the list body.
 *
 * @throws ApiError 404 `{"detail":"Invalid page."}` for a page that is not a number or out
 *   of range (an empty first page is fine).
 */
export function paginate(
  items: unknown[],
  path: string,
  query: URLSearchParams,
): Record<string, unknown> {
  const size = pageSize(query.get("page_size"));
  const disabled = countDisabled(query);
  // With count_disabled, AWX's `DisabledPaginator` claims one page (`pagination.py:16-23`):
  // only the first page exists.
  const pages = disabled ? 1 : Math.max(1, Math.ceil(items.length / size));
  const raw = query.get("page") ?? "1";
  const page = raw === "last" ? pages : /^\s*\+?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(page >= 1 && page <= pages)) throw new ApiError(404, { detail: "Invalid page." });
  const results = items.slice((page - 1) * size, page * size);
  if (disabled) return { results };
  return {
    count: items.length,
    next: page < pages ? link(path, query, page + 1, size) : null,
    previous: page > 1 ? link(path, query, page - 1, size) : null,
    results,
  };
}
