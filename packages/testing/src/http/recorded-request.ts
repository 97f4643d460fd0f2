/**
 * A request as a `ScriptedHttpServer` received it.
 *
 * @module
 */
import type { IncomingHttpHeaders } from "node:http";

/** A request as the server received it. */
export interface RecordedRequest {
  /** The method. */
  method: string;
  /** The path, without query string. */
  path: string;
  /** The raw request target (path and query string). */
  url: string;
  /** The query string. */
  query: URLSearchParams;
  /** The headers (lower-case names). */
  headers: IncomingHttpHeaders;
  /** The exact body bytes (to check a signature). */
  raw: Buffer;
  /** The body as UTF-8 text. */
  body: string;
}
