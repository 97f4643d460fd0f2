import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ConditionType, type ExplainReport } from "@provisionkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTERS, condition, type TestCluster } from "../support/cluster.ts";
import { World } from "../support/world.ts";

// `provisionkit explain` as a user runs it: the built bin, a child process, reading the
// object through the Kubernetes API simulator with the simulator's kubeconfig.
const BIN = resolve(import.meta.dirname, "../../packages/core/bin/provisionkit.mjs");
const WAIT = { timeout: 15_000, interval: 20 };
const run = promisify(execFile);

async function explain(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, "explain", ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("provisionkit explain against the Kubernetes API simulator", () => {
  let cluster: TestCluster;
  let world: World;
  let kubeconfig: string;
  beforeAll(async () => {
    cluster = await CLUSTERS[0]!.start();
    world = await World.start(cluster, "explain", {
      pendingMs: 200,
      waitingMs: 300,
      runMs: 1500,
      cancelDelayMs: 100,
    });
    kubeconfig = join(mkdtempSync(join(tmpdir(), "explain-")), "kubeconfig");
    writeFileSync(kubeconfig, cluster.kubeconfigText());
    await world.controller();
  });
  afterAll(async () => {
    await world.stop();
    await cluster.stop();
  });

  it("prints a running job and what the controller waits for, then the finished job's phases", async () => {
    await world.users.create("vm-1", { cores: 2 });
    await expect.poll(() => world.jobs("vm-1")[0]?.status, WAIT).toBe("running");
    const running = await explain([
      "computeinstance/vm-1",
      "-n",
      "explain",
      "--kubeconfig",
      kubeconfig,
    ]);
    expect(running.stderr).toBe("");
    expect(running.code).toBe(0);
    expect(running.stdout).toMatch(
      /Waiting for: provision job job:\d+ \(aap\), (Pending|Waiting|Running)/,
    );

    await expect
      .poll(async () => condition(await world.users.get("vm-1"), ConditionType.Ready)?.status, WAIT)
      .toBe("True");
    // KUBECONFIG, the namespace from -n, the output as JSON.
    const done = await explain(
      ["computeinstances.example.com/vm-1", "-n", "explain", "-o", "json"],
      {
        KUBECONFIG: kubeconfig,
      },
    );
    expect(done.code).toBe(0);
    const report = JSON.parse(done.stdout) as ExplainReport;
    expect(report.waitingFor).toMatch(/^nothing: Ready/);
    const [job] = report.jobs;
    expect(job?.state).toBe("Succeeded");
    const phases = Object.fromEntries(job!.phases.map((p) => [p.name, p.durationMs]));
    expect(Object.keys(phases)).toEqual([
      "queued",
      "prepare",
      "launch",
      "backend-queued",
      "running",
      "detection",
      "status-write",
    ]);
    // The simulator's script: pending 200 ms and waiting 300 ms, then 1.5 s running.
    expect(phases["backend-queued"]).toBe(500);
    expect(phases.running).toBe(1500);
    for (const p of job!.phases) expect(p.durationMs).toBeGreaterThanOrEqual(0);

    const text = await explain([
      "ComputeInstance/vm-1",
      "--namespace=explain",
      "--kubeconfig",
      kubeconfig,
    ]);
    expect(text.code).toBe(0);
    for (const line of text.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(text.stdout).toMatch(/^ {2}running +\+\S+ +1\.5s {2}\|/m);
    console.log(text.stdout);
  });

  it("says what it cannot find, and refuses usage errors", async () => {
    const missing = await explain([
      "computeinstance/nope",
      "-n",
      "explain",
      "--kubeconfig",
      kubeconfig,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('"nope" not found in namespace explain');
    const kind = await explain(["widget/vm-1", "--kubeconfig", kubeconfig]);
    expect(kind.code).toBe(1);
    expect(kind.stderr).toContain('no custom resource type "widget"');
    const context = await explain([
      "computeinstance/vm-1",
      "--kubeconfig",
      kubeconfig,
      "--context",
      "other",
    ]);
    expect(context.code).toBe(1);
    expect(context.stderr).toContain("other");
    const usage = await explain(["vm-1", "extra"]);
    expect(usage.code).toBe(2);
  });
});
