import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  checkDocSnippets,
  extractBlocks,
  runDocSnippets,
} from "../../scripts/check-doc-snippets.mjs";

const fence = "```";
const built = ["core", "provider-aap", "provider-eda", "testing"].every((name) =>
  existsSync(new URL(`../../packages/${name}/dist/index.d.ts`, import.meta.url)),
);

describe("documentation snippets", () => {
  it("finds ts and typescript blocks with their markers and first code lines", () => {
    const text = [
      "# Title", // 1
      `${fence}ts`, // 2
      "const a = 1;", // 3
      fence, // 4
      `${fence}typescript nocheck (a fragment)`, // 5
      "a.b(", // 6
      fence, // 7
      "  ```ts continued", // 8 (indented, as in a list)
      "  const b = a;", // 9
      "  ```", // 10
      `${fence}sh`, // 11
      "npm i", // 12
      fence, // 13
    ].join("\n");
    expect(extractBlocks(text)).toEqual([
      { line: 3, code: "const a = 1;", nocheck: false, continued: false, run: false, info: "" },
      {
        line: 6,
        code: "a.b(",
        nocheck: true,
        continued: false,
        run: false,
        info: "nocheck (a fragment)",
      },
      {
        line: 9,
        code: "const b = a;",
        nocheck: false,
        continued: true,
        run: false,
        info: "continued",
      },
    ]);
  });

  it("reports a block that does not compile at its markdown line, skips and counts nocheck, joins continued blocks", () => {
    const text = [
      "# Guide", // 1
      `${fence}ts`, // 2
      'import { configVersion } from "@provisionkit/core";', // 3
      "const version: string = configVersion({ cores: 2 });", // 4
      fence, // 5
      "Then:", // 6
      `${fence}ts continued`, // 7
      "const n: number = version;", // 8: TS2322, and `version` comes from the block above
      fence, // 9
      `${fence}ts nocheck`, // 10
      "this is not TypeScript", // 11
      fence, // 12
      `${fence}ts`, // 13
      "const version = 1; // its own module: no clash with the first block", // 14
      "undeclaredHelper(version);", // 15: TS2304
      fence, // 16
    ].join("\n");
    const result = checkDocSnippets({ sources: [{ name: "docs/guide.md", text }] });
    expect(result.checked).toBe(3);
    expect(result.skipped).toEqual([{ file: "docs/guide.md", line: 10 }]);
    expect(result.errors).toHaveLength(2);
    expect(result.errors[0]).toMatch(/^docs\/guide\.md:8: TS2322: /);
    expect(result.errors[1]).toMatch(/^docs\/guide\.md:15: TS2304: .*undeclaredHelper/);
  }, 120_000);

  it.runIf(built)(
    "every TypeScript block of README.md and docs/*.md compiles in a strict consumer project",
    () => {
      const result = checkDocSnippets();
      expect(result.errors).toEqual([]);
      expect(result.checked).toBeGreaterThanOrEqual(23);
      // Partial blocks are the exception, each marked with where its code is checked instead.
      expect(result.skipped.length).toBeLessThanOrEqual(2);
    },
    120_000, // one TypeScript program over every block and the packages' types
  );

  it("runs the blocks marked run, reporting one that fails at its fence's line", async () => {
    const text = [
      "# Guide", // 1
      `${fence}ts run`, // 2
      "const n: number = 1 + 1;", // 3
      "if (n !== 2) process.exit(3);", // 4
      fence, // 5
      `${fence}ts`, // 6: checked, not run
      "process.exit(4);", // 7
      fence, // 8
      `${fence}ts run`, // 9
      'throw new Error("the guide is wrong");', // 10
      fence, // 11
    ].join("\n");
    const result = await runDocSnippets({ sources: [{ name: "docs/guide.md", text }] });
    expect(result.ran.map((r) => r.line)).toEqual([2, 9]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatch(/^docs\/guide\.md:9: .*the guide is wrong/);
  }, 60_000);

  it.runIf(built)(
    "every block marked run in README.md and docs/*.md runs and exits 0",
    async () => {
      const result = await runDocSnippets();
      expect(result.failures).toEqual([]);
      // docs/simulators.md: each simulator, the virtual clock, faults, an operator on them;
      // docs/conformance.md: a ConformanceBackend on a fake, through four scenarios;
      // docs/getting-started.md: the operator, created, Ready, deleted.
      expect(result.ran.length).toBeGreaterThanOrEqual(8);
    },
    360_000,
  );

  it("the packages are built (the snippets are checked against their dist types)", () => {
    expect(built, "run `pnpm run build` first").toBe(true);
  });
});
