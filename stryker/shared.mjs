// Shared StrykerJS settings for the mutation runs of this workspace (issue 21). Facts this
// setup depends on, found on this machine (Node 20):
// - StrykerJS 10 needs Node 22; 9.6.1 (with @stryker-mutator/vitest-runner 9.6.1) runs on 20.
// - Under pnpm the runner plugin is not found by name from the root: it is named by path.
// - The packages' vitest configs import ../../vitest.shared.ts, which a sandbox copy of one
//   package cannot reach, so the runs mutate in place (`inPlace`). Never run a mutation in a
//   working tree someone else is editing: it rewrites the source files while it runs.
import { URL, fileURLToPath } from "node:url";

const runner = fileURLToPath(
  new URL("../node_modules/@stryker-mutator/vitest-runner/dist/src/index.js", import.meta.url),
);

/**
 * A StrykerJS configuration: `name` names the reports and the incremental baseline,
 * `mutate` the files, `vitestConfig` the vitest config and `dir` the folder whose tests judge
 * the mutants; `related: false` runs every test of that config (covering the mutant), not
 * only the test files that import the mutated file.
 */
export function strykerConfig({ name, mutate, vitestConfig, dir, related = true }) {
  return {
    plugins: [runner],
    testRunner: "vitest",
    vitest: { configFile: vitestConfig, dir, related },
    mutate,
    inPlace: true,
    coverageAnalysis: "perTest",
    concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
    timeoutMS: 20_000,
    timeoutFactor: 2,
    reporters: ["clear-text", "progress", "html", "json"],
    clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    incrementalFile: `stryker/baseline/${name}.json`,
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
    thresholds: { high: 90, low: 80, break: null },
  };
}
