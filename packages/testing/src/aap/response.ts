/**
 * The simulator's transport-independent responses and the error that carries one.
 *
 * @module
 */

/** A response before it is written to the wire. */
export interface SimResponse {
  /** HTTP status. */
  status: number;
  /** JSON body; undefined for an empty body. A string is sent raw. */
  body?: unknown;
  /** Extra headers. */
  headers?: Record<string, string>;
}

/** Thrown by handlers to answer with an error response. */
export class ApiError extends Error {
  /** The response to send. */
  readonly response: SimResponse;

  /** @param status - HTTP status. @param body - JSON body. @param headers - Extra headers. */
  constructor(status: number, body: unknown, headers?: Record<string, string>) {
    super(`HTTP ${status}`);
    this.name = "ApiError";
    this.response = headers ? { status, body, headers } : { status, body };
  }
}

/** A 200 response with a JSON body. */
export function ok(body: unknown): SimResponse {
  return { status: 200, body };
}

/** Django's 404 for a path no URL pattern matches (AWX `handle_404`). */
export function pathNotFound(): ApiError {
  return new ApiError(404, { detail: "The requested resource could not be found." });
}

/**
 * DRF's 404 for a missing object: `GenericAPIView.get_object` raises Django's `Http404("No
 * <Model> matches the given query.")` (`get_object_or_404`), and DRF 3.15's
 * `exception_handler` (`rest_framework/views.py`, `exceptions.NotFound(*(exc.args))`) keeps
 * that text; AWX pins DRF 3.15.1 (github:ansible/awx e21dd0a0
 * `requirements/requirements.txt:165`) and its `api_exception_handler`
 * (`awx/api/views/__init__.py:146-165`) passes it on. Older DRF said "Not found.": clients
 * key on the status only.
 */
export function objectNotFound(model: string): ApiError {
  return new ApiError(404, { detail: `No ${model} matches the given query.` });
}

/** DRF's 405. */
export function methodNotAllowed(method: string): ApiError {
  return new ApiError(405, { detail: `Method "${method}" not allowed.` });
}

/** A DRF 400 with a top-level `detail`. */
export function badRequest(detail: string): ApiError {
  return new ApiError(400, { detail });
}
