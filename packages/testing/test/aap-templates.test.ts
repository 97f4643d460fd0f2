import { describe, expect, it } from "vitest";
import type { AapSimulator } from "@provisionkit/testing";
import { body, call, GW, V2, type Reply, withAap } from "./aap-support.js";

let aap: AapSimulator, url: string;
withAap((sim) => ({ aap, url } = sim));

function results(reply: Reply): Record<string, unknown>[] {
  return body(reply).results as Record<string, unknown>[];
}

function names(reply: Reply): unknown[] {
  return results(reply).map((item) => item.name);
}

describe("AAP simulator: template objects (research §3)", () => {
  it("shows a job template with the fields clients use", async () => {
    const id = aap.addJobTemplate({
      name: "provision",
      description: "Provision a cluster",
      askLimitOnLaunch: true,
      extraVars: { region: "eu", size: 3, note: "é" },
    });
    const reply = await call(url, `${GW}job_templates/${id}/`);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      id,
      type: "job_template",
      url: `/api/controller/v2/job_templates/${id}/`,
      related: { launch: `/api/controller/v2/job_templates/${id}/launch/` },
      summary_fields: { organization: { id: 1, name: "Default" } },
      organization: 1,
      name: "provision",
      description: "Provision a cluster",
      ask_variables_on_launch: true,
      ask_limit_on_launch: true,
      ask_inventory_on_launch: false,
      allow_simultaneous: false,
      survey_enabled: false,
      // Python json.dumps text, as AWX stores it.
      extra_vars: '{"region": "eu", "size": 3, "note": "\\u00e9"}',
    });
  });

  it("shows a workflow job template without the job-template-only fields", async () => {
    const id = aap.addWorkflowTemplate({ name: "wf", askVariablesOnLaunch: false });
    const template = body(await call(url, `${V2}workflow_job_templates/${id}/`));
    expect(template).toMatchObject({
      id,
      type: "workflow_job_template",
      url: `/api/v2/workflow_job_templates/${id}/`,
      related: { launch: `/api/v2/workflow_job_templates/${id}/launch/` },
      ask_variables_on_launch: false,
      ask_limit_on_launch: false,
      survey_enabled: false,
      extra_vars: "{}",
    });
    expect(template).not.toHaveProperty("allow_simultaneous");
  });

  it("gives organizations ids by first use and both kinds one id space", async () => {
    const a = aap.addJobTemplate({ name: "a", organization: "Ops" });
    const b = aap.addWorkflowTemplate({ name: "b" });
    const c = aap.addJobTemplate({ name: "c", organization: "Ops" });
    expect([a, b, c]).toEqual([1, 2, 3]);
    const all = results(await call(url, `${V2}unified_job_templates/`));
    expect(all.map((t) => [t.id, t.type, t.organization])).toEqual([
      [1, "job_template", 1],
      [2, "workflow_job_template", 2],
      [3, "job_template", 1],
    ]);
    expect((await call(url, `${V2}job_templates/${b}/`)).status).toBe(404);
    expect((await call(url, `${V2}workflow_job_templates/${a}/`)).status).toBe(404);
    expect((await call(url, `${V2}job_templates/99/`)).status).toBe(404);
  });

  it("rejects a duplicate name within an organization and kind only", () => {
    aap.addJobTemplate({ name: "x" });
    expect(() => aap.addJobTemplate({ name: "x" })).toThrow(/duplicate/);
    expect(() => aap.addJobTemplate({ name: "x", organization: "Default" })).toThrow(/duplicate/);
    expect(() => aap.addJobTemplate({ name: "x", organization: "Other" })).not.toThrow();
    expect(() => aap.addWorkflowTemplate({ name: "x" })).not.toThrow();
    expect(() => aap.addWorkflowTemplate({ name: "x" })).toThrow(/duplicate/);
  });

  it("rejects a bad static script at registration", () => {
    expect(() => aap.addJobTemplate({ name: "bad", script: { runMs: -1 } })).toThrow(RangeError);
  });
});

