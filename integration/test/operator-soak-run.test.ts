import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// `pnpm soak`'s runner (integration/conformance/soak-run.mjs): a range of seeds, one line of
// figures per seed and provider, each run in its own process, and its exit code.

const SCRIPT = fileURLToPath(new URL("../conformance/soak-run.mjs", import.meta.url));

function run(...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8", timeout: 110_000 });
}

describe("pnpm soak (soak-run.mjs)", () => {
  it(
    "runs every seed of seeds=A..B and prints its figures, one line each",
    { timeout: 120_000 },
    () => {
      const result = run("seeds=5..6", "lifecycles=2", "provider=AapProvider");
      expect(result.stderr).toBe("");
      const lines = result.stdout.trim().split("\n");
      expect(lines[0]).toBe("soak: seeds 5..6, 2 lifecycles, faultRate 0.05, AapProvider");
      for (const [i, seed] of [5, 6].entries()) {
        expect(lines[i + 1]).toMatch(
          new RegExp(
            `^AapProvider seed +${seed}: 2/2 done, faults \\d+ \\(.*\\), duplicates 0, overlaps 0, orphans 0, stuck 0, wrong versions 0, late calls 0, violations 0, untyped errors 0, jobs \\d+\\+\\d+, peak RSS \\d+ MiB, loop p99/max \\d+/\\d+ ms, [\\d.]+ s PASS$`,
          ),
        );
      }
      expect(lines.at(-1)).toBe("soak: 2/2 runs passed");
      expect(result.status).toBe(0);
    },
  );

  it("refuses what it does not know, with its usage, exit 2", () => {
    for (const args of [["seeds=3..1"], ["seeds=1-3"], ["provider=Other"], ["rate=1"]]) {
      const result = run(...args);
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/^pnpm soak: .*\nusage: pnpm soak /);
      expect(result.stdout).toBe("");
    }
  });
});
