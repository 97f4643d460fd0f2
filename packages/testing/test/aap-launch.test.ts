import { describe, expect, it, onTestFinished } from "vitest";
import { AapSimulator, type AapLaunchContext, type VirtualClock } from "@provisionkit/testing";
import { body, call, edaVars, GW, V2, withAap } from "./aap-support.js";

let clock: VirtualClock, aap: AapSimulator, url: string;
withAap((sim) => ({ clock, aap, url } = sim));

const launch = (path: string, payload: unknown = {}) => call(url, path, { body: payload });

describe("AAP simulator: GET launch/ (research §4)", () => {
  it("describes a job template launch", async () => {
    const id = aap.addJobTemplate({ name: "jt", description: "d", askLimitOnLaunch: true });
    const reply = await call(url, `${V2}job_templates/${id}/launch/`);
    expect(reply.status).toBe(200);
    const view = body(reply);
    expect(view).toMatchObject({
      // It asks for variables and a limit on launch (awx/main/models/jobs.py:407-430).
      can_start_without_user_input: false,
      passwords_needed_to_start: [],
      survey_enabled: false,
      variables_needed_to_start: [],
      credential_needed_to_start: false,
      inventory_needed_to_start: false,
      job_template_data: { name: "jt", id, description: "d" },
      ask_variables_on_launch: true,
      ask_limit_on_launch: true,
      ask_inventory_on_launch: false,
    });
    expect(typeof view.defaults).toBe("object");
    for (const prompt of [
      "scm_branch",
      "tags",
      "diff_mode",
      "skip_tags",
      "job_type",
      "verbosity",
    ]) {
      expect(view[`ask_${prompt}_on_launch`]).toBe(false);
    }
    for (const prompt of ["credential", "execution_environment", "labels", "forks"]) {
      expect(view[`ask_${prompt}_on_launch`]).toBe(false);
    }
    for (const prompt of ["job_slice_count", "timeout", "instance_groups"]) {
      expect(view[`ask_${prompt}_on_launch`]).toBe(false);
    }
  });

  it("describes a workflow job template launch", async () => {
    const id = aap.addWorkflowTemplate({ name: "wf", askVariablesOnLaunch: false });
    const view = body(await call(url, `${V2}workflow_job_templates/${id}/launch/`));
    expect(view).toMatchObject({
      can_start_without_user_input: true,
      survey_enabled: false,
      variables_needed_to_start: [],
      node_templates_missing: [],
      node_prompts_rejected: [],
      workflow_job_template_data: { name: "wf", id },
      ask_variables_on_launch: false,
      ask_limit_on_launch: false,
      ask_inventory_on_launch: false,
      ask_scm_branch_on_launch: false,
      ask_labels_on_launch: false,
      ask_skip_tags_on_launch: false,
      ask_tags_on_launch: false,
    });
    expect(view).not.toHaveProperty("job_template_data");
  });
});

