import type { AapLedgerJob } from "@provisionkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import { breakdownRows, jobsWithoutRecord, type RecordedJob } from "../src/breakdown.ts";
import { createWorld, type DemoWorld } from "../src/demo-world.ts";
import { provisioningOf } from "../src/observer.ts";
import { operationsLines, readOperations, sampleOf, shownSeries } from "../src/operations.ts";
import { computeInstanceOperator } from "../src/operator.ts";
import { CREATE, DELETE, operatorInstances, startDemoAap } from "../src/story-kit.ts";

/** Collects what the story prints. */
function buffer() {
  let text = "";
  return {
    output: { write: (chunk: string) => ((text += chunk), true), isTTY: false },
    text: () => text,
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The job records still on the resources `names`. */
async function currentJobs(world: DemoWorld, names: readonly string[]): Promise<RecordedJob[]> {
  const jobs: RecordedJob[] = [];
  for (const name of names) {
    const status = provisioningOf(await world.kubectl.get(name));
    for (const job of status?.jobs ?? []) jobs.push({ resource: world.keyOf(name), job });
  }
  return jobs;
}

const c = 'controller="computeinstance"';
const jobSeries = (metric: string, type: string, state?: string) =>
  `${metric}{${c},type="${type}",provider="aap"${state ? `,state="${state}"` : ""}}`;

describe("the demo's operations report", () => {
  it("after a scripted lifecycle: the scrape counts its jobs, health answers, and every AAP job has a breakdown", async () => {
    const log = buffer();
    const world: DemoWorld = await createWorld({ quiet: [], output: log.output });
    cleanups.push(() => world.kube.stop());
    const { aap, jobsOf } = await startDemoAap(world, { script: { runMs: 300 } });
    cleanups.push(() => aap.stop());
    const start = operatorInstances(
      world,
      () =>
        computeInstanceOperator({
          kubeConfig: world.kubeConfig,
          aap: { url: aap.url, token: "sim-token" },
          logger: world.logger,
          metrics: world.metrics,
          tracer: world.recorder,
          engine: world.engine,
        }),
      () => {},
    );
    const operator = await start();
    cleanups.push(() => operator.stop());

    // web-1 and cache-1 provisioned; db-1's first provision fails and its retry succeeds;
    // cache-1 deleted, its teardown succeeds.
    aap.scriptNext(CREATE, { runMs: 300 });
    await world.userCreates("web-1", { image: "rhel-9.4", cores: 2, memoryGiB: 4 }, "ok");
    aap.scriptNext(CREATE, { runMs: 300 });
    await world.userCreates("cache-1", { image: "fedora-40", cores: 1, memoryGiB: 2 }, "ok");
    await world.until("web-1's and cache-1's jobs are launched", () =>
      ["web-1", "cache-1"].every((name) => jobsOf(name).length === 1),
    );
    aap.scriptNext(CREATE, { runMs: 300, outcome: "failed" });
    await world.userCreates("db-1", { image: "rhel-9.4", cores: 4, memoryGiB: 16 }, "fails");
    await world.until("cache-1 is Ready", () => world.isReady("cache-1"));
    aap.scriptNext(DELETE, { runMs: 300 });
    await world.kubectl.delete("cache-1");
    await world.until("cache-1 is deleted", () => world.isGone("cache-1"));
    await world.until("web-1 is Ready", () => world.isReady("web-1"));
    await world.until("db-1 is Ready after its retry", () => world.isReady("db-1"));

    const report = await readOperations(operator, {
      target: "computeinstance/db-1",
      read: () => world.kubectl.get("db-1"),
    });

    // Health, asked while the controller ran.
    expect(report.healthz).toEqual({ status: 200, body: "ok\n" });
    expect(report.readyz.status).toBe(200);
    expect(report.readyz.body).toContain("readyz check passed");

    // The scrape, once the controller stopped: the lifecycle's jobs, by type and state.
    const { scrape } = report;
    const ledger = aap.ledger();
    expect(ledger.map((job) => `${job.templateName} ${job.status}`).sort()).toEqual([
      "create-compute-instance failed",
      "create-compute-instance successful",
      "create-compute-instance successful",
      "create-compute-instance successful",
      "delete-compute-instance successful",
    ]);
    const launched = "provisionkit_jobs_launched_total";
    const finished = "provisionkit_jobs_finished_total";
    expect(sampleOf(scrape, jobSeries(launched, "provision"))).toBe(4);
    expect(sampleOf(scrape, jobSeries(launched, "deprovision"))).toBe(1);
    expect(sampleOf(scrape, jobSeries(finished, "provision", "Succeeded"))).toBe(3);
    expect(sampleOf(scrape, jobSeries(finished, "provision", "Failed"))).toBe(1);
    expect(sampleOf(scrape, jobSeries(finished, "deprovision", "Succeeded"))).toBe(1);
    expect(
      sampleOf(scrape, jobSeries("provisionkit_job_duration_seconds_count", "provision", "Failed")),
    ).toBe(1);
    const ready = `provisionkit_time_to_ready_seconds_count{${c},since="creation"}`;
    expect(sampleOf(scrape, ready)).toBe(3);
    expect(sampleOf(scrape, `provisionkit_deletion_duration_seconds_count{${c}}`)).toBe(1);
    expect(sampleOf(scrape, `controller_runtime_reconcile_errors_total{${c}}`)).toBe(0);
    const reconciles = sampleOf(
      scrape,
      `controller_runtime_reconcile_total{${c},result="success"}`,
    );
    expect(reconciles).toBe(world.counters.reconciles - world.counters.conflicts);
    expect(sampleOf(scrape, `controller_runtime_reconcile_time_seconds_count{${c}}`)).toBe(
      world.counters.reconciles,
    );
    // Idle once stopped: no worker busy, nothing queued.
    expect(sampleOf(scrape, `controller_runtime_active_workers{${c}}`)).toBe(0);
    expect(sampleOf(scrape, `workqueue_depth{name="computeinstance",${c}}`)).toBe(0);
    const shown = shownSeries(scrape);
    expect(shown).toContain(`${jobSeries(finished, "provision", "Failed")} 1`);
    expect(shown.some((line) => line.startsWith("rest_client_"))).toBe(false);
    expect(shown.some((line) => line.includes("_bucket"))).toBe(false);

    // Every AAP job has a record with its phases: the deleted cache-1's jobs too.
    const jobs = world.recorder.jobs(await currentJobs(world, ["web-1", "db-1"]));
    const jobIdOf = (job: AapLedgerJob) => `${job.kind}:${job.id}`;
    expect(jobsWithoutRecord(ledger, jobs, jobIdOf)).toEqual([]);
    expect(jobs).toHaveLength(ledger.length);
    const rows = breakdownRows(jobs).map((row) => row.map((cell) => cell.text));
    const header = rows[0]!;
    for (const job of ledger) {
      const row = rows.find((r) => r[0] === job.resourceKey && r[1] === jobIdOf(job));
      expect(row, jobIdOf(job)).toBeDefined();
      // AAP reports created, started and finished: every phase is known, launch included.
      for (const column of [
        "QUEUED",
        "PREPARE",
        "LAUNCH",
        "BACKEND-QUEUED",
        "RUNNING",
        "DETECTION",
      ]) {
        expect(row![header.indexOf(column)], `${jobIdOf(job)} ${column}`).toMatch(/^-?\d/);
      }
    }

    // explain of db-1 lists both of its jobs, the failed one first.
    expect(report.explain?.text).toMatch(/ComputeInstance\/db-1[\s\S]*Failed[\s\S]*Succeeded/);
    const lines = operationsLines(report, (cell) => cell.text).join("\n");
    expect(lines).toContain("$ provisionkit explain computeinstance/db-1");
    expect(lines).toContain(`GET ${report.url}/readyz → 200`);
  }, 60_000);
});
