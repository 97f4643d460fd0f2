/**
 * describeProviderConformance when the suite cannot start: a probe provider that throws while
 * vitest collects the suite becomes one failing test naming the error, so the run reports it
 * like any failure. Before, the file failed to collect ("no tests"), and a mutation run, which
 * counts failed tests, counted a mutant that broke the provider's construction as survived.
 * Runs vitest on a fixture in a child process and reads its JSON report.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));

interface JsonReport {
  numTotalTests: number;
  numFailedTests: number;
  testResults: {
    assertionResults: { title: string; status: string; failureMessages: string[] }[];
  }[];
}

describe("describeProviderConformance when the suite cannot start", () => {
  it("declares one failing test that names the error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "suite-start-"));
    const output = join(dir, "report.json");
    try {
      const cli = join(root, "node_modules/vitest/vitest.mjs");
      const config = join(root, "integration/test/fixtures/suite-start/vitest.config.ts");
      const args = [cli, "run", "--config", config, "--reporter=json", `--outputFile=${output}`];
      // The run fails (exit code 1): that is the point.
      await expect(run(process.execPath, args, { cwd: root })).rejects.toMatchObject({ code: 1 });
      const report = JSON.parse(readFileSync(output, "utf8")) as JsonReport;
      expect([report.numTotalTests, report.numFailedTests]).toEqual([1, 1]);
      const [test] = report.testResults.flatMap((r) => r.assertionResults);
      expect(test?.title).toBe(
        "the suite could not start: Error: option payload must be a function",
      );
      expect(test?.status).toBe("failed");
      expect(test?.failureMessages[0]).toMatch(/option payload must be a function/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
