import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs, USAGE, UsageError } from "../src/cli/args.js";
import { loadError, TYPESCRIPT_HINT } from "../src/cli/subject.js";
import type { ConformanceReport } from "../src/conformance/types.js";
import { FIXTURES, runCli, runCliWithReports, usageError } from "./cli-support.js";

describe("provisionkit-conformance", () => {
  it("parses its options and refuses bad ones with a usage error", () => {
    expect(
      parseArgs(["m.js", "--json", "-", "--scenario", "a", "--scenario", "b", "--seed", "7"]),
    ).toEqual({ module: "m.js", json: "-", scenarios: ["a", "b"], seed: 7, quiet: false });
    expect(parseArgs(["--help"])).toBeUndefined();
    expect(() => parseArgs([])).toThrow(UsageError);
    expect(() => parseArgs(["m.js", "--junit"])).toThrow("--junit needs a value");
    expect(() => parseArgs(["m.js", "--seed", "x"])).toThrow("--seed needs a non-negative integer");
    expect(() => parseArgs(["m.js", "--frobnicate"])).toThrow("unknown option --frobnicate");
  });

  it("takes --opt=value as well as --opt value (node:util parseArgs), with the same messages", () => {
    expect(
      parseArgs([
        "m.mjs",
        "--html=report.html",
        "--json=-",
        "--junit",
        "j.xml",
        "--seed=7",
        "--runs=3",
        "--call-deadline=250",
        "--scenario=a",
        "--scenario",
        "b",
        "--soak=lifecycles=2,faultRate=0.5,seed=1",
        "--kubeconfig=k.yaml",
        "--namespace=ns",
        "--quiet",
      ]),
    ).toEqual({
      module: "m.mjs",
      html: "report.html",
      json: "-",
      junit: "j.xml",
      seed: 7,
      numRuns: 3,
      callDeadlineMs: 250,
      scenarios: ["a", "b"],
      soak: { lifecycles: 2, faultRate: 0.5, seed: 1 },
      kubeconfig: "k.yaml",
      namespace: "ns",
      quiet: true,
    });
    expect(parseArgs(["m.mjs", "-h"])).toBeUndefined();
    expect(parseArgs(["m.mjs", "--frobnicate", "--help"])).toBeUndefined();
    expect(() => parseArgs(["m.js", "--html="])).toThrow("--html needs a value");
    expect(() => parseArgs(["m.js", "--html", "--quiet"])).toThrow("--html needs a value");
    expect(() => parseArgs(["m.js", "--seed=-1"])).toThrow("--seed needs a non-negative integer");
    expect(() => parseArgs(["m.js", "--runs"])).toThrow("--runs needs a non-negative integer");
    expect(() => parseArgs(["m.js", "--soak"])).toThrow(
      "--soak needs lifecycles=N,faultRate=R,seed=S",
    );
    expect(() => parseArgs(["m.js", "--quiet=yes"])).toThrow("--quiet takes no value");
    expect(() => parseArgs(["m.js", "--html=x", "-x"])).toThrow("unknown option -x");
    expect(() => parseArgs(["m.js", "n.js"])).toThrow("one module only (got n.js too)");
    expect(() => parseArgs(["m.js", "--call-deadline=0"])).toThrow(
      "--call-deadline needs a positive integer",
    );
  });

  it("says how to load a TypeScript module Node refused, in the error and the usage", () => {
    const refused = Object.assign(new TypeError('Unknown file extension ".ts" for /x/s.ts'), {
      code: "ERR_UNKNOWN_FILE_EXTENSION",
    });
    const error = loadError("s.ts", refused);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      `cannot load s.ts: Unknown file extension ".ts" for /x/s.ts. ${TYPESCRIPT_HINT}`,
    );
    expect(TYPESCRIPT_HINT).toContain('NODE_OPTIONS="--import tsx"');
    expect(TYPESCRIPT_HINT).toContain("22.18");
    // Any other failure, or a JavaScript module, keeps its own first line only.
    expect(loadError("s.mjs", new Error("boom\nstack")).message).toBe("cannot load s.mjs: boom");
    expect(loadError("s.ts", new SyntaxError("Unexpected token")).message).toBe(
      "cannot load s.ts: Unexpected token",
    );
    expect(USAGE).toContain('NODE_OPTIONS="--import tsx" provisionkit-conformance subjects.ts');
    expect(USAGE).toContain("--opt=VALUE");
  });

  it("runs every subject, prints progress and tables, writes JSON, JUnit and HTML, exits 1 on a broken rule", async () => {
    const io = await runCliWithReports([
      join(FIXTURES, "conformance-subjects.ts"),
      "--scenario",
      "create-to-ready",
      "--scenario",
      "delete-while-provisioning",
    ]);
    expect(io.code).toBe(1);
    expect(io.stderr).toContain("MemoryProvider: 2 scenarios");
    expect(io.stderr).toMatch(/\[2\/2\] FAIL delete-while-provisioning \(P5, E1\)/);
    expect(io.stdout).toContain("PASSED: 2 passed, 0 failed, 0 skipped");
    expect(io.stdout).toContain("FAILED: 1 passed, 1 failed, 0 skipped");
    const reports = JSON.parse(await io.read("report.json")) as ConformanceReport[];
    expect(reports.map((r) => [r.subject, r.passed])).toEqual([
      ["MemoryProvider", true],
      ["IgnoresRunningProvision", false],
    ]);
    const junit = await io.read("junit.xml");
    expect(junit.match(/<testsuite /g)).toHaveLength(2);
    expect(junit).toContain('type="P5"');
    expect(await io.read("report-1.html")).toContain("PASSED");
    expect(await io.read("report-2.html")).toContain('data-overlap="true"');
  }, 60_000);

  it("exits 0 when every rule holds, and --json - prints the report alone", async () => {
    const one = join(FIXTURES, "conformance-one.ts");
    const io = await runCli([one, "--json", "-", "--quiet", "--scenario", "create-to-ready"]);
    expect(io.code).toBe(0);
    expect(io.stderr).toBe("");
    expect((JSON.parse(io.stdout) as ConformanceReport).passed).toBe(true);
  });

  it("exits 2 with the usage for a module that cannot be loaded or describes nothing", async () => {
    expect(await usageError([join(FIXTURES, "nope.js")])).toContain("cannot load");
    expect(await usageError([join(FIXTURES, "../report-fixture.ts")])).toContain(
      "must export by default { backend",
    );
  });
});
