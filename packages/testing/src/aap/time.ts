/** An epoch-millisecond instant as the API shows it (ISO-8601 ending in `Z`), or null. */
export function isoTime(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
