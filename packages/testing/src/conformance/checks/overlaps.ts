/**
 * The one overlap rule of E1, shared by the provider suite's check and the operator suite's.
 *
 * @module
 */
import type { ConformanceJob } from "../types.js";

/** Every pair of jobs (of one resource) that were active at the same instant, in ledger order. */
export function activeTogether(
  jobs: readonly ConformanceJob[],
): [ConformanceJob, ConformanceJob][] {
  const pairs: [ConformanceJob, ConformanceJob][] = [];
  jobs.forEach((a, i) => {
    const aEnd = a.finishedAt ?? Number.POSITIVE_INFINITY;
    for (const b of jobs.slice(i + 1)) {
      const bEnd = b.finishedAt ?? Number.POSITIVE_INFINITY;
      if (a.createdAt < bEnd && b.createdAt < aEnd) pairs.push([a, b]);
    }
  });
  return pairs;
}
