import { describe, expect, it } from "vitest";
import type { AapSimulator, AapJobScript, VirtualClock } from "@provisionkit/testing";
import { body, call, edaVars, GW, V2, type Reply, withAap } from "./aap-support.js";

let clock: VirtualClock, aap: AapSimulator, url: string, t0: number;
withAap((sim) => ({ clock, aap, url, t0 } = sim));

let templates = 0;
async function launchJob(script?: AapJobScript, vars?: Record<string, unknown>): Promise<number> {
  const id = aap.addJobTemplate({ name: `jt-${(templates += 1)}`, ...(script ? { script } : {}) });
  const reply = await call(url, `${V2}job_templates/${id}/launch/`, {
    body: vars ? { extra_vars: vars } : {},
  });
  return body(reply).id as number;
}

async function launchWorkflow(script?: AapJobScript): Promise<number> {
  const id = aap.addWorkflowTemplate({
    name: `wf-${(templates += 1)}`,
    ...(script ? { script } : {}),
  });
  const reply = await call(url, `${V2}workflow_job_templates/${id}/launch/`, { body: {} });
  return body(reply).id as number;
}

const ids = (reply: Reply) => (body(reply).results as { id: number }[]).map((job) => job.id);
const iso = (ms: number) => new Date(t0 + ms).toISOString();
const at = (ms: number) => clock.set(t0 + ms);

describe("AAP simulator: job details (research §5)", () => {
  it("shares one id sequence between jobs and workflow jobs; the other kind's path is a 404", async () => {
    const job = await launchJob();
    const workflow = await launchWorkflow();
    expect(workflow).toBe(job + 1);
    for (const base of [V2, GW]) {
      expect((await call(url, `${base}jobs/${job}/`)).status).toBe(200);
      expect((await call(url, `${base}workflow_jobs/${workflow}/`)).status).toBe(200);
      expect((await call(url, `${base}jobs/${workflow}/`)).status).toBe(404);
      expect((await call(url, `${base}workflow_jobs/${job}/`)).status).toBe(404);
      expect((await call(url, `${base}jobs/${workflow}/cancel/`)).status).toBe(404);
      expect((await call(url, `${base}workflow_jobs/${job}/cancel/`, { body: {} })).status).toBe(
        404,
      );
    }
    const missing = await call(url, `${V2}jobs/1/`);
    expect(missing.status).toBe(404);
    expect(typeof body(missing).detail).toBe("string");
  });

  it("serializes extra_vars as a JSON string and links with the request's prefix", async () => {
    const id = await launchJob(undefined, { b: [1, "x"], a: { c: null } });
    const job = body(await call(url, `${GW}jobs/${id}/`));
    expect(job.extra_vars).toBe('{"b": [1, "x"], "a": {"c": null}}');
    expect(job.related).toMatchObject({
      cancel: `/api/controller/v2/jobs/${id}/cancel/`,
      stdout: `/api/controller/v2/jobs/${id}/stdout/`,
    });
    expect(job.summary_fields).toMatchObject({ organization: { name: "Default" } });
  });
});

