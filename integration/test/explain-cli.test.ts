import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ConditionType, type ExplainReport } from "@provisionkit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTERS, condition, type TestCluster } from "../support/cluster.ts";
import { CREATE, World } from "../support/world.ts";

// `provisionkit explain` as a user runs it: the built bin, a child process, reading the
// object through the Kubernetes API simulator with the simulator's kubeconfig.
const BIN = resolve(import.meta.dirname, "../../packages/core/bin/provisionkit.mjs");
const CLI = resolve(import.meta.dirname, "../../packages/core/dist/cli/index.js");
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
    // vm-1's job runs for a minute: it is still running whatever the load when explain reads it.
    world.aap.scriptNext(CREATE, { runMs: 60_000 });
    await world.users.create("vm-1", { cores: 2 });
    await expect
      .poll(async () => {
        const jobs = (await world.users.get("vm-1"))?.status?.provisioning as
          { jobs?: { state: string }[] } | undefined;
        return jobs?.jobs?.[0]?.state;
      }, WAIT)
      .toBe("Running");
    const running = await explain([
      "computeinstance/vm-1",
      "-n",
      "explain",
      "--kubeconfig",
      kubeconfig,
    ]);
    expect(running.stderr).toBe("");
    expect(running.code).toBe(0);
    expect(running.stdout).toMatch(/Waiting for: provision job job:\d+ \(aap\), Running for /);
    // Backend instants come with the job's end: until then one ongoing backend phase.
    expect(running.stdout).toMatch(/^ {2}backend +\+\S+ +\S+… {2}\|/m);

    await world.users.create("vm-2", { cores: 2 });

    await expect
      .poll(async () => condition(await world.users.get("vm-2"), ConditionType.Ready)?.status, WAIT)
      .toBe("True");
    // KUBECONFIG, the namespace from -n, the output as JSON.
    const done = await explain(
      ["computeinstances.example.com/vm-2", "-n", "explain", "-o", "json"],
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
      "ComputeInstance/vm-2",
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
    // The rest in process (the same main() the bin runs), to keep the test's cost down.
    const { main } = (await import(CLI)) as {
      main: (
        argv: string[],
        io: { out: (t: string) => void; err: (t: string) => void },
      ) => Promise<number>;
    };
    const call = async (argv: string[]) => {
      let err = "";
      const code = await main(argv, { out: () => undefined, err: (t) => (err += t) });
      return { code, err };
    };
    const kind = await call(["explain", "widget/vm-1", "--kubeconfig", kubeconfig]);
    expect(kind.code).toBe(1);
    expect(kind.err).toContain('no custom resource type "widget"');
    const context = await call([
      "explain",
      "vm/vm-1",
      "--kubeconfig",
      kubeconfig,
      "--context",
      "other",
    ]);
    expect(context.code).toBe(1);
    expect(context.err).toContain('context "other"');
    expect((await call(["explain", "vm-1"])).code).toBe(1); // not kind/name
    expect((await call(["explain", "a/b", "extra"])).code).toBe(2);
    expect((await call(["explain", "a/b", "-o", "yaml"])).code).toBe(2);
    expect((await call(["frobnicate"])).code).toBe(2);
  });
});
