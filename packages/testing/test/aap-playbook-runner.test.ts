/**
 * AapPlaybookRunner on a stand-in for ansible-playbook (node running a script that reads
 * the `-e @file` extra vars and behaves as they say): the job's status follows the exit code,
 * a failed run shows AWX's fields for the failure mode chosen, and a cancel through the API
 * SIGKILLs the run's whole process group, as AAP's cancel does (AAP_CANCEL_SIGNAL). The real
 * ansible-playbook runs in integration/test/ansible-aap-chain.test.ts.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AAP_CANCEL_SIGNAL,
  AapPlaybookRunner,
  AapSimulator,
  REAL_PLAYBOOK_SCRIPT,
  type AapPlaybookRunnerOptions,
} from "@provisionkit/testing";
import { body, call, V2 } from "./aap-support.js";

const FAKE_PLAYBOOK = `
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
const vars = JSON.parse(readFileSync(process.argv[3].slice(1), "utf8"));
console.log("extra vars: " + JSON.stringify(vars));
if (vars.noise) process.stdout.write("x".repeat(vars.noise) + "\\nTHE END\\n");
if (vars.hang) {
  // Ignores the polite signals: only SIGKILL ends it, and its worker too.
  process.on("SIGINT", () => console.log("got SIGINT"));
  process.on("SIGTERM", () => console.log("got SIGTERM"));
  const worker = spawn(process.execPath, ["-e", "process.on('SIGTERM',()=>{});process.on('SIGINT',()=>{});setInterval(()=>{},1000)"], { stdio: "ignore" });
  console.log("worker pid " + worker.pid);
  setInterval(() => {}, 1000);
} else process.exitCode = vars.exitCode;
`;

/** Whether a process is gone (a zombie counts as gone: it runs nothing). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

describe("AapPlaybookRunner", () => {
  let dir: string;
  let aap: AapSimulator;
  let runner: AapPlaybookRunner;
  let url: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "provisionkit-runner-test-"));
    await writeFile(join(dir, "playbook.mjs"), FAKE_PLAYBOOK);
    aap = new AapSimulator({ defaultScript: REAL_PLAYBOOK_SCRIPT });
    url = await aap.start();
  });
  afterEach(async () => {
    await runner?.stop();
    await aap.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function launch(
    extraVars: Record<string, unknown>,
    options: Partial<AapPlaybookRunnerOptions> = {},
  ): Promise<number> {
    const template = aap.addJobTemplate({ name: "real", extraVars });
    runner = new AapPlaybookRunner({
      aap,
      playbooks: { real: join(dir, "playbook.mjs") },
      command: process.execPath,
      pollIntervalMs: 10,
      ...options,
    });
    runner.start();
    return body(await call(url, `${V2}job_templates/${template}/launch/`, { body: {} }))
      .id as number;
  }

  const ended = (id: number) =>
    vi.waitFor(
      () => {
        const job = aap.job(id);
        const run = runner.run(id);
        if (job?.finishedAt === undefined || run?.code === undefined) throw new Error("running");
        return { job, run };
      },
      { timeout: 20_000, interval: 10 },
    );

  const served = async (id: number) => body(await call(url, `${V2}jobs/${id}/`));

  it("runs the job's playbook with its extra vars; exit 0 is successful", async () => {
    const id = await launch({ exitCode: 0, marker: "m-1" });
    const { job, run } = await ended(id);
    expect(job.status).toBe("successful");
    expect(run.code).toBe(0);
    expect(run.output).toContain('"marker":"m-1"');
  });

  it("a non-zero exit fails the job with no traceback and no explanation, as AWX shows a failed playbook", async () => {
    const id = await launch({ exitCode: 3, noise: 10 });
    const { job, run } = await ended(id);
    expect(job.status).toBe("failed");
    expect(run).toMatchObject({ code: 3, canceled: false });
    expect(await served(id)).toMatchObject({
      status: "failed",
      result_traceback: "",
      job_explanation: "",
    });
  });

  it('failureAs "worker": error, "Job terminated due to error", and the last 1000 bytes of the output as "Worker output"', async () => {
    const id = await launch({ exitCode: 2, noise: 3000 }, { failureAs: "worker" });
    const { job, run } = await ended(id);
    expect(job.status).toBe("error");
    const output = Buffer.from(run.output);
    expect(output.length).toBeGreaterThan(3000);
    const job_ = await served(id);
    expect(job_).toMatchObject({
      status: "error",
      job_explanation: "Job terminated due to error",
      result_traceback: `Worker output:\n${output.subarray(output.length - 1000).toString()}`,
    });
    expect(job_.result_traceback).toMatch(/x+\nTHE END\n$/);
  });

  it("a command that cannot start fails the job (exit 127, as ansible-runner's missing process)", async () => {
    const id = await launch({ exitCode: 0 }, { command: join(dir, "no-such-ansible-playbook") });
    const { job, run } = await ended(id);
    expect(job.status).toBe("failed");
    expect(run.code).toBe(127);
    expect(run.output).toContain("ENOENT");
  });

  it("extra vars that cannot be written fail the job, and stop() still returns", async () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(dir, "no-such-dir");
    try {
      const id = await launch({ exitCode: 0 });
      const { job, run } = await ended(id);
      expect(job.status).toBe("failed");
      expect(run.code).toBe(127);
      expect(run.output).toContain("ENOENT");
      await runner.stop();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it("a cancel through the API ends the job canceled and SIGKILLs the run's process group", async () => {
    expect(AAP_CANCEL_SIGNAL).toBe("SIGKILL");
    const id = await launch({ hang: true });
    const workerPid = await vi.waitFor(
      () => {
        const pid = /worker pid (\d+)/.exec(runner.run(id)?.output ?? "")?.[1];
        if (pid === undefined) throw new Error("not started");
        return Number(pid);
      },
      { timeout: 20_000, interval: 10 },
    );
    expect(gone(workerPid)).toBe(false);
    expect((await call(url, `${V2}jobs/${id}/cancel/`, { method: "POST" })).status).toBe(202);
    const { job, run } = await ended(id);
    expect(job.status).toBe("canceled");
    expect(run).toMatchObject({ canceled: true, signal: "SIGKILL", code: null });
    // No polite signal came first: the playbook never saw SIGINT or SIGTERM.
    expect(run.output).not.toMatch(/got SIG/);
    // Its worker, in the same process group, was killed too.
    await vi.waitFor(
      () => {
        if (!gone(workerPid)) throw new Error(`worker ${workerPid} still runs`);
      },
      { timeout: 10_000, interval: 10 },
    );
  });
});
