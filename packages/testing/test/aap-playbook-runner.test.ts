/**
 * AapPlaybookRunner on a stand-in for ansible-playbook (node running a script that reads
 * the `-e @file` extra vars and exits as they say): the job's status follows the exit code,
 * and a cancel through the API signals the run. The real ansible-playbook runs in
 * integration/test/ansible-aap-chain.test.ts.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AapPlaybookRunner, AapSimulator, REAL_PLAYBOOK_SCRIPT } from "@provisionkit/testing";
import { body, call, V2 } from "./aap-support.js";

const FAKE_PLAYBOOK = `
import { readFileSync } from "node:fs";
const vars = JSON.parse(readFileSync(process.argv[3].slice(1), "utf8"));
console.log("extra vars: " + JSON.stringify(vars));
if (vars.hang) setInterval(() => {}, 1000);
else process.exit(vars.exitCode);
`;

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

  async function launch(extraVars: Record<string, unknown>): Promise<number> {
    const template = aap.addJobTemplate({ name: "real", extraVars });
    runner = new AapPlaybookRunner({
      aap,
      playbooks: { real: join(dir, "playbook.mjs") },
      command: process.execPath,
      pollIntervalMs: 10,
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

  it("runs the job's playbook with its extra vars; exit 0 is successful", async () => {
    const id = await launch({ exitCode: 0, marker: "m-1" });
    const { job, run } = await ended(id);
    expect(job.status).toBe("successful");
    expect(run.code).toBe(0);
    expect(run.output).toContain('"marker":"m-1"');
  });

  it("a non-zero exit fails the job", async () => {
    const id = await launch({ exitCode: 3 });
    const { job, run } = await ended(id);
    expect(job.status).toBe("failed");
    expect(run).toMatchObject({ code: 3, canceled: false });
  });

  it("a cancel through the API ends the job canceled and SIGTERMs the run", async () => {
    const id = await launch({ hang: true });
    await vi.waitFor(
      () => {
        if (!runner.run(id)?.output.includes("extra vars")) throw new Error("not started");
      },
      { timeout: 20_000, interval: 10 },
    );
    expect((await call(url, `${V2}jobs/${id}/cancel/`, { method: "POST" })).status).toBe(202);
    const { job, run } = await ended(id);
    expect(job.status).toBe("canceled");
    expect(run).toMatchObject({ canceled: true, signal: "SIGTERM" });
  });
});
