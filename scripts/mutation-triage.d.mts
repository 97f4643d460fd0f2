// Types of mutation-triage.mjs, for integration/test/mutation-triage.test.ts.

/** A StrykerJS source location: lines and columns from 1, end exclusive. */
export interface Location {
  start: { line: number; column: number };
  end: { line: number; column: number };
}

/** A mutant of a StrykerJS JSON report (the fields the triage reads). */
export interface Mutant {
  location: Location;
  status: string;
  mutatorName?: string;
  replacement?: string;
}

import type { Judgement, Verdict } from "./mutation-judged.mjs";

/**
 * What a mutant changes: a log call's arguments, an error's message, or anything else
 * (`behaviour`); `judged` is a behaviour mutant a judgement covers.
 */
export type MutantKind = "log" | "message" | "behaviour" | "judged";

/** A score as StrykerJS computes it. */
export interface Score {
  detected: number;
  valid: number;
  score: number;
}

/** The ranges (character offsets, end exclusive) of log-call arguments and error messages. */
export declare function outOfContractRanges(
  source: string,
): { kind: "log" | "message"; start: number; end: number }[];

/** Each mutant of `source` with its kind. */
export declare function classify<M extends Mutant>(
  source: string,
  mutants: M[],
): (M & { kind: MutantKind })[];

/** One remaining (behaviour) survivor. */
export interface Survivor {
  file: string;
  line: number;
  /** Where the mutated code starts on its line (from 1). */
  column: number;
  mutator: string | undefined;
  status: string;
  original: string;
  replacement: string;
}

/** The triage of one file. */
export interface FileTriage {
  file: string;
  all: Score;
  /** Behaviour mutants, judged ones included. */
  behaviour: Score;
  /** Behaviour mutants no judgement covers. */
  unjudged: Score;
  log: number;
  message: number;
  judged: number;
  /** Survivors no judgement covers. */
  survivors: Survivor[];
}

/** A judged mutant the suite caught. */
export interface Contradiction extends Survivor {
  judgement: Judgement;
}

/** The triage of a StrykerJS JSON report. */
export declare function triage(
  json: { files: Record<string, { source: string; mutants: Mutant[] }> },
  judgements?: Judgement[],
): {
  files: FileTriage[];
  all: Score;
  behaviour: Score;
  unjudged: Score;
  log: number;
  message: number;
  judged: { equivalent: number; outsideContract: number };
  contradicted: Contradiction[];
  stale: Judgement[];
};

export type { Judgement, Verdict };
