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
const [out, fresh, wholeList, ...olds] = process.argv.slice(2);
const whole = new Set(wholeList.split(","));
const now = JSON.parse(readFileSync(fresh, "utf8"));
const merged = { ...now, files: {} };
for (const path of olds) {
  const old = JSON.parse(readFileSync(path, "utf8"));
  for (const [file, data] of Object.entries(old.files)) {
    if (whole.has(file) || merged.files[file]) continue;
    const oldLines = data.source.split("\n");
    const source = readFileSync(file, "utf8");
    const cur = source.split("\n");
    const sig = (m, line) =>
      [line, m.location.start.column, m.mutatorName, String(m.replacement ?? "")].join("|");
    const rerun = new Set(
      (now.files[file]?.mutants ?? []).map((m) => sig(m, m.location.start.line)),
    );
    const mutants = [];
    for (const m of data.mutants) {
      const text = oldLines[m.location.start.line - 1];
      const hits = cur.map((l, i) => (l === text ? i + 1 : 0)).filter(Boolean);
      if (hits.length === 0) throw new Error(`${file}:${m.location.start.line} not found`);
      const line = hits.sort(
        (a, b) => Math.abs(a - m.location.start.line) - Math.abs(b - m.location.start.line),
      )[0];
      if (rerun.has(sig(m, line))) continue;
      const d = line - m.location.start.line;
      mutants.push({
        ...m,
        location: {
          start: { ...m.location.start, line: line },
          end: { ...m.location.end, line: m.location.end.line + d },
        },
      });
    }
    mutants.push(...(now.files[file]?.mutants ?? []));
    merged.files[file] = { ...data, source, mutants };
  }
}
for (const [file, data] of Object.entries(now.files))
  if (!merged.files[file]) merged.files[file] = data;
writeFileSync(out, JSON.stringify(merged));
let n = 0;
for (const f of Object.values(merged.files)) n += f.mutants.length;
console.log(`${Object.keys(merged.files).length} files, ${n} mutants`);
