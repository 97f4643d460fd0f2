import { describe, expect, it, vi } from "vitest";
import { AapSimulator, type AapTemplateDefinition, type VirtualClock } from "@provisionkit/testing";
import { body, call, edaVars, V2, withAap } from "./aap-support.js";

let clock: VirtualClock, aap: AapSimulator, url: string, t0: number;
withAap((sim) => ({ clock, aap, url, t0 } = sim));

async function launchJob(def: AapTemplateDefinition, vars?: Record<string, unknown>) {
  const id = aap.addJobTemplate(def);
  const reply = await call(url, `${V2}job_templates/${id}/launch/`, {
    body: vars ? { extra_vars: vars } : {},
  });
  return body(reply).id as number;
}

async function launchWorkflow(def: AapTemplateDefinition) {
  const id = aap.addWorkflowTemplate(def);
  const reply = await call(url, `${V2}workflow_job_templates/${id}/launch/`, { body: {} });
  return body(reply).id as number;
}

async function getJob(id: number, kind = "jobs") {
  return body(await call(url, `${V2}${kind}/${id}/`));
}

/** Moves the clock to t0 + ms. */
function at(ms: number): void {
  clock.set(t0 + ms);
}

const iso = (ms: number) => new Date(t0 + ms).toISOString();

describe("AAP simulator: job life cycle on a virtual clock (research §5)", () => {
  it("goes pending → waiting → running → successful at the exact scheduled instants", async () => {
    const id = await launchJob({ name: "jt" });
    const expected: [number, string][] = [
      [0, "pending"],
      [499, "pending"],
      [500, "waiting"],
      [999, "waiting"],
      [1000, "running"],
      [5999, "running"],
      [6000, "successful"],
      [60_000, "successful"],
    ];
    for (const [ms, status] of expected) {
      at(ms);
      expect((await getJob(id)).status, `at +${ms}`).toBe(status);
    }
    const job = await getJob(id);
    expect(job).toMatchObject({
      started: iso(1000),
      finished: iso(6000),
      elapsed: 5,
      failed: false,
      modified: iso(6000),
      event_processing_finished: true,
    });
  });

  it("shows started on entering running and a live elapsed while running", async () => {
    const id = await launchJob({
      name: "jt",
      script: { pendingMs: 100, waitingMs: 0, runMs: 1000 },
    });
    at(99);
    expect(await getJob(id)).toMatchObject({ started: null, elapsed: 0, finished: null });
    at(100);
    expect(await getJob(id)).toMatchObject({ status: "running", started: iso(100), elapsed: 0 });
    at(350);
    expect((await getJob(id)).elapsed).toBe(0.25);
    at(5000);
    expect(await getJob(id)).toMatchObject({ elapsed: 1, finished: iso(1100) });
  });

  it("runs workflow jobs pending → running → outcome, never waiting", async () => {
    const id = await launchWorkflow({ name: "wf", script: { pendingMs: 200, runMs: 800 } });
    for (const [ms, status] of [
      [0, "pending"],
      [199, "pending"],
      [200, "running"],
      [999, "running"],
      [1000, "successful"],
    ] as const) {
      at(ms);
      expect((await getJob(id, "workflow_jobs")).status, `at +${ms}`).toBe(status);
    }
    expect(aap.job(id)?.transitions).toEqual([
      { status: "pending", at: t0 },
      { status: "running", at: t0 + 200 },
      { status: "successful", at: t0 + 1000 },
    ]);
  });

  it("records the scheduled instants in the ledger, not when they were observed", async () => {
    const id = await launchJob({ name: "jt" });
    expect(aap.job(id)).toMatchObject({
      status: "pending",
      transitions: [{ status: "pending", at: t0 }],
    });
    at(123_456);
    expect(aap.job(id)).toMatchObject({
      status: "successful",
      createdAt: t0,
      startedAt: t0 + 1000,
      finishedAt: t0 + 6000,
      transitions: [
        { status: "pending", at: t0 },
        { status: "waiting", at: t0 + 500 },
        { status: "running", at: t0 + 1000 },
        { status: "successful", at: t0 + 6000 },
      ],
    });
    expect(aap.job(999_999)).toBeUndefined();
  });

  it("shows artifacts only once the job is terminal", async () => {
    const id = await launchJob({
      name: "jt",
      script: { outcome: "failed", artifacts: { config_version: "v7" } },
    });
    at(5999);
    expect((await getJob(id)).artifacts).toEqual({});
    at(6000);
    expect((await getJob(id)).artifacts).toEqual({ config_version: "v7" });
  });

  it("shows result_traceback and job_explanation once the job ended failed or error", async () => {
    const failed = await launchJob({
      name: "f",
      script: { outcome: "failed", resultTraceback: "Traceback…", jobExplanation: "boom" },
    });
    const error = await launchJob({
      name: "e",
      script: { outcome: "error", resultTraceback: "tb", jobExplanation: "unable to run" },
    });
    const ok = await launchJob({
      name: "s",
      script: { resultTraceback: "x", jobExplanation: "y" },
    });
    at(5999);
    expect(await getJob(failed)).toMatchObject({ result_traceback: "", job_explanation: "" });
    at(6000);
    expect(await getJob(failed)).toMatchObject({
      status: "failed",
      failed: true,
      result_traceback: "Traceback…",
      job_explanation: "boom",
    });
    expect(await getJob(error)).toMatchObject({
      status: "error",
      failed: true,
      result_traceback: "tb",
      job_explanation: "unable to run",
    });
    expect(await getJob(ok)).toMatchObject({ result_traceback: "", job_explanation: "" });
  });

  it("explains a failed workflow like AWX's workflow manager unless the script says otherwise", async () => {
    const id = await launchWorkflow({ name: "wf", script: { outcome: "failed", runMs: 10 } });
    at(510);
    expect(await getJob(id, "workflow_jobs")).toMatchObject({
      status: "failed",
      job_explanation: "No error handling paths found, marking workflow as failed",
    });
  });

  it("keeps a neverFinishes job running until finishJob ends it", async () => {
    const id = await launchJob({ name: "jt", script: { neverFinishes: true } });
    at(10 * 24 * 3600_000);
    expect((await getJob(id)).status).toBe("running");
    aap.finishJob(id, "error");
    expect(await getJob(id)).toMatchObject({ status: "error", finished: iso(10 * 24 * 3600_000) });
    expect(() => aap.finishJob(id, "successful")).toThrow(/already error/);
    expect(() => aap.finishJob(424_242, "successful")).toThrow(/unknown job/);
  });

  it("finishJob ends a pending job at once", async () => {
    const id = await launchJob({ name: "jt" });
    at(100);
    aap.finishJob(id, "canceled");
    expect(aap.job(id)?.transitions).toEqual([
      { status: "pending", at: t0 },
      { status: "canceled", at: t0 + 100 },
    ]);
    expect((await getJob(id)).canceled_on).toBe(iso(100));
  });
});

