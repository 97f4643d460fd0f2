/**
 * Cancel as AWX carries it out (src/aap/job-store.ts `cancel`, handlers/cancel.ts): the
 * pending-cancel modes, workflow jobs waiting for their node jobs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AapSimulator, VirtualClock, type AapSimulatorOptions } from "@provisionkit/testing";
import { body, call, V2 } from "./aap-support.js";

let aap: AapSimulator | undefined;
afterEach(() => aap?.stop());

async function start(options: Omit<AapSimulatorOptions, "clock"> = {}) {
  const clock = new VirtualClock();
  const sim = new AapSimulator({ clock, ...options });
  aap = sim;
  const url = await sim.start();
  const t0 = clock.now();
  const launch = async (kind: "job" | "workflow_job", script = {}) => {
    const name = `t-${sim.ledger().length}-${kind}`;
    const id =
      kind === "job"
        ? sim.addJobTemplate({ name, script })
        : sim.addWorkflowTemplate({ name, script });
    const list = kind === "job" ? "job_templates" : "workflow_job_templates";
    return body(await call(url, `${V2}${list}/${id}/launch/`, { body: {} })).id as number;
  };
  const cancel = (kind: string, id: number) =>
    call(url, `${V2}${kind}/${id}/cancel/`, { method: "POST" });
  const get = async (kind: string, id: number) => body(await call(url, `${V2}${kind}/${id}/`));
  return { clock, sim, t0, launch, cancel, get, at: (ms: number) => clock.set(t0 + ms) };
}

describe("AAP simulator: cancel of a pending job", () => {
  it("AWX 24.x (default): canceled inside the POST, never started", async () => {
    const { sim, t0, launch, cancel, get, at } = await start();
    const id = await launch("job", { pendingMs: 10_000 });
    at(100);
    expect((await cancel("jobs", id)).status).toBe(202);
    expect(await get("jobs", id)).toMatchObject({ status: "canceled", started: null });
    expect(sim.job(id)?.transitions).toEqual([
      { status: "pending", at: t0 },
      { status: "canceled", at: t0 + 100 },
    ]);
  });

  it("task-manager mode: stays pending after the 202 until the next cycle, explains, never starts", async () => {
    const { sim, t0, launch, cancel, get, at } = await start({ pendingCancel: "task-manager" });
    const id = await launch("job", { pendingMs: 10_000, cancelDelayMs: 2000 });
    at(100);
    expect((await cancel("jobs", id)).status).toBe(202);
    // `cancel_flag` is saved in the POST, and `save()` sets `canceled_on` with it
    // (awx/main/models/unified_jobs.py:925-929).
    expect(await get("jobs", id)).toMatchObject({
      status: "pending",
      canceled_on: new Date(t0 + 100).toISOString(),
    });
    expect(body(await call(sim.url, `${V2}jobs/${id}/cancel/`))).toEqual({ can_cancel: true });
    // A repeated cancel is accepted again and does not move the end.
    at(1000);
    expect((await cancel("jobs", id)).status).toBe(202);
    at(2099);
    expect((await get("jobs", id)).status).toBe("pending");
    at(2100);
    expect(await get("jobs", id)).toMatchObject({
      status: "canceled",
      started: null,
      job_explanation: "This job was canceled before it started.",
    });
    expect(sim.job(id)?.transitions).toEqual([
      { status: "pending", at: t0 },
      { status: "canceled", at: t0 + 2100 },
    ]);
    expect((await cancel("jobs", id)).status).toBe(405);
  });

  it("task-manager mode: a job due to leave pending sooner is canceled then instead of starting", async () => {
    const { sim, t0, launch, cancel, at } = await start({ pendingCancel: "task-manager" });
    const id = await launch("job", { pendingMs: 500, cancelDelayMs: 2000 });
    at(100);
    await cancel("jobs", id);
    at(5000);
    expect(sim.job(id)?.transitions).toEqual([
      { status: "pending", at: t0 },
      { status: "canceled", at: t0 + 500 },
    ]);
  });

  it("task-manager mode applies to pending workflow jobs too; started jobs are unchanged", async () => {
    const { sim, launch, cancel, at } = await start({ pendingCancel: "task-manager" });
    const workflow = await launch("workflow_job", { pendingMs: 10_000, cancelDelayMs: 300 });
    const running = await launch("job", { pendingMs: 0, waitingMs: 0, cancelDelayMs: 300 });
    await cancel("workflow_jobs", workflow);
    await cancel("jobs", running);
    expect(sim.job(workflow)?.status).toBe("pending");
    expect(sim.job(running)?.status).toBe("running");
    at(300);
    expect(sim.job(workflow)?.status).toBe("canceled");
    expect(sim.job(running)?.status).toBe("canceled");
  });

  it("refuses an unknown mode", () => {
    expect(
      () => new AapSimulator({ pendingCancel: "later" as AapSimulatorOptions["pendingCancel"] }),
    ).toThrow(RangeError);
  });
});

describe("AAP simulator: cancel of a running workflow job", () => {
  it("stays running, cancelable, until its node jobs concluded; then canceled, never failed", async () => {
    const { sim, launch, cancel, get, at } = await start();
    const id = await launch("workflow_job", {
      pendingMs: 0,
      runMs: 60_000,
      cancelDelayMs: 4000,
      cancelEndsAs: "failed",
    });
    at(1000);
    expect((await cancel("workflow_jobs", id)).status).toBe(202);
    at(4999);
    expect(await get("workflow_jobs", id)).toMatchObject({ status: "running", failed: false });
    expect((await cancel("workflow_jobs", id)).status).toBe(202);
    at(5000);
    expect(await get("workflow_jobs", id)).toMatchObject({
      status: "canceled",
      failed: true,
      job_explanation: "",
    });
    expect(sim.job(id)?.cancelRequestedAt).toBe(sim.clock.now() - 4000);
  });
});
