import { describe, expect, it } from "vitest";
import type { AapSimulator } from "@provisionkit/testing";
import { body, call, edaVars, GW, V2, withAap } from "./aap-support.js";

// AWX refuses filters on `prevent_search` fields with a 403 (django-ansible-base
// ansible_base/rest_filters/utils.py:57-60; AWX awx/main/tests/unit/api/test_filters.py:26-51,
// awx/main/tests/functional/api/test_notifications.py:115-119): see src/aap/filters.ts.

let aap: AapSimulator, url: string;
withAap((sim) => ({ aap, url } = sim));

const BASES = [V2, GW];
const notAllowed = (field: string) => ({ detail: `Filtering on ${field} is not allowed.` });

async function launchBoth(): Promise<{ job: number; workflow: number; jt: number; wfjt: number }> {
  const jt = aap.addJobTemplate({ name: "jt" });
  const wfjt = aap.addWorkflowTemplate({ name: "wf" });
  const extra_vars = edaVars("c1", "ns");
  const job = body(await call(url, `${V2}job_templates/${jt}/launch/`, { body: { extra_vars } }))
    .id as number;
  const workflow = body(
    await call(url, `${V2}workflow_job_templates/${wfjt}/launch/`, { body: { extra_vars } }),
  ).id as number;
  return { job, workflow, jt, wfjt };
}

describe("AAP simulator: filters AWX refuses (prevent_search)", () => {
  it.each(BASES.flatMap((base) => ["jobs/", "workflow_jobs/"].map((list) => ({ base, list }))))(
    "answers 403 for extra_vars__icontains on $base$list, AWX's body",
    async ({ base, list }) => {
      await launchBoth();
      const reply = await call(url, `${base}${list}?extra_vars__icontains=c1`);
      expect(reply.status).toBe(403);
      expect(body(reply)).toEqual(notAllowed("extra_vars"));
    },
  );

  it("refuses every lookup on extra_vars, with any prefix, and ordering by it", async () => {
    await launchBoth();
    const refused = [
      "extra_vars=x",
      "extra_vars__exact=x",
      "extra_vars__contains=c1",
      "extra_vars__regex=c.",
      "extra_vars__iregex=c.",
      "extra_vars__startswith=%7B",
      "extra_vars__isnull=false",
      "extra_vars__nosuchlookup=x",
      "not__extra_vars__icontains=c1",
      "or__extra_vars__icontains=c1",
      "chain__not__extra_vars__icontains=c1",
      "order_by=extra_vars",
      "order_by=-id,-extra_vars",
    ];
    for (const base of BASES) {
      for (const list of ["jobs/", "workflow_jobs/"]) {
        for (const query of refused) {
          const reply = await call(url, `${base}${list}?${query}`);
          expect({ query, status: reply.status, body: body(reply) }).toEqual({
            query,
            status: 403,
            body: notAllowed("extra_vars"),
          });
        }
      }
    }
  });

  it("refuses the other prevent_search fields of jobs and templates", async () => {
    await launchBoth();
    for (const list of ["jobs/", "workflow_jobs/"]) {
      for (const field of ["survey_passwords", "job_args", "job_env", "start_args"]) {
        const reply = await call(url, `${V2}${list}?${field}__icontains=x`);
        expect([list, reply.status, body(reply)]).toEqual([list, 403, notAllowed(field)]);
      }
    }
    const templateFields = {
      "job_templates/": ["extra_vars", "survey_spec", "webhook_key", "host_config_key"],
      "workflow_job_templates/": ["extra_vars", "survey_spec", "webhook_key"],
    };
    for (const [list, fields] of Object.entries(templateFields)) {
      for (const field of fields) {
        const reply = await call(url, `${GW}${list}?${field}__icontains=x`);
        expect([list, reply.status, body(reply)]).toEqual([list, 403, notAllowed(field)]);
      }
    }
    // Only JobTemplate has host_config_key; UnifiedJobTemplate has no extra_vars at all.
    expect((await call(url, `${V2}workflow_job_templates/?host_config_key=x`)).status).toBe(400);
    expect((await call(url, `${V2}unified_job_templates/?extra_vars__icontains=x`)).status).toBe(
      400,
    );
  });

  it("answers for the first bad parameter in query order, like AWX", async () => {
    await launchBoth();
    expect((await call(url, `${V2}jobs/?nosuchfield=1&extra_vars=x`)).status).toBe(400);
    expect((await call(url, `${V2}jobs/?extra_vars=x&nosuchfield=1`)).status).toBe(403);
  });

  it("allows what a job lookup needs, and serves extra_vars in the lists", async () => {
    const { job, workflow, jt, wfjt } = await launchBoth();
    const since = encodeURIComponent("2000-01-01T00:00:00Z");
    for (const base of BASES) {
      const jobs = await call(
        url,
        `${base}jobs/?job_template=${jt}&created__gte=${since}&order_by=-id&page_size=200`,
      );
      const workflows = await call(
        url,
        `${base}workflow_jobs/?workflow_job_template=${wfjt}&created__gte=${since}&order_by=-id&page_size=200`,
      );
      for (const [reply, id] of [
        [jobs, job],
        [workflows, workflow],
      ] as const) {
        expect(reply.status).toBe(200);
        const [only] = body(reply).results as Record<string, unknown>[];
        expect(only?.id).toBe(id);
        expect(JSON.parse(String(only?.extra_vars))).toEqual(edaVars("c1", "ns"));
        // UnifiedJobListSerializer (awx/api/serializers.py:901-909) leaves these to details.
        expect(only).not.toHaveProperty("result_traceback");
        expect(only).not.toHaveProperty("event_processing_finished");
        const detail = body(await call(url, String(only?.url)));
        expect(detail).toHaveProperty("result_traceback");
        // (WorkflowJobSerializer drops event_processing_finished from details too: 3916.)
        if (id === job) expect(detail).toHaveProperty("event_processing_finished");
      }
    }
  });
});
