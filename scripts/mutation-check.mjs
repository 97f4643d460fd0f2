// The incremental mutation check of CI (issue 21): StrykerJS on the engine
// (packages/core/src/engine/**, judged by core's own tests) with `--incremental`, reusing the
// committed baseline stryker/baseline/engine.json, so that only the mutants of what changed
// since the baseline (in the engine's source, or in the tests that cover them) run again.
// Then the whole engine's score, reused and new results together, is held to the floors
// below, overall and per file, and the run must leave no mutant in the source (it mutates in
// place: stryker/shared.mjs says why).
//
//   node scripts/mutation-check.mjs            # what CI runs (`pnpm run mutation:check`)
//   node scripts/mutation-check.mjs --report   # only the figures of reports/mutation/engine.json
//
// The floors are issue 21's targets; the committed baseline measures more (docs/mutation.md
// keeps its figures). Raise them with the tests, never lower them to let a change through: a
// change that lowers the score adds a test or says in its commit why the survivor is
// equivalent.
// After a change to the engine or its tests, `pnpm run mutation:check` locally writes the
// baseline back: commit it with the change, or CI re-runs those mutants every time.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { URL, fileURLToPath } from "node:url";
import { score } from "./mutation-score.mjs";

/** Lowest whole-engine mutation score (%) the check accepts. */
export const ENGINE_FLOOR = 90;
/** Lowest score (%) of any one file of the engine. */
export const FILE_FLOOR = 80;

const root = fileURLToPath(new URL("..", import.meta.url));
const baseline = "stryker/baseline/engine.json";
const report = "reports/mutation/engine.json";
const source = "packages/core/src/engine";

/**
 * The figures of a StrykerJS JSON report: per file and in all, with the survivors.
 * @param {{ files: Record<string, { mutants: { status: string }[] }> }} json
 */
export function figures(json) {
  const files = Object.entries(json.files).map(([file, { mutants }]) => {
    const counts = {};
    for (const { status } of mutants) counts[status] = (counts[status] ?? 0) + 1;
    return { file, counts, ...score(mutants) };
  });
  return { files, all: score(Object.values(json.files).flatMap((f) => f.mutants)) };
}

function check() {
  if (!existsSync(`${root}/${report}`)) return [`no report at ${report}: run the check first`];
  const json = JSON.parse(readFileSync(`${root}/${report}`, "utf8"));
  const { files, all } = figures(json);
  const failures = [];
  console.log("mutation check, engine (reused and new results):");
  for (const f of files.sort((a, b) => a.score - b.score)) {
    const low = f.score < FILE_FLOOR;
    if (low)
      failures.push(`${f.file}: ${f.score.toFixed(2)} % is under the file floor ${FILE_FLOOR} %`);
    console.log(
      `  ${f.file.padEnd(48)} ${f.score.toFixed(2).padStart(6)} %  ` +
        `${f.detected}/${f.valid}  ${JSON.stringify(f.counts)}${low ? "  UNDER THE FLOOR" : ""}`,
    );
  }
  console.log(
    `  ${"all files".padEnd(48)} ${all.score.toFixed(2).padStart(6)} %  ${all.detected}/${all.valid}`,
  );
  if (all.score < ENGINE_FLOOR)
    failures.push(`the engine's ${all.score.toFixed(2)} % is under the floor ${ENGINE_FLOOR} %`);
  return failures;
}

if (process.argv.includes("--report")) {
  const failures = check();
  for (const f of failures) console.error(`mutation check: ${f}`);
  process.exit(failures.length === 0 ? 0 : 1);
}

if (!existsSync(`${root}/${baseline}`)) {
  console.error(
    `mutation check: no baseline at ${baseline}; make one with a full run (docs/mutation.md)`,
  );
  process.exit(1);
}
const dirty = spawnSync("git", ["status", "--porcelain", "--", source], {
  cwd: root,
  encoding: "utf8",
});
if (dirty.stdout.trim() !== "") {
  console.error(
    `mutation check: ${source} has uncommitted changes; the run mutates it in place:\n${dirty.stdout}`,
  );
  process.exit(1);
}
const run = spawnSync(
  process.execPath,
  [
    `${root}/node_modules/@stryker-mutator/core/bin/stryker.js`,
    "run",
    "stryker/engine.config.mjs",
    "--incremental",
  ],
  { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
);
const left = spawnSync("git", ["status", "--porcelain", "--", source], {
  cwd: root,
  encoding: "utf8",
});
if (left.stdout.trim() !== "") {
  console.error(`mutation check: the run left changes in ${source}:\n${left.stdout}`);
  spawnSync("git", ["checkout", "--", source], { cwd: root });
  process.exit(1);
}
if (run.status !== 0) {
  console.error(`mutation check: stryker exited with ${run.status ?? run.signal}`);
  process.exit(1);
}
const failures = check();
for (const f of failures) console.error(`mutation check: ${f}`);
process.exit(failures.length === 0 ? 0 : 1);