describe("AAP simulator: named URLs", () => {
  it("resolves <name>++<organization> like an id, URL-decoded, for details and launch", async () => {
    const id = aap.addJobTemplate({ name: "Create cluster/v2+", organization: "Team A" });
    const wf = aap.addWorkflowTemplate({ name: "Create cluster/v2+", organization: "Team A" });
    const named = `${encodeURIComponent("Create cluster/v2+")}++${encodeURIComponent("Team A")}`;
    expect(body(await call(url, `${V2}job_templates/${named}/`)).id).toBe(id);
    expect(body(await call(url, `${V2}workflow_job_templates/${named}/`)).id).toBe(wf);
    const launch = await call(url, `${GW}job_templates/${named}/launch/`, { body: {} });
    expect(launch.status).toBe(201);
    expect(body(launch).url).toMatch(/^\/api\/controller\/v2\/jobs\/\d+\/$/);
    expect(aap.ledger()).toHaveLength(1);
  });

  it("answers the object 404 for an unknown name or organization, 401 without credentials", async () => {
    aap.addJobTemplate({ name: "jt" });
    for (const ref of ["jt++Other", "nope++Default", "nope"]) {
      const detail = await call(url, `${V2}job_templates/${ref}/`);
      expect([ref, detail.status, body(detail)]).toEqual([
        ref,
        404,
        { detail: "No JobTemplate matches the given query." },
      ]);
      expect((await call(url, `${V2}job_templates/${ref}/launch/`, { body: {} })).status).toBe(404);
      expect((await call(url, `${V2}job_templates/${ref}/`, { token: null })).status).toBe(401);
    }
    expect(aap.ledger()).toEqual([]);
  });

  it("resolves a bare name under job_templates/ only (AWX's deprecated form), oldest organization first", async () => {
    aap.addJobTemplate({ name: "early", organization: "Zeta" });
    const first = aap.addJobTemplate({ name: "jt", organization: "Default" });
    aap.addJobTemplate({ name: "jt", organization: "Other" });
    aap.addWorkflowTemplate({ name: "wf" });
    // Zeta was used first, so it is the oldest organization: no jt there; Default next.
    expect(body(await call(url, `${V2}job_templates/jt/`)).id).toBe(first);
    const launched = await call(url, `${V2}job_templates/jt/launch/`, { body: {} });
    expect(launched.status).toBe(201);
    expect(aap.ledger()[0]?.templateId).toBe(first);
    const workflow = await call(url, `${V2}workflow_job_templates/wf/`);
    expect([workflow.status, body(workflow)]).toEqual([
      404,
      { detail: "The requested resource could not be found." },
    ]);
  });
});

