/**
 * What a server said: the reason phrase of a status and the explanation in a body.
 *
 * @module
 */
import type { SecretRedactor } from "../redaction.js";

const REASONS: Readonly<Record<number, string>> = {
  400: "bad request",
  401: "authentication failed",
  403: "permission denied",
  404: "not found",
  405: "method not allowed",
  408: "request timeout",
  409: "conflict",
  413: "payload too large",
  415: "unsupported media type",
  429: "rate limited",
  500: "server error",
  502: "bad gateway",
  503: "service unavailable",
  504: "gateway timeout",
};

/** A short reason for `status`: `not found`, `server error`, `unexpected status`. */
export function statusReason(status: number): string {
  return REASONS[status] ?? (status >= 500 ? "server error" : "unexpected status");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How deep a JSON error body is followed; deeper parts are summarised (hostile bodies). */
export const MAX_ERROR_BODY_DEPTH = 16;
/** How many `field: message` parts are kept from a JSON error body at most. */
export const MAX_ERROR_BODY_PARTS = 20;

interface Flattened {
  parts: string[];
  /** Parts left out (over {@link MAX_ERROR_BODY_PARTS}, or nested too deep). */
  omitted: number;
}

function add(out: Flattened, part: string): void {
  if (out.parts.length < MAX_ERROR_BODY_PARTS) out.parts.push(part);
  else out.omitted++;
}

// Bounded in depth and parts: a body nested thousands deep or holding thousands of fields
// costs a few lines of message, never a stack overflow or an unbounded string.
function flatten(value: unknown, field: string, out: Flattened, depth: number): void {
  if (value === null || value === undefined) return;
  if ((isObject(value) || Array.isArray(value)) && depth >= MAX_ERROR_BODY_DEPTH) {
    out.omitted++;
    return;
  }
  if (Array.isArray(value)) {
    const scalars = value.filter((v) => !isObject(v) && !Array.isArray(v));
    if (scalars.length > 0) flatten(scalars.map(String).join(" "), field, out, depth + 1);
    value.forEach((v: unknown, i) => {
      if (isObject(v) || Array.isArray(v)) flatten(v, `${field}[${i}]`, out, depth + 1);
    });
    return;
  }
  if (isObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (out.parts.length >= MAX_ERROR_BODY_PARTS) {
        out.omitted++;
        continue;
      }
      const generic = key === "detail" || key === "non_field_errors" || key === "__all__";
      flatten(inner, generic ? field : field === "" ? key : `${field}.${key}`, out, depth + 1);
    }
    return;
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  add(out, field === "" ? text : `${field}: ${text}`);
}

/**
 * The server's explanation in a body, scrubbed and shortened: a JSON body flattened to
 * `field: message; other: message` (a `detail`, Django REST framework validation errors;
 * at most {@link MAX_ERROR_BODY_PARTS} parts, {@link MAX_ERROR_BODY_DEPTH} levels deep, the
 * rest counted as left out), or the raw text.
 */
export function serverMessage(text: string, redactor: SecretRedactor): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return redactor.serverText(text);
  }
  const out: Flattened = { parts: [], omitted: 0 };
  flatten(body, "", out, 0);
  if (out.omitted > 0) out.parts.push(`(${out.omitted} more left out)`);
  return redactor.serverText(out.parts.join("; "));
}

/** `<prefix>: <reason> (<status>)`, e.g. `AAP GET /api/v2/jobs/7/: not found (404)`. */
export function statusLine(prefix: string, status: number): string {
  return `${prefix}: ${statusReason(status)} (${status})`;
}

/** `<prefix>: <reason> (<status>)[: <server message>]`, scrubbed. */
export function describeStatus(
  prefix: string,
  status: number,
  text: string,
  redactor: SecretRedactor,
): string {
  const base = statusLine(prefix, status);
  const server = serverMessage(text, redactor);
  return redactor.scrub(server === "" ? base : `${base}: ${server}`);
}
