// Types of mutation-merge.mjs, for integration/test/mutation-triage.test.ts.
import type { Mutant } from "./mutation-triage.mjs";

/** A StrykerJS JSON report, as far as the merge reads it. */
export interface MutationReport {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

/**
 * A run that re-measured some lines or whole files, laid over earlier reports: old mutants
 * moved to the current source's lines by their line's text, those measured again replaced.
 */
export declare function mergeReports(
  fresh: MutationReport,
  whole: Set<string>,
  olds: MutationReport[],
  read: (file: string) => string,
): MutationReport;
