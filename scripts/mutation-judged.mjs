// Judged survivors (issue 21): the surviving mutants of a conformance-only run that someone
// read and judged `equivalent` (no behaviour can tell it from the original) or
// `outside-contract` (it changes something the provider contract does not promise), each with
// its reason, kept in stryker/judged.json so that the judgement outlives the session that
// made it and the next run sets those mutants apart by itself.
//
// A judgement names a `file` (repository path, as in the report) and optionally narrows it:
// `source`, text the mutated line must contain (line numbers move with every edit, the text
// rarely does); `mutator`, StrykerJS's mutator name; `replacement`, the mutant's exact
// replacement text; `column`, the column its mutated code starts at (from 1, as StrykerJS
// counts), for two mutants alike in all of the above on one line, one caught and one not.
// A judgement with only a `file` covers every mutant of it.
//
// The triage leaves judged mutants out of both sides of its last score, as it does log calls
// and error messages, and says which judgements no longer hold:
// - `contradicted`: the suite caught a mutant the judgement covers. An `equivalent` mutant
//   cannot be caught, so the judgement is wrong; an `outside-contract` one may be (a check
//   that reaches further), so the judgement is too broad or out of date.
// - `stale`: the judgement matches no mutant of a file the report has (the code moved on).
import { readFileSync } from "node:fs";

/** The verdicts a judgement may give. */
export const VERDICTS = ["equivalent", "outside-contract"];

/**
 * Checks a judged.json document and returns its judgements.
 * @param {unknown} document
 * @returns {{ file: string, source?: string, mutator?: string, replacement?: string, column?: number, verdict: string, reason: string }[]}
 * @throws TypeError naming the first bad entry.
 */
export function parseJudgements(document) {
  const list = document?.judgements;
  if (!Array.isArray(list)) throw new TypeError("judged.json: needs a `judgements` array");
  return list.map((entry, index) => {
    const where = `judged.json: judgements[${index}]`;
    if (typeof entry !== "object" || entry === null) throw new TypeError(`${where}: not an object`);
    for (const key of ["file", "verdict", "reason"]) {
      if (typeof entry[key] !== "string" || entry[key].trim() === "") {
        throw new TypeError(`${where}.${key}: required, a non-empty string`);
      }
    }
    for (const key of ["source", "mutator", "replacement"]) {
      if (entry[key] !== undefined && typeof entry[key] !== "string") {
        throw new TypeError(`${where}.${key}: must be a string`);
      }
    }
    if (entry.column !== undefined && !(Number.isInteger(entry.column) && entry.column >= 1)) {
      throw new TypeError(`${where}.column: must be an integer from 1`);
    }
    if (!VERDICTS.includes(entry.verdict)) {
      throw new TypeError(`${where}.verdict: must be one of ${VERDICTS.join(", ")}`);
    }
    const known = new Set([
      "file",
      "source",
      "mutator",
      "replacement",
      "column",
      "verdict",
      "reason",
    ]);
    const extra = Object.keys(entry).find((key) => !known.has(key));
    if (extra !== undefined) throw new TypeError(`${where}.${extra}: unknown field`);
    return entry;
  });
}

/** Reads and checks a judged.json file. */
export function loadJudgements(path) {
  return parseJudgements(JSON.parse(readFileSync(path, "utf8")));
}

/**
 * Whether `judgement` covers the mutant `m` of `file` whose first line reads `line`.
 * @param {{ file: string, source?: string, mutator?: string, replacement?: string, column?: number }} judgement
 */
export function covers(judgement, file, line, m) {
  return (
    judgement.file === file &&
    (judgement.source === undefined || line.includes(judgement.source)) &&
    (judgement.mutator === undefined || judgement.mutator === m.mutatorName) &&
    (judgement.replacement === undefined ||
      judgement.replacement === String(m.replacement ?? "")) &&
    (judgement.column === undefined || judgement.column === m.location?.start?.column)
  );
}
