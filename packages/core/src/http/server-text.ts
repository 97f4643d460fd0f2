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

function flatten(value: unknown, field: string, out: string[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    const scalars = value.filter((v) => !isObject(v) && !Array.isArray(v));
    if (scalars.length > 0) flatten(scalars.map(String).join(" "), field, out);
    value.forEach((v: unknown, i) => {
      if (isObject(v) || Array.isArray(v)) flatten(v, `${field}[${i}]`, out);
    });
    return;
  }
  if (isObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      const generic = key === "detail" || key === "non_field_errors" || key === "__all__";
      flatten(inner, generic ? field : field === "" ? key : `${field}.${key}`, out);
    }
    return;
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  out.push(field === "" ? text : `${field}: ${text}`);
}

/**
 * The server's explanation in a body, scrubbed and shortened: a JSON body flattened to
 * `field: message; other: message` (a `detail`, Django REST framework validation errors),
 * or the raw text.
 */
export function serverMessage(text: string, redactor: SecretRedactor): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return redactor.serverText(text);
  }
  const parts: string[] = [];
  flatten(body, "", parts);
  return redactor.serverText(parts.join("; "));
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
