/**
 * Writing responses to the wire with AWX's headers, and the canned fault responses.
 *
 * @module
 */
import { STATUS_CODES, type ServerResponse } from "node:http";
import { AWX_VERSION, NODE_NAME } from "./constants.js";
import type { AapRateLimitFault, AapStatusFault } from "./fault-types.js";
import { nginxErrorPage } from "./request-limits.js";
import type { SimResponse } from "./response.js";

/**
 * Writes a response. JSON bodies get `Content-Type: application/json` (a string body is
 * sent raw); an empty body gets no content type, as DRF does. Every response carries
 * `X-API-Node` and `X-API-Time`; authenticated ones also the product headers (research §1).
 */
export function writeResponse(
  res: ServerResponse,
  response: SimResponse,
  authenticated: boolean,
  startedAt: number,
): void {
  const { body } = response;
  const payload =
    body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  res.statusCode = response.status;
  res.setHeader("X-API-Node", NODE_NAME);
  res.setHeader("X-API-Time", `${((performance.now() - startedAt) / 1000).toFixed(3)}s`);
  if (authenticated) {
    res.setHeader("X-API-Product-Name", "AWX");
    res.setHeader("X-API-Product-Version", AWX_VERSION);
  }
  if (payload !== undefined) res.setHeader("Content-Type", "application/json");
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  res.end(payload);
}

/** The response of a `status` fault; without a body, a `{"detail": …}` naming the status. */
export function statusFaultResponse(fault: AapStatusFault): SimResponse {
  const detail =
    fault.status === 500 ? "A server error has occurred." : (STATUS_CODES[fault.status] ?? "");
  const body = fault.body === undefined ? { detail } : fault.body;
  return fault.headers
    ? { status: fault.status, body, headers: fault.headers }
    : { status: fault.status, body };
}

/** The response of a `rate-limit` fault, in DRF's `Throttled` wording. */
export function rateLimitResponse(fault: AapRateLimitFault): SimResponse {
  const seconds = fault.retryAfterSeconds;
  return {
    status: 429,
    body: { detail: `Request was throttled. Expected available in ${seconds} seconds.` },
    headers: { "Retry-After": String(seconds) },
  };
}

/** A `malformed` fault applied to a processed response: same 2xx status, the given body. */
export function malformedResponse(processed: SimResponse, body: unknown): SimResponse {
  const status = processed.status >= 200 && processed.status < 300 && processed.status !== 204;
  return { status: status ? processed.status : 200, body, headers: processed.headers ?? {} };
}

/**
 * Writes nginx's own error page for a status, as the proxy in front of AWX sends it: no
 * AWX headers, `text/html` (request-limits.ts).
 */
export function writeProxyError(res: ServerResponse, status: 502 | 504): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/html");
  res.end(nginxErrorPage(status));
}