describe("AAP simulator: job lists and filters", () => {
  it("filters by status, status__in, template and creation time", async () => {
    const a = await launchJob({ runMs: 1000 });
    at(1000);
    const b = await launchJob({ neverFinishes: true });
    at(2000);
    const c = await launchJob({ outcome: "failed", pendingMs: 0, waitingMs: 0, runMs: 0 });
    const list = (query: string) => call(url, `${V2}jobs/?${query}`);
    expect(ids(await list("status=running"))).toEqual([b]);
    expect(ids(await list("status__in=successful,failed"))).toEqual([a, c]);
    expect(ids(await list(`job_template=${aap.job(b)?.templateId}`))).toEqual([b]);
    expect(ids(await list(`unified_job_template=${aap.job(c)?.templateId}`))).toEqual([c]);
    expect(ids(await list(`created__gte=${iso(1000)}`))).toEqual([b, c]);
    expect(ids(await list(`created__gt=${iso(1000)}`))).toEqual([c]);
    expect(ids(await list(`created__lt=${iso(1000)}`))).toEqual([a]);
    expect(
      ids(await list(`created__lte=${encodeURIComponent("2026-01-01T00:00:01+00:00")}`)),
    ).toEqual([a, b]);
    expect(ids(await list("failed=true"))).toEqual([c]);
    expect(ids(await list("order_by=-created"))).toEqual([c, b, a]);
    expect((await list("created__gte=yesterday")).status).toBe(400);
  });

  it("serves extra_vars in the list as json.dumps text; filtering on it is a 403 (aap-filters)", async () => {
    const a = await launchJob(undefined, edaVars("c1", "ns"));
    const b = await launchJob(undefined, edaVars("c2", "ns"));
    const results = body(await call(url, `${V2}jobs/`)).results as Record<string, unknown>[];
    expect(results.map((job) => job.id)).toEqual([a, b]);
    // The text is Python's json.dumps output: `"key": "value"`.
    expect(results[1]?.extra_vars).toContain('"uid": "uid-c2"');
    expect((await call(url, `${V2}jobs/?extra_vars__icontains=uid-c2`)).status).toBe(403);
  });

  it("lists workflow jobs on their own, filtered by workflow_job_template", async () => {
    await launchJob();
    const wf = await launchWorkflow();
    const templateId = aap.job(wf)?.templateId;
    expect(ids(await call(url, `${V2}workflow_jobs/`))).toEqual([wf]);
    expect(ids(await call(url, `${V2}workflow_jobs/?workflow_job_template=${templateId}`))).toEqual(
      [wf],
    );
    expect((await call(url, `${V2}workflow_jobs/?job_template=1`)).status).toBe(400);
    expect((await call(url, `${V2}jobs/?workflow_job_template=1`)).status).toBe(400);
  });

  it("pages job lists with relative links", async () => {
    for (let i = 0; i < 3; i += 1) await launchJob();
    const page = body(await call(url, `${GW}jobs/?page_size=2&status=pending`));
    expect(page).toMatchObject({
      count: 3,
      next: "/api/controller/v2/jobs/?page=2&page_size=2&status=pending",
      previous: null,
    });
  });
});

