/**
 * Parses a `Retry-After` header: delay seconds (`"120"`, fractions accepted) or an HTTP
 * date. Returns milliseconds (0 or more), or undefined when absent or unparsable.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "") return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // Every HTTP-date form starts with a day name; anything else (e.g. "-1") is junk.
  if (!/^[A-Za-z]/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
