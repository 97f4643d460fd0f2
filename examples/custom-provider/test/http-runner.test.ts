// What the conformance suites cannot see from outside: how the HTTP runner maps the
// runner's answers to core's errors, which requests it repeats, and that its token never
// shows in an error.
import {
  AuthenticationError,
  InvalidResponseError,
  RateLimitError,
  TransientError,
  type ProviderError,
} from "@provisionkit/core";
import { ScriptedHttpServer, errorText, json, reset, thrown } from "@provisionkit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { httpRunner, type HttpRunnerOptions } from "../src/http-runner.js";

const TOKEN = "runner-SECRET-token-0123456789";
const JOB = { id: "j1", state: "Running", operation: "provision", correlationId: "c1" };
const server = ScriptedHttpServer.perTest({ beforeEach, afterEach });
const runner = (options: Partial<HttpRunnerOptions> = {}) =>
  httpRunner({
    url: `${server.url}/api/`,
    token: TOKEN,
    sleep: () => Promise.resolve(),
    ...options,
  });
const submit = () =>
  runner().submit({ resource: "ns/a", operation: "provision", correlationId: "c1" });

describe("httpRunner", () => {
  it("sends the job with the token, and reads it back", async () => {
    server.on("POST", "/api/jobs", json(201, JOB)).on("GET", "/api/jobs/j1", json(200, JOB));
    await expect(submit()).resolves.toEqual(JOB);
    expect(server.last().headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(server.last().body)).toEqual({
      resource: "ns/a",
      operation: "provision",
      correlationId: "c1",
    });
    await expect(runner().get("j1")).resolves.toEqual(JOB);
    await expect(runner().get("j2")).rejects.toThrow(/unscripted|418/);
  });

  it("an unknown job is undefined; a listing is checked", async () => {
    server.on("GET", "/api/jobs/j9", json(404, { detail: "no such job" }));
    await expect(runner().get("j9")).resolves.toBeUndefined();
    server.on("GET", "/api/jobs", json(200, [JOB]));
    await expect(runner().list("ns/a")).resolves.toEqual([JOB]);
    expect(server.last().query.get("resource")).toBe("ns/a");
    server.on("GET", "/api/jobs", json(200, [{ id: 1 }]));
    expect(await thrown(runner().list("ns/a"))).toBeInstanceOf(InvalidResponseError);
  });

  it("a rate limit is a RateLimitError with the server's Retry-After, not waited for (P8)", async () => {
    server.on("POST", "/api/jobs", json(429, { detail: "slow down" }, { "retry-after": "7" }));
    const error = (await thrown(submit())) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfterMs).toBe(7000);
    expect(server.requests).toHaveLength(1);
  });

  it("retries reads and cancels, never a submission", async () => {
    server.on("GET", "/api/jobs/j1", json(503, {}), reset, json(200, JOB));
    await expect(runner().get("j1")).resolves.toEqual(JOB);
    expect(server.count("GET", "/api/jobs/j1")).toBe(3);
    server.on("POST", "/api/jobs", json(503, {}));
    const refused = (await thrown(submit())) as ProviderError;
    expect(refused).toBeInstanceOf(TransientError);
    expect(refused.outcomeUnknown).toBe(false);
    expect(server.count("POST", "/api/jobs")).toBe(1);
  });

  it("a submission whose answer is lost may have created the job: outcome unknown", async () => {
    for (const reply of [json(504, {}), reset]) {
      server.on("POST", "/api/jobs", reply);
      expect(((await thrown(submit())) as ProviderError).outcomeUnknown).toBe(true);
    }
    server.on("POST", "/api/jobs", json(201, "<html>login</html>"));
    expect(((await thrown(submit())) as ProviderError).outcomeUnknown).toBe(true);
  });

  it("never shows the token, even one the server echoes", async () => {
    server.on("GET", "/api/jobs/j1", json(401, { detail: `token ${TOKEN} rejected` }));
    const error = await thrown(runner().get("j1"));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(errorText(error)).not.toContain(TOKEN);
  });
});
