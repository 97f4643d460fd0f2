/**
 * Kubernetes timestamps.
 *
 * @module
 */

/** Formats epoch milliseconds as a Kubernetes `metav1.Time`: RFC 3339 in UTC, whole seconds. */
export function formatTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
