/** ISO-8601 string of an epoch-millisecond instant. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Epoch milliseconds of an ISO-8601 string; `fallback` when absent or unparsable. */
export function ms(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? fallback : parsed;
}
