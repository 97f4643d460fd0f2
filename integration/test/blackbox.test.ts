import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  runBlackBoxConformance,
  type BlackBoxConformanceOptions,
  type ConformanceReport,
} from "@provisionkit/testing";
import { beforeAll, describe, expect, it } from "vitest";

// The black-box operator suite (issue 20) on two operators it knows nothing of but their
// status fields: the standard-library Python operator of examples/python-operator (its
// correct mode passes; each --bug mode fails on its rule, with the message an author acts
// on) and examples/compute-operator started as a process of its own (it passes).
//
// Scenario subsets keep CI short: the correct Python mode runs every scenario but
// create-to-ready (spec-change begins with it); each bug mode
// runs the one scenario that shows its bug (overlap: delete-while-provisioning; no reconciled
// version: crash-mid-provision; endless deletion: delete-after-ready, in blackbox-cli.test.ts
// through the command line), with a shorter goal
// budget, since a bug mode fails by a goal not reached; the compute-operator runs
// crash-mid-deprovision (create, Ready, delete, SIGKILL during the teardown, restart, release).

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PYTHON_OPERATOR = join(ROOT, "examples", "python-operator", "python_operator.py");
const COMPUTE_OPERATOR = join(ROOT, "examples", "compute-operator");
// Debian's python3 directly: a pyenv shim first on PATH costs ~2 s per start under load.
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

const CRD = {
  group: "demo.provisionkit.io",
  version: "v1alpha1",
  plural: "computeinstances",
  kind: "ComputeInstance",
} as const;
const SPECS: [Record<string, unknown>, Record<string, unknown>] = [
  { image: "fedora-40", cores: 2, memoryGiB: 4 },
  { image: "fedora-40", cores: 4, memoryGiB: 8 },
];

/** The Python operator's own status fields and extra vars. */
const PYTHON_STATUS_MAP: BlackBoxConformanceOptions["statusMap"] = {
  finalizer: "demo.provisionkit.io/teardown",
  reconciledVersion: "status.reconciledConfigVersion",
  desiredVersion: "status.desiredConfigVersion",
  phase: "status.phase",
  job: {
    resourceName: "resource.name",
    resourceNamespace: "resource.namespace",
    configVersion: "config_version",
  },
};

function python(bug: string | undefined, scenarios?: string[], timeoutMs?: number) {
  return runBlackBoxConformance({
    crd: CRD,
    specs: SPECS,
    operator: { command: PYTHON, args: [PYTHON_OPERATOR, ...(bug ? ["--bug", bug] : [])] },
    statusMap: PYTHON_STATUS_MAP,
    ...(scenarios ? { scenarios } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

/** Every violation message of a report, with its rule. */
function violations(report: ConformanceReport): { rule: string; message: string }[] {
  return report.scenarios.flatMap((s) => s.violations);
}

function summary(report: ConformanceReport): string {
  return report.scenarios
    .map(
      (s) =>
        `${s.id}: ${s.status} ${s.violations.map((v) => v.message).join(" | ")} ${s.error ?? ""}`,
    )
    .join("\n");
}

describe("black-box suite on the Python operator", () => {
  it("passes the correct mode on every scenario", { timeout: 90_000 }, async () => {
    // create-to-ready is spec-change's first step.
    const ids = [
      "spec-change",
      "delete-after-ready",
      "delete-while-provisioning",
      "crash-mid-provision",
      "crash-mid-deprovision",
    ];
    const report = await python(undefined, ids);
    expect(report.scenarios.map((s) => [s.id, s.status])).toEqual(
      [
        "spec-change",
        "delete-after-ready",
        "delete-while-provisioning",
        "crash-mid-provision",
        "crash-mid-deprovision",
      ].map((id) => [id, "passed"]),
    );
    expect(report.passed, summary(report)).toBe(true);
  });

  it(
    "fails --bug overlap on E1, naming both jobs and what to do",
    { timeout: 30_000 },
    async () => {
      const report = await python("overlap", ["delete-while-provisioning"]);
      expect(report.passed).toBe(false);
      const found = violations(report);
      expect(
        found.map((v) => v.rule),
        summary(report),
      ).toEqual(["E1"]);
      expect(found[0]?.message).toMatch(
        /^E1: conformance\/delete-while-provisioning: a deprovision job \(id \d+\) was launched at \d+\.\d\d s while the provision job \(id \d+\) was still running .* — cancel the provision \(POST \/api\/v2\/jobs\/\d+\/cancel\/\) or wait for it/,
      );
    },
  );

  it(
    "fails --bug no-reconciled-version on E3 (never recorded) and E2 (re-provisioned after a restart)",
    { timeout: 40_000 },
    async () => {
      const report = await python("no-reconciled-version", ["crash-mid-provision"], 5_000);
      const [crash] = report.scenarios;
      expect(crash?.status).toBe("failed");
      expect(new Set(crash?.violations.map((v) => v.rule)), summary(report)).toEqual(
        new Set(["E2", "E3"]),
      );
      expect(crash?.violations[0]?.message).toMatch(
        /succeeded, but at \d+\.\d\d s the reconciled version read is still \(none\) — when a provision job ends successful, write the version it applied into status\.reconciledConfigVersion/,
      );
      // After the restart it lost what it had launched: the same spec is provisioned again.
      expect(
        crash?.violations.map((v) => v.rule),
        summary(report),
      ).toContain("E2");
      expect(crash?.violations.find((v) => v.rule === "E2")?.message).toMatch(
        /launched after provision job \d+ .* had succeeded, with no change by the user/,
      );
    },
  );
});

describe("black-box suite on examples/compute-operator as a process", () => {
  beforeAll(async () => {
    // The example's process entry (src/process.ts), built as the example builds.
    await promisify(execFile)(
      join(COMPUTE_OPERATOR, "node_modules", ".bin", "tsup"),
      ["--silent"],
      {
        cwd: COMPUTE_OPERATOR,
      },
    );
  }, 60_000);

  it("passes", { timeout: 60_000 }, async () => {
    const report = await runBlackBoxConformance({
      crd: CRD,
      specs: SPECS,
      operator: { command: process.execPath, args: [join(COMPUTE_OPERATOR, "dist", "process.js")] },
      // provisionkit's own status mapping is the default: only the finalizer is named.
      statusMap: { finalizer: "demo.provisionkit.io/teardown" },
      aap: {
        templates: { provision: "create-compute-instance", deprovision: "delete-compute-instance" },
      },
      scenarios: ["crash-mid-deprovision"],
      // A Node process with client-node takes seconds to start on a loaded machine.
      timeoutMs: 20_000,
      onProgress: (e) => {
        if (e.type === "scenario-end")
          console.log(e.result.id, e.result.status, e.result.durationMs);
      },
    });
    expect(report.passed, summary(report)).toBe(true);
    expect(report.scenarios.every((s) => s.status === "passed")).toBe(true);
  });
});
