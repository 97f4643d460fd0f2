// One StrykerJS report from a run that re-measured some lines (STRYKER_MUTATE line ranges) or
// whole files, and the full runs before it (issue 21):
//
//   node scripts/mutation-merge.mjs merged.json new.json <whole files, comma-separated> old.json…
//
// Each file of the old runs keeps its mutants, moved to the current source's lines by the
// text of their line; an old mutant the new run measured again (same line, column, mutator
// and replacement) is replaced by the new run's; a file the new run mutated whole is taken
// from it alone. The old statuses stand for what the new run did not measure: sound while the
// provider code of those lines is unchanged and the suite has only grown since. Triage the
// result with scripts/mutation-triage.mjs.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A mutant's identity on `line`: its column, mutator and replacement. */
function signature(mutant, line) {
  return [
    line,
    mutant.location.start.column,
    mutant.mutatorName,
    String(mutant.replacement ?? ""),
  ].join("|");
}

/**
 * The line of `lines` (1-based) that reads `text`, nearest `near`.
 * @throws Error when no line reads it (the code changed: measure that file whole).
 */
function lineOf(lines, text, near, where) {
  const hits = lines.flatMap((l, i) => (l === text ? [i + 1] : []));
  if (hits.length === 0) throw new Error(`${where}: line no longer in the source: ${text.trim()}`);
  return hits.sort((a, b) => Math.abs(a - near) - Math.abs(b - near))[0];
}

/**
 * The merged report (see the module comment).
 * @param {{ files: Record<string, { source: string, mutants: object[] }> }} fresh - the new run.
 * @param {Set<string>} whole - files the new run mutated whole.
 * @param {object[]} olds - earlier reports; a file in several is taken from the first.
 * @param {(file: string) => string} read - a file's current source.
 */
export function mergeReports(fresh, whole, olds, read) {
  const merged = { ...fresh, files: {} };
  for (const old of olds) {
    for (const [file, data] of Object.entries(old.files)) {
      if (whole.has(file) || merged.files[file]) continue;
      const oldLines = data.source.split("\n");
      const source = read(file);
      const lines = source.split("\n");
      const measured = fresh.files[file]?.mutants ?? [];
      const again = new Set(measured.map((m) => signature(m, m.location.start.line)));
      const mutants = [];
      for (const m of data.mutants) {
        const from = m.location.start.line;
        const line = lineOf(lines, oldLines[from - 1], from, `${file}:${from}`);
        if (again.has(signature(m, line))) continue;
        const shift = line - from;
        const { start, end } = m.location;
        mutants.push({
          ...m,
          location: { start: { ...start, line }, end: { ...end, line: end.line + shift } },
        });
      }
      merged.files[file] = { ...data, source, mutants: [...mutants, ...measured] };
    }
  }
  for (const [file, data] of Object.entries(fresh.files)) merged.files[file] ??= data;
  return merged;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, freshPath, wholeList, ...oldPaths] = process.argv.slice(2);
  if (!out || !freshPath || wholeList === undefined || oldPaths.length === 0) {
    console.error("usage: mutation-merge.mjs merged.json new.json <whole,files> old.json…");
    process.exit(2);
  }
  const json = (path) => JSON.parse(readFileSync(path, "utf8"));
  const merged = mergeReports(
    json(freshPath),
    new Set(wholeList.split(",").filter(Boolean)),
    oldPaths.map(json),
    (file) => readFileSync(file, "utf8"),
  );
  writeFileSync(out, JSON.stringify(merged));
  const count = Object.values(merged.files).reduce((n, f) => n + f.mutants.length, 0);
  console.log(`${Object.keys(merged.files).length} files, ${count} mutants`);
}