describe("AAP simulator: allow_simultaneous=false (research §5)", () => {
  it("keeps a new job pending until the template's earlier jobs are terminal", async () => {
    const template = aap.addJobTemplate({ name: "jt" });
    const launch = async () =>
      body(await call(url, `${V2}job_templates/${template}/launch/`, { body: {} })).id as number;
    const first = await launch();
    at(2000);
    const second = await launch();
    const third = await launch();
    at(5999);
    expect((await getJob(second)).status).toBe("pending");
    at(6000);
    expect((await getJob(first)).status).toBe("successful");
    expect((await getJob(second)).status).toBe("waiting");
    expect((await getJob(third)).status).toBe("pending");
    at(6500);
    expect((await getJob(second)).status).toBe("running");
    at(11_500);
    expect((await getJob(second)).status).toBe("successful");
    expect((await getJob(third)).status).toBe("waiting");
    expect(aap.job(third)?.transitions.map((step) => step.at - t0)).toEqual([2000, 11_500]);
  });

  it("explains after ~30 s which job holds it, and follows a forced end of the blocker", async () => {
    const template = aap.addJobTemplate({ name: "jt", script: { neverFinishes: true } });
    const launch = async () =>
      body(await call(url, `${V2}job_templates/${template}/launch/`, { body: {} })).id as number;
    const blocker = await launch();
    const held = await launch();
    at(29_999);
    expect(await getJob(held)).toMatchObject({ status: "pending", job_explanation: "" });
    at(30_000);
    expect(await getJob(held)).toMatchObject({
      status: "pending",
      job_explanation: `waiting for job-${blocker} to finish`,
    });
    aap.finishJob(blocker, "failed");
    expect(await getJob(held)).toMatchObject({ status: "waiting", job_explanation: "" });
    at(30_500);
    expect((await getJob(held)).status).toBe("running");
  });

  it("lets jobs of a template with allowSimultaneous run side by side", async () => {
    const template = aap.addJobTemplate({ name: "jt", allowSimultaneous: true });
    for (let i = 0; i < 2; i += 1) {
      await call(url, `${V2}job_templates/${template}/launch/`, { body: {} });
    }
    at(1000);
    expect(aap.ledger().map((job) => job.status)).toEqual(["running", "running"]);
  });

  it("never blocks workflow jobs or jobs of other templates", async () => {
    await launchJob({ name: "a" });
    await launchJob({ name: "b" });
    await launchWorkflow({ name: "w1" });
    at(1000);
    expect(aap.ledger().map((job) => job.status)).toEqual(["running", "running", "running"]);
  });
});

