// Types of mutation-judged.mjs, for integration/test/mutation-triage.test.ts.

/** What a judgement says of the mutants it covers. */
export type Verdict = "equivalent" | "outside-contract";

/** One entry of stryker/judged.json. */
export interface Judgement {
  file: string;
  source?: string;
  mutator?: string;
  replacement?: string;
  /** The column the mutated code starts at (from 1), for mutants alike but for it. */
  column?: number;
  verdict: Verdict;
  reason: string;
}

/** The verdicts a judgement may give. */
export declare const VERDICTS: readonly Verdict[];

/** Checks a judged.json document; throws TypeError naming the first bad entry. */
export declare function parseJudgements(document: unknown): Judgement[];

/** Reads and checks a judged.json file. */
export declare function loadJudgements(path: string): Judgement[];

/** Whether `judgement` covers the mutant `m` of `file` whose first line reads `line`. */
export declare function covers(
  judgement: Judgement,
  file: string,
  line: string,
  m: {
    mutatorName?: string;
    replacement?: string;
    location?: { start?: { line?: number; column?: number } };
  },
): boolean;
