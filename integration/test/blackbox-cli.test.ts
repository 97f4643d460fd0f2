import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../packages/testing/src/cli/main.ts";

// `provisionkit-conformance blackbox` (issue 20): a CRD manifest in YAML, the operator's
// command line, a status map in JSON; the table, JSON, JUnit and HTML reports; exit 1 when a
// rule is broken (the Python operator's --bug endless-deletion, one scenario), 2 on a usage
// error.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const CRD_YAML = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: computeinstances.demo.provisionkit.io
spec:
  group: demo.provisionkit.io
  scope: Namespaced
  names:
    plural: computeinstances
    singular: computeinstance
    kind: ComputeInstance
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources:
        status: {}
`;
const STATUS_MAP = {
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

function io() {
  const captured = { stdout: "", stderr: "" };
  return {
    captured,
    io: {
      out: (t: string) => void (captured.stdout += t),
      err: (t: string) => void (captured.stderr += t),
    },
  };
}

describe("provisionkit-conformance blackbox", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "blackbox-cli-"));
    await writeFile(join(dir, "crd.yaml"), CRD_YAML);
    await writeFile(join(dir, "status-map.json"), JSON.stringify(STATUS_MAP));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "exits 1 on a broken rule and writes the table and the JSON, JUnit and HTML reports",
    { timeout: 30_000 },
    async () => {
      const { captured, io: cli } = io();
      const code = await main(
        [
          "blackbox",
          "--crd",
          join(dir, "crd.yaml"),
          "--operator-command",
          `${PYTHON} ${join(ROOT, "examples", "python-operator", "python_operator.py")} --bug endless-deletion`,
          "--status-map",
          join(dir, "status-map.json"),
          "--scenario",
          "delete-after-ready",
          "--timeout",
          "3000",
          "--json",
          join(dir, "report.json"),
          "--junit",
          join(dir, "report.xml"),
          "--html",
          join(dir, "report.html"),
        ],
        cli,
      );
      expect(code, captured.stderr).toBe(1);
      expect(captured.stderr).toMatch(/FAIL delete-after-ready \(E4\)/);
      expect(captured.stdout).toMatch(/delete-after-ready/);
      const report = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as {
        passed: boolean;
        scenarios: { id: string; violations: { rule: string; message: string }[] }[];
      };
      expect(report.passed).toBe(false);
      expect(report.scenarios[0]?.violations.map((v) => v.rule)).toEqual(["E4"]);
      expect(report.scenarios[0]?.violations[0]?.message).toMatch(
        /^E4: conformance\/delete-after-ready: demo\.provisionkit\.io\/teardown still not released at .*deprovision job \d+ \([^)]*succeeded\)\) — the deprovision job \(id \d+\) ended successful at \d+\.\d\d s, and the operator never observed it: poll GET \/api\/v2\/jobs\/\d+\/ until its status is terminal/,
      );
      expect(await readFile(join(dir, "report.xml"), "utf8")).toMatch(/<failure[^>]*>[^<]*E4: /);
      expect(await readFile(join(dir, "report.html"), "utf8")).toMatch(/deprovision/);
    },
  );

  it("exits 2 on a usage error: a status map with a typo, a missing --crd", async () => {
    await writeFile(
      join(dir, "typo.json"),
      JSON.stringify({ finalizer: "x", reconciledVersions: "status.v" }),
    );
    const typo = io();
    expect(
      await main(
        [
          "blackbox",
          "--crd",
          join(dir, "crd.yaml"),
          "--operator-command",
          "true",
          "--status-map",
          join(dir, "typo.json"),
        ],
        typo.io,
      ),
    ).toBe(2);
    expect(typo.captured.stderr).toMatch(
      /--status-map: status map: unknown field "reconciledVersions"/,
    );
    const missing = io();
    expect(await main(["blackbox", "--operator-command", "true"], missing.io)).toBe(2);
    expect(missing.captured.stderr).toMatch(
      /--crd, --operator-command and --status-map are required/,
    );
  });
});
