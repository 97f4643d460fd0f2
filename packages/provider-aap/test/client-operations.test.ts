import { ConfigurationError, InvalidResponseError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { AapClient } from "../src/client/index.js";
import {
  PASSWORD,
  serverPerTest,
  TOKEN,
  USERNAME,
  captureLogger,
  clientFor,
  empty,
  json,
  jobBody,
  page,
  thrown,
  workflowJobBody,
} from "./client-harness.js";

const server = serverPerTest();

describe("request headers", () => {
  it("sends the bearer token, Accept, and the default User-Agent", async () => {
    server.on("GET", "/api/v2/jobs/7/", json(200, jobBody()));
    await clientFor(server).getJob({ kind: "job", id: 7 });
    const [request] = server.requests;
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers.accept).toBe("application/json");
    expect(request?.headers["user-agent"]).toBe("provisionkit-provider-aap");
  });

  it("trims a token read from a file with a trailing newline", async () => {
    server.on("GET", "/api/v2/jobs/7/", json(200, jobBody()));
    await clientFor(server, { auth: { type: "bearer", token: `  ${TOKEN}\n` } }).getJob({
      kind: "job",
      id: 7,
    });
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("sends basic credentials and a custom User-Agent", async () => {
    server.on("GET", "/api/v2/jobs/7/", json(200, jobBody()));
    const client = clientFor(server, {
      auth: { type: "basic", username: USERNAME, password: PASSWORD },
      userAgent: "my-operator/1.2",
    });
    await client.getJob({ kind: "job", id: 7 });
    const expected = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64");
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${expected}`);
    expect(server.requests[0]?.headers["user-agent"]).toBe("my-operator/1.2");
  });

  it("logs one debug line per request with method, path, status, ms and attempt, and no headers", async () => {
    server.on("GET", "/api/v2/jobs/7/", json(200, jobBody()));
    const { logger, lines, dump } = captureLogger();
    await clientFor(server, { logger }).getJob({ kind: "job", id: 7 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "debug",
      fields: {
        method: "GET",
        path: "/api/v2/jobs/7/",
        status: 200,
        attempt: 1,
        operation: "getJob",
      },
    });
    expect(typeof lines[0]?.fields.ms).toBe("number");
    expect(dump()).not.toMatch(/authorization|bearer/i);
    expect(dump()).not.toContain(TOKEN);
  });
});

describe("getJob", () => {
  it("decodes a job", async () => {
    server.on(
      "GET",
      "/api/v2/jobs/7/",
      json(200, jobBody({ artifacts: { config_version: "v1" } })),
    );
    const job = await clientFor(server).getJob({ kind: "job", id: 7 });
    expect(job).toEqual({
      id: 7,
      kind: "job",
      status: "running",
      failed: false,
      name: "deploy",
      templateId: 5,
      created: "2024-10-01T10:00:00.000000Z",
      started: "2024-10-01T10:00:02.000000Z",
      finished: null,
      elapsed: 3.25,
      jobExplanation: "",
      resultTraceback: "",
      extraVars: { cluster: "c1", size: 3 },
      artifacts: { config_version: "v1" },
    });
  });

  it("reads workflow jobs under workflow_jobs/ and takes workflow_job_template as template", async () => {
    server.on(
      "GET",
      "/api/v2/workflow_jobs/9/",
      json(200, workflowJobBody({ artifacts: { x: 1 } })),
    );
    const job = await clientFor(server).getJob({ kind: "workflow_job", id: 9 });
    expect(job).toMatchObject({ id: 9, kind: "workflow_job", status: "pending", templateId: 11 });
    expect(job.extraVars).toEqual({});
    expect(job.artifacts).toBeUndefined();
  });

  it("falls back to unified_job_template and tolerates missing optional fields", async () => {
    const body = {
      id: 3,
      type: "job",
      name: "n",
      status: "new",
      failed: false,
      unified_job_template: 4,
    };
    server.on("GET", "/api/v2/jobs/3/", json(200, body));
    const job = await clientFor(server).getJob({ kind: "job", id: 3 });
    expect(job).toEqual({
      id: 3,
      kind: "job",
      status: "new",
      failed: false,
      name: "n",
      templateId: 4,
      started: null,
      finished: null,
      jobExplanation: "",
      resultTraceback: "",
    });
  });

  it.each([
    ["an empty string", ""],
    ["unparsable JSON", "{not json"],
    ["YAML", "a: 1"],
    ["a JSON array", "[1, 2]"],
    ["null", null],
  ])("leaves extraVars undefined for %s", async (_label, extraVars) => {
    server.on("GET", "/api/v2/jobs/7/", json(200, jobBody({ extra_vars: extraVars })));
    const job = await clientFor(server).getJob({ kind: "job", id: 7 });
    expect(job.extraVars).toBeUndefined();
  });

  it("parses nested extra_vars such as the ansible_eda payload", async () => {
    const vars = { ansible_eda: { event: { payload: { metadata: { name: "c1" } } } } };
    server.on("GET", "/api/v2/jobs/7/", json(200, jobBody({ extra_vars: JSON.stringify(vars) })));
    expect((await clientFor(server).getJob({ kind: "job", id: 7 })).extraVars).toEqual(vars);
  });

  it("hides artifacts hidden by no_log, and absent or null ones", async () => {
    server.on(
      "GET",
      "/api/v2/jobs/7/",
      json(200, jobBody({ artifacts: "$hidden due to Ansible no_log flag$" })),
      json(200, jobBody({ artifacts: null })),
      json(200, jobBody({ artifacts: undefined })),
    );
    const client = clientFor(server);
    for (let i = 0; i < 3; i++) {
      expect((await client.getJob({ kind: "job", id: 7 })).artifacts).toBeUndefined();
    }
  });

  it("accepts elapsed as a numeric string", async () => {
    server.on("GET", "/api/v2/jobs/7/", json(200, jobBody({ elapsed: "12.5" })));
    expect((await clientFor(server).getJob({ kind: "job", id: 7 })).elapsed).toBe(12.5);
  });

  it("rejects a body of the other kind", async () => {
    server.on("GET", "/api/v2/jobs/9/", json(200, workflowJobBody()));
    const error = await thrown(clientFor(server).getJob({ kind: "job", id: 9 }));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toBe(
      'AAP GET /api/v2/jobs/9/: "type" must be "job" (got "workflow_job")',
    );
  });

  it.each([
    [{ kind: "jobs", id: 7 }, "ref.kind"],
    [{ kind: "job", id: 0 }, "ref.id"],
    [{ kind: "job", id: 1.5 }, "ref.id"],
  ])("rejects a bad reference %j without a request", async (ref, argument) => {
    const error = await thrown(clientFor(server).getJob(ref as never));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).details.argument).toBe(argument);
    expect(server.requests).toHaveLength(0);
  });
});

describe("launch", () => {
  it("POSTs the body as JSON to job_templates/{id}/launch/ and returns the job and ignored fields", async () => {
    server.on(
      "POST",
      "/api/v2/job_templates/5/launch/",
      json(
        201,
        {
          job: 42,
          ignored_fields: { limit: "h1" },
          ...jobBody({ id: 42, status: "pending", started: null, elapsed: 0 }),
        },
        { location: "/api/v2/jobs/42/" },
      ),
    );
    const { logger, lines } = captureLogger();
    const result = await clientFor(server, { logger }).launch(
      { kind: "job_template", id: 5 },
      { extra_vars: { ansible_eda: { event: { payload: { a: 1 } } } }, limit: "h1" },
    );
    expect(result.job).toMatchObject({ id: 42, kind: "job", status: "pending", templateId: 5 });
    expect(result.ignoredFields).toEqual({ limit: "h1" });
    const [request] = server.requests;
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual({
      extra_vars: { ansible_eda: { event: { payload: { a: 1 } } } },
      limit: "h1",
    });
    expect(lines.some((l) => l.level === "info" && l.fields.id === 42)).toBe(true);
  });

  it("launches workflow job templates under workflow_job_templates/ and defaults ignoredFields to {}", async () => {
    server.on(
      "POST",
      "/api/v2/workflow_job_templates/11/launch/",
      json(201, { workflow_job: 9, ...workflowJobBody() }),
    );
    const result = await clientFor(server).launch(
      { kind: "workflow_job_template", id: 11 },
      { inventory: 3 },
    );
    expect(result.job).toMatchObject({ id: 9, kind: "workflow_job", templateId: 11 });
    expect(result.ignoredFields).toEqual({});
    expect(JSON.parse(server.requests[0]?.body ?? "")).toEqual({ inventory: 3 });
  });

  it("sends only the known launch fields", async () => {
    server.on("POST", "/api/v2/job_templates/5/launch/", json(201, jobBody()));
    await clientFor(server).launch({ kind: "job_template", id: 5 }, {
      extra_vars: {},
      credentials: [1],
    } as never);
    expect(JSON.parse(server.requests[0]?.body ?? "")).toEqual({ extra_vars: {} });
  });

  it("rejects invalid arguments before sending", async () => {
    const client = clientFor(server);
    for (const [template, body] of [
      [{ kind: "project", id: 1 }, {}],
      [{ kind: "job_template", id: -1 }, {}],
      [{ kind: "job_template", id: 1 }, { extra_vars: [] }],
      [{ kind: "job_template", id: 1 }, { limit: 5 }],
      [{ kind: "job_template", id: 1 }, { inventory: "x" }],
    ] as const) {
      await expect(client.launch(template as never, body as never)).rejects.toBeInstanceOf(
        ConfigurationError,
      );
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe("cancelJob", () => {
  it("answers requested on 202 with an empty body", async () => {
    server.on("POST", "/api/v2/jobs/7/cancel/", empty(202));
    expect(await clientFor(server).cancelJob({ kind: "job", id: 7 })).toBe("requested");
    expect(server.requests[0]?.method).toBe("POST");
  });

  it("answers not-cancelable on 405", async () => {
    server.on(
      "POST",
      "/api/v2/workflow_jobs/9/cancel/",
      json(405, { detail: 'Method "POST" not allowed.' }),
    );
    expect(await clientFor(server).cancelJob({ kind: "workflow_job", id: 9 })).toBe(
      "not-cancelable",
    );
  });
});

describe("ping", () => {
  it("reads ping/ under the API path", async () => {
    server.on(
      "GET",
      "/api/v2/ping/",
      json(200, { ha: false, version: "24.6.1", active_node: "awx-0", instances: [] }),
    );
    expect(await clientFor(server).ping()).toEqual({
      version: "24.6.1",
      ha: false,
      activeNode: "awx-0",
    });
  });
});

describe("findTemplate", () => {
  const jt = {
    id: 5,
    type: "job_template",
    name: "deploy",
    ask_variables_on_launch: true,
    summary_fields: { organization: { id: 1, name: "Default" } },
    related: { launch: "/api/v2/job_templates/5/launch/" },
  };
  const wfjt = {
    id: 11,
    type: "workflow_job_template",
    name: "deploy",
    ask_variables_on_launch: false,
    summary_fields: { organization: { id: 2, name: "Other" } },
  };
  const project = { id: 2, type: "project", name: "deploy", scm_type: "git" };

  it("queries unified_job_templates by name and organization and keeps only launchable kinds", async () => {
    server.on("GET", "/api/v2/unified_job_templates/", json(200, page([project, jt])));
    const template = await clientFor(server).findTemplate("deploy", "Default");
    expect(template).toEqual({
      kind: "job_template",
      id: 5,
      name: "deploy",
      organization: "Default",
      askVariablesOnLaunch: true,
    });
    const query = server.requests[0]?.query;
    expect(query?.get("name")).toBe("deploy");
    expect(query?.get("organization__name")).toBe("Default");
  });

  it("sends no organization filter when none is given", async () => {
    server.on("GET", "/api/v2/unified_job_templates/", json(200, page([wfjt])));
    const template = await clientFor(server).findTemplate("deploy", undefined);
    expect(template).toMatchObject({
      kind: "workflow_job_template",
      id: 11,
      askVariablesOnLaunch: false,
    });
    expect(server.requests[0]?.query.has("organization__name")).toBe(false);
  });

  it("returns undefined when nothing matches, filtering names and organizations locally", async () => {
    server.on(
      "GET",
      "/api/v2/unified_job_templates/",
      json(200, page([project, { ...jt, name: "Deploy" }, { ...wfjt, name: "deploy" }])),
    );
    expect(await clientFor(server).findTemplate("deploy", "Default")).toBeUndefined();
  });

  it("reads askVariablesOnLaunch as false when the field is missing", async () => {
    const { ask_variables_on_launch: _omit, ...bare } = jt;
    server.on("GET", "/api/v2/unified_job_templates/", json(200, page([bare])));
    expect((await clientFor(server).findTemplate("deploy", undefined))?.askVariablesOnLaunch).toBe(
      false,
    );
  });

  it("asks for an organization when several templates match without one", async () => {
    server.on("GET", "/api/v2/unified_job_templates/", json(200, page([jt, wfjt])));
    const error = await thrown(clientFor(server).findTemplate("deploy", undefined));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("ambiguous");
    expect(error.message).toContain("organization");
    expect(error.message).toContain('"Default"');
    expect(error.message).toContain('"Other"');
  });

  it("reports a job template and a workflow sharing a name in one organization", async () => {
    server.on(
      "GET",
      "/api/v2/unified_job_templates/",
      json(200, page([jt, { ...wfjt, summary_fields: jt.summary_fields }])),
    );
    const error = await thrown(clientFor(server).findTemplate("deploy", "Default"));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("share this name");
  });

  it("reads further pages before deciding", async () => {
    server.on(
      "GET",
      "/api/v2/unified_job_templates/",
      json(200, page([project], "/api/v2/unified_job_templates/?name=deploy&page=2")),
      json(200, page([jt])),
    );
    expect(await clientFor(server).findTemplate("deploy", undefined)).toMatchObject({ id: 5 });
    expect(server.requests.map((r) => r.query.get("page"))).toEqual([null, "2"]);
  });

  it("rejects an empty name", async () => {
    await expect(clientFor(server).findTemplate("", undefined)).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });
});

describe("listJobs", () => {
  const jobs = (ids: number[]): Record<string, unknown>[] =>
    ids.map((id) => jobBody({ id, url: `/api/v2/jobs/${id}/` }));

  it("sends filters and page_size, and follows relative next links to the end", async () => {
    server.on(
      "GET",
      "/api/v2/jobs/",
      json(200, page(jobs([1, 2]), "/api/v2/jobs/?job_template=5&order_by=-id&page=2&page_size=2")),
      json(200, page(jobs([3]), null)),
    );
    const result = await clientFor(server).listJobs(
      "job",
      { job_template: 5, order_by: "-id" },
      { pageSize: 2 },
    );
    expect(result.complete).toBe(true);
    expect(result.jobs.map((j) => j.id)).toEqual([1, 2, 3]);
    expect(server.requests[0]?.url).toBe("/api/v2/jobs/?job_template=5&order_by=-id&page_size=2");
    expect(server.requests[1]?.url).toBe(
      "/api/v2/jobs/?job_template=5&order_by=-id&page=2&page_size=2",
    );
  });

  it("stops at maxPages and reports complete=false", async () => {
    server.on(
      "GET",
      "/api/v2/workflow_jobs/",
      json(200, page([workflowJobBody({ id: 1 })], "/api/v2/workflow_jobs/?page=2")),
      json(200, page([workflowJobBody({ id: 2 })], "/api/v2/workflow_jobs/?page=3")),
      json(200, page([workflowJobBody({ id: 3 })], null)),
    );
    const result = await clientFor(server).listJobs("workflow_job", {}, { maxPages: 2 });
    expect(result).toMatchObject({ complete: false });
    expect(result.jobs.map((j) => [j.id, j.kind])).toEqual([
      [1, "workflow_job"],
      [2, "workflow_job"],
    ]);
    expect(server.requests.map((r) => r.url)).toEqual([
      "/api/v2/workflow_jobs/",
      "/api/v2/workflow_jobs/?page=2",
    ]);
  });

  it("follows an absolute next link on our own origin only", async () => {
    server.on(
      "GET",
      "/api/v2/jobs/",
      json(200, page(jobs([1]), "https://elsewhere.example.com/api/v2/jobs/?page=2")),
      json(200, page(jobs([2]))),
    );
    const result = await clientFor(server).listJobs("job", {});
    expect(result.jobs.map((j) => j.id)).toEqual([1, 2]);
    expect(server.requests[1]?.url).toBe("/api/v2/jobs/?page=2");
  });

  it("names the failing item in schema errors", async () => {
    server.on("GET", "/api/v2/jobs/", json(200, page([jobBody(), jobBody({ status: 3 })])));
    const error = await thrown(clientFor(server).listJobs("job", {}));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toBe(
      'AAP GET /api/v2/jobs/: "results[1].status" must be a string (got number)',
    );
  });

  it("rejects bad options", async () => {
    const client = clientFor(server);
    await expect(client.listJobs("jobs" as never, {})).rejects.toBeInstanceOf(ConfigurationError);
    await expect(client.listJobs("job", {}, { maxPages: 0 })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    await expect(client.listJobs("job", { a: Number.NaN })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe("construction", () => {
  it("makes no request", () => {
    new AapClient({ url: server.url, auth: { type: "bearer", token: TOKEN } });
    expect(server.requests).toHaveLength(0);
  });
});
