/**
 * List behaviour audited against AWX and django-ansible-base (src/aap/filters.ts,
 * list-fields.ts, serialize-other.ts): reserved query names, the `type` and `search`
 * backends, `prevent_search` fields over relations, `artifacts`, the fields job lists
 * serve, and `unified_job_templates/` listing other template kinds.
 */
import { describe, expect, it } from "vitest";
import type { AapSimulator, VirtualClock } from "@provisionkit/testing";
import { body, call, GW, V2, withAap, type Reply } from "./aap-support.js";

let aap: AapSimulator, url: string, clock: VirtualClock, t0: number;
withAap((sim) => ({ aap, url, clock, t0 } = sim));

const results = (reply: Reply) => body(reply).results as Record<string, unknown>[];
const ids = (reply: Reply) => results(reply).map((item) => item.id);

async function launch(
  jt: number,
  payload: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  return body(await call(url, `${V2}job_templates/${jt}/launch/`, { body: payload }));
}

describe("AAP simulator: reserved query names (django-ansible-base settings_logic.py:31-44)", () => {
  it("ignores limit, format, search-less names and the rest; limit is no filter on jobs", async () => {
    const jt = aap.addJobTemplate({ name: "jt", askLimitOnLaunch: true });
    const a = (await launch(jt, { limit: "h1" })).id;
    const b = (await launch(jt, { limit: "h2" })).id;
    for (const query of [
      "limit=h1",
      "format=json",
      "no_truncate=1",
      "validate=1",
      "host_filter=x",
      "order=x",
    ]) {
      const reply = await call(url, `${V2}jobs/?${query}`);
      expect([query, reply.status, ids(reply)]).toEqual([query, 200, [a, b]]);
    }
    // A lookup with a suffix is a field lookup again.
    expect(ids(await call(url, `${V2}jobs/?limit__exact=h1`))).toEqual([a]);
  });

  it("applies type like TypeFilterBackend: comma-separated, other types left out, any list", async () => {
    aap.addJobTemplate({ name: "jt" });
    aap.addWorkflowTemplate({ name: "wf" });
    const list = (query: string) => call(url, `${V2}unified_job_templates/?${query}`);
    expect(ids(await list("type=job_template,workflow_job_template"))).toEqual([1, 2]);
    expect(ids(await list("type=workflow_job_template"))).toEqual([2]);
    expect(ids(await call(url, `${V2}job_templates/?type=workflow_job_template`))).toEqual([]);
    expect(ids(await call(url, `${V2}job_templates/?type=job_template`))).toEqual([1]);
  });

  it("applies search over name and description, every term", async () => {
    aap.addJobTemplate({ name: "provision cluster", description: "creates it" });
    aap.addJobTemplate({ name: "deprovision cluster" });
    const list = (term: string) => call(url, `${V2}job_templates/?search=${term}`);
    expect(ids(await list("PROVISION"))).toEqual([1, 2]);
    expect(ids(await list("provision%20creates"))).toEqual([1]);
  });
});

describe("AAP simulator: prevent_search over a relation (django-ansible-base utils.py:25-69)", () => {
  it("answers 403 for job_template__extra_vars and workflow_job_template__survey_spec", async () => {
    aap.addJobTemplate({ name: "jt" });
    for (const [list, key, field] of [
      ["jobs/", "job_template__extra_vars__icontains", "extra_vars"],
      ["jobs/", "not__job_template__host_config_key", "host_config_key"],
      ["workflow_jobs/", "workflow_job_template__extra_vars", "extra_vars"],
      ["workflow_jobs/", "workflow_job_template__survey_spec__contains", "survey_spec"],
    ] as const) {
      const reply = await call(url, `${GW}${list}?${key}=x`);
      expect([key, reply.status, body(reply)]).toEqual([
        key,
        403,
        { detail: `Filtering on ${field} is not allowed.` },
      ]);
    }
  });
});

