// Types of mutation-compare.mjs, for integration/test/mutation-triage.test.ts.
import type { Mutant } from "./mutation-triage.mjs";

/** One mutant of a run, as kept across runs. */
export interface MutantRecord {
  file: string;
  line: number;
  mutator: string;
  replacement: string;
  original: string;
  status: string;
}

/** The record of every mutant of a StrykerJS JSON report, in file order. */
export declare function mutantRecords(json: {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}): MutantRecord[];

/** The records of a saved record file or of a StrykerJS report. */
export declare function recordsOf(document: unknown): MutantRecord[];

/** Two runs compared mutant by mutant. */
export declare function compareRecords(
  before: MutantRecord[],
  now: MutantRecord[],
): {
  caught: (MutantRecord & { before: string })[];
  lost: (MutantRecord & { before: string })[];
  onlyBefore: number;
  onlyNow: number;
};