describe("AAP simulator: template lists, filters and pagination", () => {
  it("filters by name, name__iexact, id, organization, organization__name and type", async () => {
    aap.addJobTemplate({ name: "Alpha" });
    aap.addJobTemplate({ name: "Alpha", organization: "Other" });
    aap.addWorkflowTemplate({ name: "Beta", organization: "Other" });
    const list = (query: string) => call(url, `${V2}unified_job_templates/?${query}`);
    expect(body(await list("name=Alpha")).count).toBe(2);
    expect(body(await list("name=alpha")).count).toBe(0);
    expect(body(await list("name__iexact=alpha")).count).toBe(2);
    expect(results(await list("name=Alpha&organization__name=Other"))[0]?.id).toBe(2);
    expect(results(await list("organization=2")).map((t) => t.id)).toEqual([2, 3]);
    expect(results(await list("id=3"))[0]?.name).toBe("Beta");
    expect(results(await list("type=workflow_job_template")).map((t) => t.id)).toEqual([3]);
    const jobTemplates = await call(url, `${V2}job_templates/?organization__name=Other`);
    expect(names(jobTemplates)).toEqual(["Alpha"]);
  });

  it("answers 400 naming an unknown query parameter or a bad value", async () => {
    const reply = await call(url, `${V2}job_templates/?name=x&colour=blue`);
    expect(reply.status).toBe(400);
    expect(String(body(reply).detail)).toContain("colour");
    // `type` is reserved and applied by TypeFilterBackend, not a field lookup (aap-lists).
    expect((await call(url, `${V2}job_templates/?type=job_template`)).status).toBe(200);
    expect((await call(url, `${V2}job_templates/?id=abc`)).status).toBe(400);
    expect((await call(url, `${V2}job_templates/?order_by=colour`)).status).toBe(400);
  });

  it("pages 25 at a time with relative next/previous links that keep the query, sorted", async () => {
    for (let i = 1; i <= 30; i += 1) aap.addJobTemplate({ name: `t${String(i).padStart(2, "0")}` });
    const first = await call(url, `${V2}job_templates/`);
    expect(body(first)).toMatchObject({
      count: 30,
      next: "/api/v2/job_templates/?page=2",
      previous: null,
    });
    expect(results(first)).toHaveLength(25);
    const second = await call(url, `${V2}job_templates/?page=2`);
    expect(body(second)).toMatchObject({ next: null, previous: "/api/v2/job_templates/?page=1" });
    expect(names(second)).toEqual(["t26", "t27", "t28", "t29", "t30"]);
    const sized = await call(url, `${GW}job_templates/?page_size=10&order_by=-id&page=2`);
    expect(body(sized)).toMatchObject({
      next: "/api/controller/v2/job_templates/?order_by=-id&page=3&page_size=10",
      previous: "/api/controller/v2/job_templates/?order_by=-id&page=1&page_size=10",
    });
    expect(names(sized)[0]).toBe("t20");
    expect(names(await call(url, `${V2}job_templates/?page=last&page_size=7`))).toEqual([
      "t29",
      "t30",
    ]);
  });

  it("answers 404 'Invalid page.' for a page out of range or not a number; page 1 may be empty", async () => {
    for (const page of ["2", "0", "-1", "abc", "1.5"]) {
      const reply = await call(url, `${V2}job_templates/?page=${page}`);
      expect(reply.status, page).toBe(404);
      expect(reply.json).toEqual({ detail: "Invalid page." });
    }
    expect(body(await call(url, `${V2}job_templates/?page=1`))).toEqual({
      count: 0,
      next: null,
      previous: null,
      results: [],
    });
  });

  it("caps page_size at 200 silently and ignores an invalid one", async () => {
    for (let i = 0; i < 205; i += 1) aap.addJobTemplate({ name: `t${i}` });
    const capped = await call(url, `${V2}job_templates/?page_size=1000`);
    expect(results(capped)).toHaveLength(200);
    expect(body(capped).next).toBe("/api/v2/job_templates/?page=2&page_size=200");
    expect(results(await call(url, `${V2}job_templates/?page_size=zero`))).toHaveLength(25);
  });

  it("drops count and links with count_disabled, whatever its value; only page 1 exists", async () => {
    aap.addJobTemplate({ name: "a" });
    aap.addJobTemplate({ name: "b" });
    for (const value of ["1", "0", "false", ""]) {
      expect(
        body(await call(url, `${V2}job_templates/?count_disabled=${value}&page_size=1`)),
      ).toEqual({
        results: [expect.objectContaining({ name: "a" })],
      });
    }
    const second = await call(url, `${V2}job_templates/?count_disabled=1&page_size=1&page=2`);
    expect([second.status, body(second)]).toEqual([404, { detail: "Invalid page." }]);
  });

  it("orders by id by default, or by order_by fields", async () => {
    aap.addJobTemplate({ name: "b" });
    aap.addJobTemplate({ name: "c" });
    aap.addJobTemplate({ name: "a" });
    expect(names(await call(url, `${V2}job_templates/`))).toEqual(["b", "c", "a"]);
    expect(names(await call(url, `${V2}job_templates/?order_by=name`))).toEqual(["a", "b", "c"]);
    expect(names(await call(url, `${V2}job_templates/?order_by=-name`))).toEqual(["c", "b", "a"]);
    expect(names(await call(url, `${V2}job_templates/?order_by=-id`))).toEqual(["a", "c", "b"]);
  });
});
