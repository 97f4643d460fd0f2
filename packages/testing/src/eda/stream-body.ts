/**
 * Event-stream body parsing as the EDA server does it: form bodies with `parse_qs`
 * (strict), anything else with `yaml.safe_load`.
 *
 * @module
 */
import { unescape } from "node:querystring";

/** The parsed body, or a failure. */
export type ParsedBody = { readonly ok: true; readonly data: unknown } | { readonly ok: false };

/** Python's `urllib.parse.parse_qs(text, strict_parsing=True)`: values are lists, blanks dropped. */
function parseQs(text: string): ParsedBody {
  const data: Record<string, string[]> = {};
  for (const field of text === "" ? [] : text.split("&")) {
    const equals = field.indexOf("=");
    if (equals < 0) return { ok: false };
    const value = field.slice(equals + 1);
    if (value === "") continue;
    const name = unescape(field.slice(0, equals).replace(/\+/g, " "));
    (data[name] ??= []).push(unescape(value.replace(/\+/g, " ")));
  }
  return { ok: true, data };
}

/**
 * Parses a body by its `Content-Type` header, compared as a whole as the server does (so
 * `application/x-www-form-urlencoded; charset=utf-8` is not a form).
 *
 * Modelling choice: the server parses non-form bodies with YAML `safe_load`; the simulator
 * parses JSON only (valid YAML too), an empty body being `null` as in YAML. Bodies that
 * only YAML accepts (plain scalars, YAML mappings) are refused here as invalid content.
 */
export function parseStreamBody(contentType: string, body: Buffer): ParsedBody {
  const text = body.toString("utf8");
  if (contentType === "application/x-www-form-urlencoded") return parseQs(text);
  if (text.trim() === "") return { ok: true, data: null };
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
