import {
  AuthenticationError,
  ConfigurationError,
  ErrorCode,
  InvalidResponseError,
  JobNotFoundError,
  ProviderError,
  RateLimitError,
  TimeoutError,
  TransientError,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  PASSWORD,
  TOKEN,
  USERNAME,
  captureLogger,
  clientFor,
  respond,
  empty,
  json,
  recordSleeps,
  refusedUrl,
  secretFree,
  text,
  thrown,
  serverPerTest,
  JOB,
} from "./client-harness.js";

const server = serverPerTest();

const getJob = (overrides = {}): Promise<unknown> =>
  clientFor(server, overrides).getJob({ kind: "job", id: 7 });

function expectClean(error: Error): void {
  expect(error).toBeInstanceOf(ProviderError);
  expect(error.cause).toBeUndefined();
  const all = `${error.message} ${JSON.stringify((error as ProviderError).details)} ${JSON.stringify(error)}`;
  expect(secretFree(all)).toBe(true);
  expect(all).not.toMatch(/(Bearer|Basic) (?!\[REDACTED\])\S{8,}/);
}

describe("HTTP status mapping", () => {
  it("a JSON error body nested 20,000 deep → ConfigurationError, not a RangeError", async () => {
    const body = `${'{"detail":'.repeat(20_000)}"x"${"}".repeat(20_000)}`;
    server.on("GET", JOB, text(400, body, { "content-type": "application/json" }));
    const error = await thrown(getJob());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(`AAP GET ${JOB}: bad request (400): (1 more left out)`);
    expectClean(error);
  });

  it("401 → AuthenticationError with the server's detail, not retried", async () => {
    const detail =
      "Authentication credentials were not provided. To establish a login session, visit /api/login/.";
    server.on("GET", JOB, json(401, { detail }, { "www-authenticate": "Bearer realm=api" }));
    const error = await thrown(getJob());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).retryable).toBe(false);
    expect(error.message).toBe(`AAP GET ${JOB}: authentication failed (401): ${detail}`);
    expect((error as ProviderError).details).toEqual({
      status: 401,
      method: "GET",
      path: JOB,
      operation: "getJob",
    });
    expect(server.requests).toHaveLength(1);
    expectClean(error);
  });

  it("403 → AuthenticationError saying permission denied", async () => {
    server.on(
      "GET",
      JOB,
      json(403, { detail: "You do not have permission to perform this action." }),
    );
    const error = await thrown(getJob());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("permission denied (403)");
    expect((error as ProviderError).retryable).toBe(false);
  });

  it("404 on a job read → JobNotFoundError with the id", async () => {
    server.on("GET", JOB, json(404, { detail: "No Job matches the given query." }));
    const error = await thrown(getJob());
    expect(error).toBeInstanceOf(JobNotFoundError);
    expect((error as JobNotFoundError).jobId).toBe("7");
    expect((error as JobNotFoundError).retryable).toBe(false);
    expect((error as ProviderError).details.status).toBe(404);
    expect(server.requests).toHaveLength(1);
  });

  it("404 on a workflow job cancel → JobNotFoundError", async () => {
    server.on("POST", "/api/v2/workflow_jobs/9/cancel/", json(404, { detail: "Not found." }));
    const error = await thrown(clientFor(server).cancelJob({ kind: "workflow_job", id: 9 }));
    expect(error).toBeInstanceOf(JobNotFoundError);
    expect((error as JobNotFoundError).jobId).toBe("9");
  });

  it("404 on a launch → ConfigurationError naming the template", async () => {
    server.on(
      "POST",
      "/api/v2/workflow_job_templates/12/launch/",
      json(404, { detail: "Not found." }),
    );
    const error = await thrown(
      clientFor(server).launch({ kind: "workflow_job_template", id: 12 }, {}),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("template workflow_job_template 12 not found");
    expect((error as ProviderError).outcomeUnknown).toBe(false);
  });

  it("404 on a list → non-retryable ProviderError", async () => {
    server.on("GET", "/api/v2/jobs/", json(404, { detail: "Invalid page." }));
    const error = await thrown(clientFor(server).listJobs("job", { page: 9 }));
    expect(error.constructor).toBe(ProviderError);
    expect((error as ProviderError).retryable).toBe(false);
    expect(error.message).toContain("Invalid page.");
  });

  it("400 → ConfigurationError with the validation body flattened", async () => {
    server.on(
      "POST",
      "/api/v2/workflow_job_templates/11/launch/",
      json(400, {
        extra_vars: [
          "Variables a, b are not allowed on launch. Check the Prompt on Launch setting on the Workflow Job Template to include Extra Variables.",
        ],
        limit: ["Field is not configured to prompt on launch."],
      }),
    );
    const error = await thrown(
      clientFor(server).launch(
        { kind: "workflow_job_template", id: 11 },
        { extra_vars: { a: 1, b: 2 }, limit: "h" },
      ),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ProviderError).retryable).toBe(false);
    expect((error as ProviderError).outcomeUnknown).toBe(false);
    expect(error.message).toBe(
      "AAP POST /api/v2/workflow_job_templates/11/launch/: bad request (400): " +
        "extra_vars: Variables a, b are not allowed on launch. Check the Prompt on Launch setting on the Workflow Job Template to include Extra Variables.; " +
        "limit: Field is not configured to prompt on launch.",
    );
  });

  it("400 flattens nested and non-field errors", async () => {
    server.on(
      "POST",
      "/api/v2/job_templates/5/launch/",
      json(400, {
        non_field_errors: ["Job Template inventory is missing or undefined."],
        credential_passwords: { ssh_password: ["required"] },
        labels: [{ name: ["too long"] }],
      }),
    );
    const error = await thrown(clientFor(server).launch({ kind: "job_template", id: 5 }, {}));
    expect(error.message).toContain(
      ": Job Template inventory is missing or undefined.; credential_passwords.ssh_password: required; labels[0].name: too long",
    );
  });

  it("415 and other 4xx → ProviderError, not retryable, not retried", async () => {
    server.on(
      "POST",
      "/api/v2/job_templates/5/launch/",
      json(415, { detail: 'Unsupported media type "text/plain" in request.' }),
    );
    server.on("GET", JOB, json(409, { detail: "conflict" }));
    const launchError = await thrown(clientFor(server).launch({ kind: "job_template", id: 5 }, {}));
    expect(launchError.constructor).toBe(ProviderError);
    expect((launchError as ProviderError).code).toBe(ErrorCode.Provider);
    expect((launchError as ProviderError).retryable).toBe(false);
    expect(launchError.message).toContain("unsupported media type (415)");
    const sleeps = recordSleeps();
    const readError = await thrown(getJob({ sleep: sleeps.sleep }));
    expect(readError.constructor).toBe(ProviderError);
    expect(sleeps.delays).toEqual([]);
    expect(server.count("GET", JOB)).toBe(1);
  });

  it("429 → RateLimitError with Retry-After in seconds", async () => {
    server.on("GET", JOB, json(429, { detail: "slow down" }, { "retry-after": "7" }));
    const error = await thrown(getJob({ retry: { retries: 0 } }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(7000);
    expect((error as RateLimitError).retryable).toBe(true);
  });

  it("429 without Retry-After → RateLimitError with retryAfterMs = initialDelayMs", async () => {
    server.on("GET", JOB, empty(429));
    const error = await thrown(getJob({ retry: { retries: 0, initialDelayMs: 1234 } }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(1234);
  });

  it.each([500, 502, 503, 504, 501])("%i → TransientError", async (status) => {
    server.on(
      "GET",
      JOB,
      text(status, "<html>upstream down</html>", { "content-type": "text/html" }),
    );
    const error = await thrown(getJob({ retry: { retries: 0 } }));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryable).toBe(true);
    expect((error as TransientError).outcomeUnknown).toBe(false);
    expect((error as ProviderError).details.status).toBe(status);
    expect(error.message).toContain("upstream down");
  });

  it("a redirect is not followed and is not retried", async () => {
    server.on(
      "POST",
      "/api/v2/job_templates/5/launch/",
      empty(301, { location: "/api/v2/job_templates/5/launch" }),
    );
    const error = await thrown(clientFor(server).launch({ kind: "job_template", id: 5 }, {}));
    expect(error.constructor).toBe(ProviderError);
    expect(error.message).toContain("redirects are not followed");
    expect(server.requests).toHaveLength(1);
  });

  it("keeps the query string out of details.path", async () => {
    server.on("GET", "/api/v2/jobs/", json(401, { detail: "nope" }));
    const error = await thrown(
      clientFor(server).listJobs("job", { name: "x", created__gt: "2024" }),
    );
    expect((error as ProviderError).details.path).toBe("/api/v2/jobs/");
    expect(error.message).not.toContain("?");
  });
});

describe("network failure mapping", () => {
  it("a reset connection → TransientError", async () => {
    server.on("GET", JOB, (_req, res) => res.socket?.destroy());
    const error = await thrown(getJob({ retry: { retries: 0 } }));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as ProviderError).details.errorCode).toBe("ECONNRESET");
    expect((error as ProviderError).details.status).toBeNull();
    expectClean(error);
  });

  it("a refused connection → TransientError", async () => {
    const url = await refusedUrl();
    const sleeps = recordSleeps();
    const error = await thrown(
      clientFor(server, {
        url: `${url}/api/v2/`,
        sleep: sleeps.sleep,
        retry: { retries: 1 },
      }).getJob({
        kind: "job",
        id: 7,
      }),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect((error as ProviderError).details.errorCode).toBe("ECONNREFUSED");
    expect(sleeps.delays).toEqual([500]);
  });

  it("a time-out → TimeoutError", async () => {
    server.on("GET", JOB, () => {});
    const error = await thrown(getJob({ timeoutMs: 50, retry: { retries: 0 } }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(50);
    expect((error as TimeoutError).outcomeUnknown).toBe(false);
  });
});

describe("secrets never leak", () => {
  const echoAuth = (status: number) =>
    respond((req) =>
      text(
        status,
        `denied for header Authorization: ${req.headers.authorization ?? ""} (token ${TOKEN}) raw=${encodeURIComponent(TOKEN)}`,
      ),
    );

  it("scrubs a bearer token echoed in a 401 body from the message, details and logs", async () => {
    server.on("GET", JOB, echoAuth(401));
    const { logger, dump } = captureLogger();
    const error = await thrown(getJob({ logger }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("[REDACTED]");
    expectClean(error);
    expect(secretFree(dump())).toBe(true);
  });

  it("scrubs the exact token from a JSON detail", async () => {
    server.on("GET", JOB, json(401, { detail: `Invalid token ${TOKEN}.` }));
    const error = await thrown(getJob());
    expect(error.message).toBe(
      `AAP GET ${JOB}: authentication failed (401): Invalid token [REDACTED].`,
    );
  });

  it("scrubs basic credentials echoed in a 400 JSON body", async () => {
    const basic = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64");
    server.on(
      "POST",
      "/api/v2/job_templates/5/launch/",
      json(400, { extra_vars: [`bad: ${PASSWORD}`], headers: { Authorization: `Basic ${basic}` } }),
    );
    const error = await thrown(
      clientFor(server, { auth: { type: "basic", username: USERNAME, password: PASSWORD } }).launch(
        { kind: "job_template", id: 5 },
        {},
      ),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expectClean(error);
  });

  it("scrubs secrets from 5xx pages after retries, from retry logs, and from schema errors", async () => {
    const { logger, dump } = captureLogger();
    server.on("GET", JOB, echoAuth(503));
    const error = await thrown(getJob({ logger, retry: { retries: 2 } }));
    expect(error).toBeInstanceOf(TransientError);
    expectClean(error);
    server.on("GET", "/api/v2/jobs/8/", json(200, { id: 8, status: TOKEN }));
    const schema = await thrown(clientFor(server, { logger }).getJob({ kind: "job", id: 8 }));
    expect(schema).toBeInstanceOf(InvalidResponseError);
    expectClean(schema);
    expect(secretFree(dump())).toBe(true);
  });
});
