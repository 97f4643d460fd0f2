/** Fixtures of the HTTP kit's tests. */
import { SecretRedactor } from "@provisionkit/core";
import type { HttpCallContext, HttpResponse } from "@provisionkit/core/http";

/** A secret that must never appear in a message. */
export const SECRET = "tok-SECRET-0123456789abcdef";

/** A call context for `GET /jobs/7` (or a non-idempotent `POST /jobs`). */
export function context(idempotent = true): HttpCallContext {
  const redactor = new SecretRedactor();
  redactor.add(SECRET);
  const method = idempotent ? "GET" : "POST";
  const path = idempotent ? "/jobs/7" : "/jobs";
  return { prefix: `Runner ${method} ${path}`, details: { method, path }, idempotent, redactor };
}

/** A response with `status`, a body and headers. */
export function answer(
  status: number,
  text = "",
  headers: Record<string, string> = {},
): HttpResponse {
  return { status, text, header: (name) => headers[name.toLowerCase()] };
}
