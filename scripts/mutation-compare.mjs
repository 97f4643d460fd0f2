// Two mutation runs compared mutant by mutant (issue 21): which mutants the suite catches now
// and did not before, and which it caught before and no longer does. A run's mutants can be
// saved as a small record (`mutation-triage.mjs --save`), so a run can be compared with one
// whose full report is gone.
//
// A mutant is known across runs by its file, its mutator, its replacement and the text of the
// line it starts on (line numbers move with every edit above it), and, among mutants alike in
// all four, by its order in the file.

const isDetected = (status) => status === "Killed" || status === "Timeout";
const counted = (status) => isDetected(status) || status === "Survived" || status === "NoCoverage";

/**
 * The record of every mutant of a StrykerJS JSON report, in file order.
 * @param {{ files: Record<string, { source: string, mutants: { location: { start: { line: number, column: number } }, status: string, mutatorName?: string, replacement?: string }[] }> }} json
 * @returns {{ file: string, line: number, mutator: string, replacement: string, original: string, status: string }[]}
 */
export function mutantRecords(json) {
  return Object.entries(json.files).flatMap(([file, { source, mutants }]) => {
    const lines = source.split("\n");
    return [...mutants]
      .sort(
        (a, b) =>
          a.location.start.line - b.location.start.line ||
          a.location.start.column - b.location.start.column,
      )
      .map((m) => ({
        file,
        line: m.location.start.line,
        mutator: m.mutatorName ?? "",
        replacement: String(m.replacement ?? ""),
        original: (lines[m.location.start.line - 1] ?? "").trim(),
        status: m.status,
      }));
  });
}

/** The records of a saved record file (`{ records: [...] }`) or of a StrykerJS report. */
export function recordsOf(document) {
  if (Array.isArray(document?.records)) return document.records;
  if (document?.files !== undefined) return mutantRecords(document);
  throw new TypeError(
    "neither a saved mutant record ({ records }) nor a StrykerJS report ({ files })",
  );
}

/** Each record keyed by its identity across runs (see the module comment). */
function keyed(records) {
  const seen = new Map();
  const result = new Map();
  for (const r of records) {
    const base = [r.file, r.mutator, r.replacement, r.original].join("\u0000");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.set(`${base}\u0000${n}`, r);
  }
  return result;
}

/**
 * Compares two runs: `caught` (detected now, survived or uncovered before), `lost` (detected
 * before, survived or uncovered now), and how many mutants only one run has (the code
 * changed, or only one run mutated the file). Mutants with another status in either run
 * (compile errors, ignored) are left out.
 */
export function compareRecords(before, now) {
  const old = keyed(before);
  const caught = [];
  const lost = [];
  let onlyNow = 0;
  for (const [key, r] of keyed(now)) {
    const was = old.get(key);
    old.delete(key);
    if (was === undefined) {
      onlyNow++;
      continue;
    }
    if (!counted(was.status) || !counted(r.status)) continue;
    if (isDetected(r.status) && !isDetected(was.status)) caught.push({ ...r, before: was.status });
    if (!isDetected(r.status) && isDetected(was.status)) lost.push({ ...r, before: was.status });
  }
  return { caught, lost, onlyBefore: old.size, onlyNow };
}
