/**
 * `Retry-After` header parsing.
 *
 * @module
 */

import { MAX_RETRY_AFTER_MS, clampRetryAfterMs } from "../errors.js";

export { MAX_RETRY_AFTER_MS };

/**
 * Parses a `Retry-After` header: delay seconds (`"120"`, fractions accepted) or an HTTP
 * date. Returns milliseconds from `nowMs`, between 0 and {@link MAX_RETRY_AFTER_MS}, or
 * undefined when the header is absent or unparsable.
 *
 * @param header - the header value, if any.
 * @param nowMs - the current time (for the date form), in epoch milliseconds.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "") return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return clamp(Math.ceil(Number(value) * 1000));
  // Every HTTP-date form starts with a day name; anything else (e.g. "-1") is junk.
  if (!/^[A-Za-z]/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return clamp(date - nowMs);
}

function clamp(ms: number): number {
  return Number.isNaN(ms) ? MAX_RETRY_AFTER_MS : clampRetryAfterMs(ms);
}
