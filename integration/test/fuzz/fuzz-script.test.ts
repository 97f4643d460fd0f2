import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// `pnpm fuzz`'s runner (scripts/fuzz.mjs): the arguments it refuses before starting vitest.
// A seed range (`--seeds A..B`) runs the whole tier once per seed, which is too long for CI:
// `pnpm fuzz seeds=1..2 --runs 5 fuzz-harness` printed "fuzz seed 1: PASS in 13.0 s",
// "fuzz seed 2: PASS in 15.8 s", "fuzz tier: 2/2 seeds passed" (2026-12-05).

const SCRIPT = fileURLToPath(new URL("../../../scripts/fuzz.mjs", import.meta.url));

describe("pnpm fuzz (scripts/fuzz.mjs)", () => {
  it("refuses a bad seed range and a range with a seed, with its usage, exit 2", () => {
    const cases: [string[], RegExp][] = [
      [["--seeds", "3..1"], /--seeds 3\.\.1: B is below A/],
      [["seeds=1-3"], /--seeds needs A\.\.B, got "1-3"/],
      [["--seed", "3", "--seeds", "1..2"], /--seed and --seeds exclude each other/],
    ];
    for (const [args, message] of cases) {
      const result = spawnSync(process.execPath, [SCRIPT, ...args], {
        encoding: "utf8",
        timeout: 10_000,
      });
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.stderr).toMatch(
        /\nusage: pnpm fuzz \[--runs N\] \[--seed S \| --seed random \| --seeds A\.\.B\]/,
      );
      expect(result.stdout).toBe("");
    }
  });
});