describe("AAP simulator: job list fields and filters", () => {
  it("filters jobs on artifacts as JSON text (a JSONBlob, not prevent_search)", async () => {
    const jt = aap.addJobTemplate({
      name: "jt",
      script: { artifacts: ({ launchIndex }) => ({ config_version: `v${launchIndex}` }) },
    });
    const a = (await launch(jt)).id;
    const b = (await launch(jt)).id;
    clock.advance(60_000);
    expect(ids(await call(url, `${V2}jobs/?artifacts__icontains=V1`))).toEqual([b]);
    expect(ids(await call(url, `${V2}jobs/?artifacts__contains=config_version`))).toEqual([a, b]);
    // Workflow jobs have no artifacts field: an unknown field there.
    expect((await call(url, `${V2}workflow_jobs/?artifacts__icontains=x`)).status).toBe(400);
  });

  it("serves created, extra_vars, launch_type and the template in list items; created__gte filters", async () => {
    const jt = aap.addJobTemplate({ name: "jt" });
    const wfjt = aap.addWorkflowTemplate({ name: "wf" });
    await launch(jt);
    clock.advance(1000);
    const late = (await launch(jt)).id;
    await call(url, `${V2}workflow_job_templates/${wfjt}/launch/`, { body: {} });
    const since = encodeURIComponent(new Date(t0 + 1000).toISOString());
    const jobs = results(await call(url, `${V2}jobs/?job_template=${jt}&created__gte=${since}`));
    expect(jobs.map((job) => job.id)).toEqual([late]);
    expect(jobs[0]).toMatchObject({
      created: new Date(t0 + 1000).toISOString(),
      extra_vars: "{}",
      launch_type: "manual",
      job_template: jt,
      unified_job_template: jt,
    });
    const [workflow] = results(await call(url, `${V2}workflow_jobs/?created__gte=${since}`));
    expect(workflow).toMatchObject({ workflow_job_template: wfjt, extra_vars: "{}" });
    expect(workflow).not.toHaveProperty("artifacts");
  });
});

describe("AAP simulator: unified_job_templates lists the other template kinds", () => {
  it("lists projects, inventory sources, system job templates and approvals with their type", async () => {
    const project = aap.addOtherTemplate({ type: "project", name: "provision" });
    const jt = aap.addJobTemplate({ name: "provision" });
    const source = aap.addOtherTemplate({ type: "inventory_source", name: "provision" });
    const system = aap.addOtherTemplate({
      type: "system_job_template",
      name: "Cleanup Job Details",
    });
    const approval = aap.addOtherTemplate({
      type: "workflow_approval_template",
      name: "provision",
    });
    const all = results(await call(url, `${V2}unified_job_templates/?name=provision`));
    expect(all.map((t) => [t.id, t.type])).toEqual([
      [project, "project"],
      [jt, "job_template"],
      [source, "inventory_source"],
      [approval, "workflow_approval_template"],
    ]);
    expect(all[0]).toMatchObject({
      url: `${V2}projects/${project}/`,
      summary_fields: { organization: { name: "Default" } },
    });
    expect(all[0]).not.toHaveProperty("ask_variables_on_launch");
    const [cleanup] = results(
      await call(url, `${GW}unified_job_templates/?type=system_job_template`),
    );
    expect(cleanup).toMatchObject({
      id: system,
      related: { launch: `${GW}system_job_templates/${system}/launch/` },
      summary_fields: {},
    });
    // The organization filter leaves out the kinds that have none.
    const inDefault = ids(
      await call(url, `${V2}unified_job_templates/?organization__name=Default`),
    );
    expect(inDefault).toEqual([project, jt, source]);
    // Only unified_job_templates/ lists them.
    expect(ids(await call(url, `${V2}job_templates/`))).toEqual([jt]);
    expect((await call(url, `${V2}job_templates/${project}/`)).status).toBe(404);
  });

  it("refuses bad definitions", () => {
    expect(() => aap.addOtherTemplate({ type: "project", name: "" })).toThrow(TypeError);
    expect(() => aap.addOtherTemplate({ type: "host" as "project", name: "x" })).toThrow(
      RangeError,
    );
  });
});