describe("AAP simulator: ledger", () => {
  it("extracts the resource from extra_vars.ansible_eda.event.payload", async () => {
    const namespaced = await launchJob({ name: "a" }, edaVars("c1", "team-a"));
    const cluster = await launchJob({ name: "b" }, edaVars("pool-1"));
    const none = await launchJob({ name: "c" }, { unrelated: true });
    expect(aap.job(namespaced)).toMatchObject({
      resource: {
        apiVersion: "osac.example/v1",
        kind: "ClusterOrder",
        namespace: "team-a",
        name: "c1",
        uid: "uid-c1",
      },
      resourceKey: "team-a/c1",
      templateName: "a",
      organization: "Default",
      kind: "job",
    });
    expect(aap.job(cluster)?.resourceKey).toBe("pool-1");
    expect(aap.job(cluster)?.resource).not.toHaveProperty("namespace");
    expect(aap.job(none)?.resource).toBeUndefined();
    expect(aap.job(none)).not.toHaveProperty("resourceKey");
    expect(aap.ledger().map((job) => job.id)).toEqual([namespaced, cluster, none]);
  });

  it("hands out copies", async () => {
    const id = await launchJob({ name: "a" }, { a: 1 });
    const entry = aap.job(id);
    if (entry) entry.extraVars.a = 2;
    expect(aap.job(id)?.extraVars).toEqual({ a: 1 });
  });
});

describe("AAP simulator: on the system clock", () => {
  it("computes the life cycle lazily from real time too", async () => {
    const real = new AapSimulator();
    const realUrl = await real.start();
    try {
      const template = real.addJobTemplate({
        name: "jt",
        script: { pendingMs: 0, waitingMs: 0, runMs: 30 },
      });
      const launched = body(
        await call(realUrl, `${V2}job_templates/${template}/launch/`, { body: {} }),
      );
      expect(["running", "successful"]).toContain(launched.status);
      await vi.waitFor(
        async () => {
          const job = body(await call(realUrl, `${V2}jobs/${String(launched.id)}/`));
          expect(job.status).toBe("successful");
        },
        { timeout: 5000, interval: 10 },
      );
      const entry = real.job(launched.id as number);
      expect((entry?.finishedAt ?? 0) - (entry?.startedAt ?? 0)).toBe(30);
    } finally {
      await real.stop();
    }
  });
});