describe("AAP simulator: POST launch/ (research §4)", () => {
  it("creates a job: 201, Location, {job, ignored_fields, …full job}", async () => {
    const id = aap.addJobTemplate({ name: "jt", extraVars: { site: "a", keep: 1 } });
    const reply = await launch(`${GW}job_templates/${id}/launch/`, {
      extra_vars: { site: "b", extra: true },
    });
    expect(reply.status).toBe(201);
    const job = body(reply);
    expect(reply.headers.location).toBe(job.url);
    expect(job).toMatchObject({
      job: job.id,
      ignored_fields: {},
      type: "job",
      url: `/api/controller/v2/jobs/${String(job.id)}/`,
      status: "pending",
      name: "jt",
      job_template: id,
      unified_job_template: id,
      launch_type: "manual",
      failed: false,
      started: null,
      finished: null,
      created: "2026-01-01T00:00:00.000Z",
      extra_vars: '{"site": "b", "keep": 1, "extra": true}',
      related: { cancel: `/api/controller/v2/jobs/${String(job.id)}/cancel/` },
    });
    expect(aap.job(job.id as number)?.extraVars).toEqual({ site: "b", keep: 1, extra: true });
  });

  it("creates a workflow job: {workflow_job, ignored_fields, …full workflow job}", async () => {
    const id = aap.addWorkflowTemplate({ name: "wf" });
    const reply = await launch(`${V2}workflow_job_templates/${id}/launch/`, {
      extra_vars: { a: 1 },
    });
    expect(reply.status).toBe(201);
    const job = body(reply);
    expect(reply.headers.location).toBe(`/api/v2/workflow_jobs/${String(job.id)}/`);
    expect(job).toMatchObject({
      workflow_job: job.id,
      ignored_fields: {},
      type: "workflow_job",
      url: `/api/v2/workflow_jobs/${String(job.id)}/`,
      status: "pending",
      workflow_job_template: id,
      extra_vars: '{"a": 1}',
    });
    expect(job).not.toHaveProperty("job");
    expect(job).not.toHaveProperty("artifacts");
  });

  it("job template: creates the job anyway and echoes unprompted fields in ignored_fields", async () => {
    const id = aap.addJobTemplate({
      name: "jt",
      askVariablesOnLaunch: false,
      extraVars: { same: 1 },
    });
    const reply = await launch(`${V2}job_templates/${id}/launch/`, {
      extra_vars: { ...edaVars("c1", "ns"), same: 1 },
      limit: "host1",
      inventory: 7,
      job_tags: "x",
    });
    expect(reply.status).toBe(201);
    const job = body(reply);
    expect(job.ignored_fields).toEqual({
      extra_vars: edaVars("c1", "ns"),
      limit: "host1",
      inventory: 7,
      job_tags: "x",
    });
    expect(job).toMatchObject({ extra_vars: '{"same": 1}', limit: "", inventory: 1 });
    const ledger = aap.job(job.id as number);
    expect(ledger?.ignoredFields).toEqual(job.ignored_fields);
    // The pitfall of research §10: the playbook would not see ansible_eda.
    expect(ledger?.resource).toBeUndefined();
  });

  it("job template: accepts prompted fields and silently drops values equal to the template's", async () => {
    const id = aap.addJobTemplate({
      name: "jt",
      askLimitOnLaunch: true,
      askInventoryOnLaunch: true,
    });
    const job = body(
      await launch(`${V2}job_templates/${id}/launch/`, {
        limit: "h1",
        inventory: 3,
        job_type: "run",
        verbosity: 0,
      }),
    );
    expect(job).toMatchObject({ ignored_fields: {}, limit: "h1", inventory: 3 });
  });

  it("workflow template: refuses unprompted extra_vars and limit with 400 and creates nothing", async () => {
    const id = aap.addWorkflowTemplate({ name: "wf", askVariablesOnLaunch: false });
    const path = `${V2}workflow_job_templates/${id}/launch/`;
    const vars = await launch(path, { extra_vars: { a: 1, b: 2 } });
    expect(vars.status).toBe(400);
    expect(vars.json).toEqual({
      extra_vars: [
        "Variables a, b are not allowed on launch. Check the Prompt on Launch setting on the Workflow Job Template to include Extra Variables.",
      ],
    });
    const limit = await launch(path, { limit: "h1" });
    expect(limit.status).toBe(400);
    expect(limit.json).toEqual({ limit: ["Field is not configured to prompt on launch."] });
    const both = await launch(path, { limit: "h1", extra_vars: { a: 1 } });
    expect(Object.keys(body(both)).sort()).toEqual(["extra_vars", "limit"]);
    expect(aap.ledger()).toEqual([]);
    expect((await launch(path, { extra_vars: {} })).status).toBe(201);
  });

  it("workflow template: accepts extra_vars when it prompts for them", async () => {
    const id = aap.addWorkflowTemplate({ name: "wf", askLimitOnLaunch: true });
    const reply = await launch(`${V2}workflow_job_templates/${id}/launch/`, {
      extra_vars: edaVars("c1"),
      limit: "h1",
    });
    expect(reply.status).toBe(201);
    expect(body(reply).limit).toBe("h1");
    expect(aap.job(body(reply).id as number)?.resourceKey).toBe("c1");
  });

  it("takes extra_vars as a JSON string of an object, and refuses anything else with 400", async () => {
    const id = aap.addJobTemplate({ name: "jt" });
    const path = `${V2}job_templates/${id}/launch/`;
    const ok = await launch(path, { extra_vars: '{"a": 1}' });
    expect(body(ok).extra_vars).toBe('{"a": 1}');
    for (const bad of ["{nope", "[1]", 5, [1]]) {
      const reply = await launch(path, { extra_vars: bad });
      expect(reply.status, JSON.stringify(bad)).toBe(400);
      expect(body(reply).extra_vars).toEqual([expect.any(String)]);
    }
    expect(aap.ledger()).toHaveLength(1);
  });

  it("answers 415 for a body that is not application/json, 400 for bad JSON or a non-object", async () => {
    const id = aap.addJobTemplate({ name: "jt" });
    const path = `${V2}job_templates/${id}/launch/`;
    const text = await call(url, path, {
      method: "POST",
      body: '{"extra_vars": {}}',
      headers: { "Content-Type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect(String(body(text).detail)).toContain("the Content-Type must be application/json");
    const broken = await call(url, path, {
      method: "POST",
      body: "{broken",
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
    expect(broken.status).toBe(400);
    expect(String(body(broken).detail)).toMatch(/^JSON parse error - /);
    const list = await launch(path, [1]);
    expect(list.json).toEqual({
      non_field_errors: ["Invalid data. Expected a dictionary, but got list."],
    });
    expect(aap.ledger()).toEqual([]);
    // An empty body needs no content type.
    expect((await call(url, path, { method: "POST" })).status).toBe(201);
  });

  it("answers 404 for an unknown template and creates nothing", async () => {
    expect((await launch(`${V2}job_templates/42/launch/`)).status).toBe(404);
    expect((await launch(`${V2}workflow_job_templates/42/launch/`)).status).toBe(404);
    expect(aap.ledger()).toEqual([]);
  });
});

describe("AAP simulator: scripts", () => {
  it("consumes scriptNext scripts in order before the template's own script", async () => {
    const id = aap.addJobTemplate({ name: "jt", script: { outcome: "successful", runMs: 100 } });
    aap.scriptNext("jt", { outcome: "failed" });
    aap.scriptNext("jt", { outcome: "error" }, { times: 2 });
    for (let i = 0; i < 4; i += 1) await launch(`${V2}job_templates/${id}/launch/`);
    clock.advance(60_000);
    expect(aap.ledger().map((job) => job.status)).toEqual([
      "failed",
      "error",
      "error",
      "successful",
    ]);
  });

  it("matches scriptNext by organization when given, and throws for an unknown template", async () => {
    const a = aap.addJobTemplate({ name: "jt", organization: "A" });
    const b = aap.addJobTemplate({ name: "jt", organization: "B" });
    aap.scriptNext("jt", { outcome: "failed" }, { organization: "B" });
    await launch(`${V2}job_templates/${a}/launch/`);
    await launch(`${V2}job_templates/${b}/launch/`);
    clock.advance(60_000);
    expect(aap.ledger().map((job) => [job.organization, job.status])).toEqual([
      ["A", "successful"],
      ["B", "failed"],
    ]);
    expect(() => aap.scriptNext("nope", {})).toThrow(/no template/);
    expect(() => aap.scriptNext("jt", {}, { organization: "C" })).toThrow(/no template/);
    expect(() => aap.scriptNext("jt", {}, { times: 0 })).toThrow(RangeError);
    expect(() => aap.scriptNext("jt", { pendingMs: -5 })).toThrow(RangeError);
  });

  it("calls script and artifact functions with the launch context", async () => {
    const seen: AapLaunchContext[] = [];
    const id = aap.addJobTemplate({
      name: "jt",
      extraVars: { t: 1 },
      script: (launchContext) => {
        seen.push(launchContext);
        return {
          runMs: 10,
          artifacts: (ctx) => ({ index: ctx.launchIndex, job: ctx.jobId }),
        };
      },
    });
    const first = body(await launch(`${V2}job_templates/${id}/launch/`, { extra_vars: { x: 2 } }));
    await launch(`${V2}job_templates/${id}/launch/`);
    expect(seen).toEqual([
      {
        templateId: id,
        templateName: "jt",
        kind: "job",
        jobId: first.id,
        extraVars: { t: 1, x: 2 },
        launchIndex: 0,
      },
      expect.objectContaining({ launchIndex: 1, jobId: (first.id as number) + 1 }),
    ]);
    clock.advance(60_000);
    const job = body(await call(url, `${V2}jobs/${String(first.id)}/`));
    expect(job.artifacts).toEqual({ index: 0, job: first.id });
  });

  it("merges the default script under every script", async () => {
    await aap.stop();
    aap = new AapSimulator({
      clock,
      defaultScript: { pendingMs: 0, waitingMs: 0, runMs: 100, outcome: "failed" },
    });
    onTestFinished(() => aap.stop());
    url = await aap.start();
    const plain = aap.addJobTemplate({ name: "plain" });
    const own = aap.addJobTemplate({ name: "own", script: { outcome: "successful" } });
    await launch(`${V2}job_templates/${plain}/launch/`);
    await launch(`${V2}job_templates/${own}/launch/`);
    clock.advance(100);
    expect(aap.ledger().map((job) => [job.status, job.finishedAt])).toEqual([
      ["failed", clock.now()],
      ["successful", clock.now()],
    ]);
  });

  it("answers 500 and records the error when a script function throws", async () => {
    const id = aap.addJobTemplate({
      name: "jt",
      script: () => {
        throw new Error("script bug");
      },
    });
    const reply = await launch(`${V2}job_templates/${id}/launch/`);
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual({ detail: "A server error has occurred." });
    expect(aap.requests().at(-1)).toMatchObject({ status: 500, error: "script bug" });
    expect(aap.ledger()).toEqual([]);
  });
});