describe("AAP simulator: cancel (research §6)", () => {
  it("answers can_cancel, 202 with an empty body (repeatable), then 405 once terminal", async () => {
    const id = await launchJob({ cancelDelayMs: 1000 });
    const cancel = `${V2}jobs/${id}/cancel/`;
    at(2000);
    expect(body(await call(url, cancel))).toEqual({ can_cancel: true });
    const first = await call(url, cancel, { method: "POST" });
    expect(first.status).toBe(202);
    expect(first.text).toBe("");
    expect(first.headers["content-type"]).toBeUndefined();
    at(2500);
    expect((await call(url, cancel, { method: "POST" })).status).toBe(202);
    expect(body(await call(url, `${V2}jobs/${id}/`))).toMatchObject({
      status: "running",
      canceled_on: iso(2000),
    });
    at(2999);
    expect(body(await call(url, `${V2}jobs/${id}/`)).status).toBe("running");
    at(3000);
    expect(body(await call(url, `${V2}jobs/${id}/`))).toMatchObject({
      status: "canceled",
      failed: true,
      finished: iso(3000),
      canceled_on: iso(2000),
    });
    expect(body(await call(url, cancel))).toEqual({ can_cancel: false });
    const late = await call(url, cancel, { method: "POST" });
    expect(late.status).toBe(405);
    expect(late.text).toBe('{"detail":"Method \\"POST\\" not allowed."}');
    expect(Buffer.byteLength(late.text)).toBe(41);
    expect(aap.job(id)).toMatchObject({ cancelRequestedAt: t0 + 2000, finishedAt: t0 + 3000 });
  });

  it("cancels a pending job inside the POST", async () => {
    const id = await launchJob();
    at(100);
    expect((await call(url, `${V2}jobs/${id}/cancel/`, { method: "POST" })).status).toBe(202);
    expect(body(await call(url, `${V2}jobs/${id}/`))).toMatchObject({
      status: "canceled",
      started: null,
      finished: iso(100),
    });
  });

  it("cancels a pending workflow job at once and a running one after the delay", async () => {
    const pending = await launchWorkflow();
    const running = await launchWorkflow({ pendingMs: 0, cancelDelayMs: 300 });
    expect(
      (await call(url, `${V2}workflow_jobs/${pending}/cancel/`, { method: "POST" })).status,
    ).toBe(202);
    expect(
      (await call(url, `${V2}workflow_jobs/${running}/cancel/`, { method: "POST" })).status,
    ).toBe(202);
    expect(aap.job(pending)?.status).toBe("canceled");
    expect(aap.job(running)?.status).toBe("running");
    at(300);
    expect(aap.job(running)?.status).toBe("canceled");
  });

  it("can end a canceled job as failed (cancelEndsAs), with AWX's shutdown explanation", async () => {
    const id = await launchJob({ cancelEndsAs: "failed", cancelDelayMs: 200 });
    at(1500);
    await call(url, `${V2}jobs/${id}/cancel/`, { method: "POST" });
    at(1700);
    expect(body(await call(url, `${V2}jobs/${id}/`))).toMatchObject({
      status: "failed",
      job_explanation: "Task was canceled due to receiving a shutdown signal.",
      canceled_on: iso(1500),
    });
  });

  it("lets a job that ends by itself during the cancel delay keep its own outcome", async () => {
    const id = await launchJob({ runMs: 1000, cancelDelayMs: 5000 });
    at(1500);
    await call(url, `${V2}jobs/${id}/cancel/`, { method: "POST" });
    at(10_000);
    expect(aap.job(id)).toMatchObject({ status: "successful", finishedAt: t0 + 2000 });
  });

  it("answers 404 for an unknown or purged job", async () => {
    const id = await launchJob();
    expect((await call(url, `${V2}jobs/424242/cancel/`, { method: "POST" })).status).toBe(404);
    aap.purgeJob(id);
    expect((await call(url, `${V2}jobs/${id}/cancel/`, { method: "POST" })).status).toBe(404);
    expect((await call(url, `${V2}jobs/${id}/cancel/`)).status).toBe(404);
    expect(aap.job(id)?.cancelRequestedAt).toBeUndefined();
  });
});

describe("AAP simulator: purge and DELETE (research §7)", () => {
  it("purgeJob hides a job from every path; the ledger keeps it with purgedAt", async () => {
    const id = await launchJob();
    at(7000);
    aap.purgeJob(id);
    aap.purgeJob(id);
    at(8000);
    expect((await call(url, `${V2}jobs/${id}/`)).status).toBe(404);
    expect(ids(await call(url, `${V2}jobs/`))).toEqual([]);
    expect(aap.ledger()).toEqual([
      expect.objectContaining({ id, status: "successful", purgedAt: t0 + 7000 }),
    ]);
    expect(() => aap.purgeJob(424242)).toThrow(/unknown job/);
  });

  it("DELETE purges a terminal job (204) and refuses an active one (403)", async () => {
    const id = await launchJob();
    const active = await call(url, `${V2}jobs/${id}/`, { method: "DELETE" });
    expect(active.status).toBe(403);
    expect(active.json).toEqual({ detail: "Cannot delete running job resource." });
    at(6000);
    const done = await call(url, `${V2}jobs/${id}/`, { method: "DELETE" });
    expect(done.status).toBe(204);
    expect(done.text).toBe("");
    expect((await call(url, `${V2}jobs/${id}/`)).status).toBe(404);
    expect((await call(url, `${V2}jobs/${id}/`, { method: "DELETE" })).status).toBe(404);
    expect(aap.job(id)?.purgedAt).toBe(t0 + 6000);
    expect(aap.requests().at(-1)?.operation).toBe("job-delete");
  });

  it("applies the same rule to workflow jobs", async () => {
    const id = await launchWorkflow({ runMs: 10 });
    expect((await call(url, `${V2}workflow_jobs/${id}/`, { method: "DELETE" })).status).toBe(403);
    at(510);
    expect((await call(url, `${V2}workflow_jobs/${id}/`, { method: "DELETE" })).status).toBe(204);
    expect((await call(url, `${V2}workflow_jobs/${id}/`)).status).toBe(404);
  });
});
