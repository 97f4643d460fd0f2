/**
 * Request headers as the two servers expose them to events: aiohttp's header dict for the
 * webhook plugin, Django's `HttpHeaders` for the EDA server.
 *
 * @module
 */
import type { IncomingHttpHeaders } from "node:http";

/** The first value of a header, matched case-insensitively, from `rawHeaders`. */
export function rawHeader(raw: readonly string[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === wanted) return raw[i + 1];
  }
  return undefined;
}

/**
 * `dict(request.headers)` minus `Authorization`, as the webhook plugin builds
 * `meta.headers`: names keep the case the client sent, a repeated name keeps its first
 * value.
 *
 * Modelling choice: the plugin pops the exact key `"Authorization"` from a plain dict, so a
 * client sending the header under another case (`authorization`, as HTTP/2 clients and
 * some libraries do) would see its token copied into the event, and into the job's extra
 * vars. The simulator drops it whatever its case, so that no credential is ever recorded;
 * send `Authorization` capitalised against a real activation.
 */
export function webhookHeaders(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? "";
    if (name.toLowerCase() === "authorization" || name in headers) continue;
    headers[name] = rawHeader(raw, name) ?? "";
  }
  return headers;
}

/** Python's `str.title()` on ASCII text: a letter after a non-letter is upper-cased. */
function title(text: string): string {
  let out = "";
  let previousLetter = false;
  for (const char of text.toLowerCase()) {
    const letter = char >= "a" && char <= "z";
    out += letter && !previousLetter ? char.toUpperCase() : char;
    previousLetter = letter;
  }
  return out;
}

/**
 * `dict(request.headers)` in Django: names title-cased (`X-Hub-Signature-256`), repeated
 * headers joined by the server.
 */
export function djangoHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[title(name)] = Array.isArray(value) ? value.join(",") : value;
  }
  return out;
}

const PROXY_HEADERS = ["x-trusted-proxy", "x-forwarded-for", "x-real-ip"];

/**
 * `meta.headers` of an event-stream event: only the `additional_data_headers` (none by
 * default); with `"*"`, every header but the auth header and the proxy headers
 * (`X-Envoy-*`, `X-Trusted-Proxy`, `X-Forwarded-For`, `X-Real-IP`).
 */
export function streamEventHeaders(
  headers: IncomingHttpHeaders,
  additional: readonly string[] | "*" | undefined,
  authHeader: string,
): Record<string, string> {
  const all = djangoHeaders(headers);
  if (additional === "*") {
    const auth = authHeader.toLowerCase();
    return Object.fromEntries(
      Object.entries(all).filter(([name]) => {
        const lower = name.toLowerCase();
        return lower !== auth && !lower.startsWith("x-envoy") && !PROXY_HEADERS.includes(lower);
      }),
    );
  }
  const out: Record<string, string> = {};
  for (const name of additional ?? []) {
    const value = headers[name.toLowerCase()];
    const text = Array.isArray(value) ? value.join(",") : value;
    if (text) out[name] = text;
  }
  return out;
}
