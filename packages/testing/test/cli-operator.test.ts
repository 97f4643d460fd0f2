/**
 * `provisionkit-conformance` on operator subjects: the operator suite from the command
 * line, mixed modules, `--scenario` across both suites, and `--kubeconfig` / `--namespace`.
 * The operator suite runs in real time, so each run here picks one or two scenarios.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "../src/cli/args.js";
import type { ConformanceReport } from "../src/conformance/types.js";
import { KubernetesApiSimulator } from "../src/kubernetes/simulator.js";
import { FIXTURES, runCli, runCliWithReports, tempDir, usageError } from "./cli-support.js";

const OPERATOR = join(FIXTURES, "conformance-operator.ts");
const MIXED = join(FIXTURES, "conformance-mixed.ts");

describe("provisionkit-conformance on operator subjects", () => {
  it("parses --kubeconfig and --namespace, and refuses --namespace alone", () => {
    expect(parseArgs(["m.mjs", "--kubeconfig", "kube.yaml", "--namespace", "ns"])).toEqual({
      module: "m.mjs",
      kubeconfig: "kube.yaml",
      namespace: "ns",
      scenarios: [],
      quiet: false,
    });
    expect(() => parseArgs(["m.mjs", "--namespace", "ns"])).toThrow(UsageError);
    expect(() => parseArgs(["m.mjs", "--namespace", "ns"])).toThrow(
      "--namespace needs --kubeconfig",
    );
    expect(() => parseArgs(["m.mjs", "--kubeconfig"])).toThrow("--kubeconfig needs a value");
    expect(() => parseArgs(["m.mjs", "--kubeconfig", "k", "--namespace"])).toThrow(
      "--namespace needs a value",
    );
  });

  it(
    "runs an operator subject on the simulator: progress, an operator table, JSON, JUnit, HTML, exit 0",
    { timeout: 60_000 },
    async () => {
      const io = await runCliWithReports([OPERATOR, "--scenario", "create-to-ready"]);
      expect(io.stderr).toContain(
        "Widget operator: 1 scenarios of the operator suite on the Kubernetes API simulator",
      );
      expect(io.stderr).toMatch(/\[1\/1\] ok {3}create-to-ready \d+ ms/);
      expect(io.stdout).toContain("provisionkit operator conformance: Widget operator");
      expect(io.stdout).toContain("PASSED: 1 passed, 0 failed, 0 skipped");
      expect(io.code).toBe(0);
      const report = JSON.parse(await io.read("report.json")) as ConformanceReport;
      expect(report.suite).toBe("operator");
      expect(report.passed).toBe(true);
      expect(report.scenarios.map((s) => [s.id, s.status])).toEqual([
        ["create-to-ready", "passed"],
      ]);
      expect(report.rules.map((r) => r.rule)).toEqual(["P6", "E1", "E2", "E3", "E4", "E5", "L1"]);
      const junit = await io.read("junit.xml");
      expect(junit).toContain('name="provisionkit operator conformance: Widget operator"');
      expect(junit).toContain('classname="operator.Widget operator"');
      const html = await io.read("report.html");
      expect(html).toContain("<h1>provisionkit operator conformance: Widget operator</h1>");
    },
  );

  it(
    "runs a mixed module, each subject on the --scenario ids of its own suite",
    { timeout: 60_000 },
    async () => {
      const io = await runCli([
        MIXED,
        "--json",
        "-",
        "--quiet",
        "--scenario",
        "delete-before-provisioning",
        "--scenario",
        "delete-after-ready",
      ]);
      expect(io.stderr).toBe("");
      expect(io.code).toBe(0);
      const reports = JSON.parse(io.stdout) as ConformanceReport[];
      expect(
        reports.map((r) => [r.suite, r.subject, r.passed, r.scenarios.map((s) => s.id)]),
      ).toEqual([
        ["provider", "MemoryProvider", true, ["delete-before-provisioning"]],
        ["operator", "Widget operator", true, ["delete-after-ready"]],
      ]);
    },
  );

  it("an id in both suites runs in both; a subject none of the ids is for is not run", async () => {
    const both = await runCli([MIXED, "--quiet", "--scenario", "create-to-ready"]);
    expect(both.code).toBe(0);
    expect(both.stdout).toContain("provisionkit provider conformance: MemoryProvider");
    expect(both.stdout).toContain("provisionkit operator conformance: Widget operator");
    expect(both.stdout).toMatch(/operator conformance: Widget operator[\s\S]*create-to-ready/);
    expect(both.stdout).not.toContain("spec-change");

    const providerOnly = await runCli([MIXED, "--scenario", "spec-a-b-a"]);
    expect(providerOnly.code).toBe(0);
    expect(providerOnly.stderr).toContain(
      "Widget operator: not run, no --scenario of the operator suite",
    );
    expect(providerOnly.stdout).toContain("provisionkit provider conformance: MemoryProvider");
    expect(providerOnly.stdout).not.toContain("operator conformance");
  }, 60_000);

  it("exits 2 on a --scenario known to neither suite, or to no suite the module has", async () => {
    const unknown = await usageError([MIXED, "--scenario", "nope"]);
    expect(unknown).toContain("unknown scenario nope: provider scenarios are create-to-ready,");
    expect(unknown).toContain("operator scenarios are create-to-ready, spec-change,");

    expect(await usageError([OPERATOR, "--scenario", "spec-a-b-a"])).toContain(
      `scenario spec-a-b-a belongs to the provider suite, and ${OPERATOR} has no provider subject`,
    );
    const providerModule = join(FIXTURES, "conformance-one.ts");
    expect(await usageError([providerModule, "--scenario", "restart-mid-job"])).toContain(
      `scenario restart-mid-job belongs to the operator suite, and ${providerModule} has no operator subject`,
    );
  });

  it("exits 2 naming the subject, its suite and what it lacks", async () => {
    expect(await usageError([join(FIXTURES, "conformance-bad-operator.ts")])).toContain(
      "subject 2 (suite operator) needs crd, operator, spec, finalizer",
    );

    expect(await usageError([join(FIXTURES, "conformance-no-suite.ts")])).toContain(
      'subject 1 (suite provider) needs backend (an operator subject needs suite: "operator")',
    );
  });

  it(
    "runs operator subjects on the --kubeconfig cluster, in --namespace, never printing the file",
    { timeout: 60_000 },
    async () => {
      // The "cluster": a simulator of our own, so what the suite did there can be read back.
      const cluster = new KubernetesApiSimulator({
        crds: [{ group: "example.com", version: "v1", plural: "widgets", kind: "Widget" }],
        token: "cli-kubeconfig-s3cr3t-token",
      });
      await cluster.start();
      try {
        const dir = await tempDir();
        const kubeconfig = join(dir, "kubeconfig.json");
        const text = cluster.kubeconfig();
        await writeFile(kubeconfig, text);
        const token = "cli-kubeconfig-s3cr3t-token";
        expect(text).toContain(token);
        const args = [OPERATOR, "--kubeconfig", kubeconfig, "--namespace", "ci"];
        const io = await runCli([...args, "--scenario", "create-to-ready"]);
        expect(io.stderr).toContain(
          `Widget operator: 1 scenarios of the operator suite on the cluster of ${kubeconfig}, namespace ci`,
        );
        expect(io.code).toBe(0);
        const created = cluster
          .history()
          .filter((w) => w.verb === "create" && w.ref.plural === "widgets");
        expect(created.map((w) => w.ref.namespace)).toEqual(["ci"]);
        // The scenario cleaned up after itself.
        expect(cluster.listObjects({ group: "example.com", plural: "widgets" }, "ci")).toEqual([]);
        expect(io.stdout + io.stderr).not.toContain(token);
      } finally {
        await cluster.stop();
      }
    },
  );

  it("exits 2 naming a kubeconfig it cannot read (and not its contents), or --namespace alone", async () => {
    const dir = await tempDir();
    const nowhere = join(dir, "missing.yaml");
    expect(await usageError([OPERATOR, "--kubeconfig", nowhere])).toContain(
      `cannot read the kubeconfig ${nowhere} (ENOENT)`,
    );
    expect(await usageError([OPERATOR, "--kubeconfig", dir])).toContain(
      `cannot read the kubeconfig ${dir} (EISDIR)`,
    );
    await writeFile(join(dir, "empty.yaml"), "\n");
    expect(await usageError([OPERATOR, "--kubeconfig", join(dir, "empty.yaml")])).toContain(
      "is empty",
    );
    expect(await usageError([OPERATOR, "--namespace", "ci"])).toContain(
      "--namespace needs --kubeconfig",
    );
  });
});
