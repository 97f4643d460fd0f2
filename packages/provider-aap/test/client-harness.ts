/**
 * Test harness of the client tests: the scripted loopback server and checks of
 * `@provisionkit/testing`, a recording sleep and AWX-shaped fixtures.
 */
import { ScriptedHttpServer } from "@provisionkit/testing";
import { afterEach, beforeEach } from "vitest";
import { AapClient, type AapClientOptions } from "../src/client/index.js";

// The loopback server, its replies and the error and log checks.
export * from "@provisionkit/testing";

/** The bearer token used by the tests; must never show up in errors or logs. */
export const TOKEN = "tok-SECRET-0123456789abcdefXYZ";
/** The basic-auth password used by the tests. */
export const PASSWORD = "pw-SECRET-hunter2:x";
/** The basic-auth user. */
export const USERNAME = "admin";

/** The job every test reads. */
export const JOB = "/api/v2/jobs/7/";
/** The launch of job template 5. */
export const LAUNCH = "/api/v2/job_templates/5/launch/";

/** A scripted server started before each test of the file and closed after it. */
export function serverPerTest(): ScriptedHttpServer {
  return ScriptedHttpServer.perTest({ beforeEach, afterEach });
}

/** A sleep that records delays and returns at once (optionally running a hook). */
export function recordSleeps(hook?: (ms: number) => void): {
  delays: number[];
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
} {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms) => {
      delays.push(ms);
      hook?.(ms);
      return Promise.resolve();
    },
  };
}

/** A client of `server` with an explicit `/api/v2/` path, a bearer token and recorded sleeps. */
export function clientFor(
  server: ScriptedHttpServer,
  overrides: Partial<AapClientOptions> = {},
): AapClient {
  return new AapClient({
    url: `${server.url}/api/v2/`,
    auth: { type: "bearer", token: TOKEN },
    sleep: recordSleeps().sleep,
    ...overrides,
  });
}

/** An AWX job detail body. */
export function jobBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 7,
    type: "job",
    url: "/api/v2/jobs/7/",
    related: { cancel: "/api/v2/jobs/7/cancel/" },
    summary_fields: { job_template: { id: 5, name: "deploy" } },
    created: "2024-10-01T10:00:00.000000Z",
    modified: "2024-10-01T10:00:05.000000Z",
    name: "deploy",
    description: "",
    job_type: "run",
    inventory: 1,
    project: 2,
    playbook: "site.yml",
    launch_type: "manual",
    status: "running",
    failed: false,
    started: "2024-10-01T10:00:02.000000Z",
    finished: null,
    canceled_on: null,
    elapsed: 3.25,
    job_explanation: "",
    execution_node: "awx-task-0",
    result_traceback: "",
    event_processing_finished: false,
    job_template: 5,
    unified_job_template: 5,
    extra_vars: '{"cluster": "c1", "size": 3}',
    artifacts: {},
    ...overrides,
  };
}

/** An AWX workflow job detail body. */
export function workflowJobBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 9,
    type: "workflow_job",
    url: "/api/v2/workflow_jobs/9/",
    name: "provision-flow",
    status: "pending",
    failed: false,
    created: "2024-10-01T10:00:00.000000Z",
    started: null,
    finished: null,
    elapsed: 0,
    job_explanation: "",
    result_traceback: "",
    workflow_job_template: 11,
    unified_job_template: 11,
    extra_vars: "{}",
    is_sliced_job: false,
    ...overrides,
  };
}

/** A paginated list body. */
export function page(results: unknown[], next: string | null = null): Record<string, unknown> {
  return { count: results.length, next, previous: null, results };
}

/** Asserts that `value` contains none of the test secrets (nor their Basic encoding). */
export function secretFree(value: string): boolean {
  const basic = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64");
  return ![TOKEN, PASSWORD, basic, "hunter2"].some((secret) => value.includes(secret));
}
