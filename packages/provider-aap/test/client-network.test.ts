import {
  AbortedError,
  ConfigurationError,
  InvalidResponseError,
  RateLimitError,
  TimeoutError,
  TransientError,
  isOutcomeUnknown,
  type ProviderError,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  captureLogger,
  clientFor,
  hang,
  json,
  jobBody,
  recordSleeps,
  refusedUrl,
  reset,
  text,
  thrown,
  serverPerTest,
  JOB,
  LAUNCH,
} from "./client-harness.js";

const server = serverPerTest();

describe("per-request time limit", () => {
  it("a server that never answers → TimeoutError after timeoutMs", async () => {
    server.on("GET", JOB, hang);
    const started = performance.now();
    const error = await thrown(
      clientFor(server, { timeoutMs: 50, retry: { retries: 0 } }).getJob({ kind: "job", id: 7 }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(50);
    expect((error as TimeoutError).retryable).toBe(true);
    expect((error as TimeoutError).outcomeUnknown).toBe(false);
    expect(error.message).toBe(`AAP GET ${JOB}: timed out (no complete response within 50 ms)`);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("covers a body that trickles in too slowly", async () => {
    server.on("GET", JOB, (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id": 7');
    });
    const error = await thrown(
      clientFor(server, { timeoutMs: 80, retry: { retries: 0 } }).getJob({ kind: "job", id: 7 }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
  });
});

describe("caller abort", () => {
  it("a pre-aborted signal sends nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await thrown(
      clientFor(server).launch({ kind: "job_template", id: 5 }, {}, { signal: controller.signal }),
    );
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).outcomeUnknown).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it("an in-flight read → AbortedError, not retried", async () => {
    server.on("GET", JOB, hang);
    const controller = new AbortController();
    const { delays, sleep } = recordSleeps();
    const pending = clientFor(server, { sleep }).getJob(
      { kind: "job", id: 7 },
      { signal: controller.signal },
    );
    await server.nextRequest();
    controller.abort();
    const error = await thrown(pending);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).outcomeUnknown).toBe(false);
    expect(delays).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it("an in-flight launch → AbortedError with outcome unknown", async () => {
    server.on("POST", LAUNCH, hang);
    const controller = new AbortController();
    const pending = clientFor(server).launch(
      { kind: "job_template", id: 5 },
      {},
      { signal: controller.signal },
    );
    await server.nextRequest();
    controller.abort();
    const error = await thrown(pending);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).outcomeUnknown).toBe(true);
  });
});

describe("launch outcome", () => {
  async function launchError(overrides = {}): Promise<ProviderError> {
    const { logger, lines } = captureLogger();
    const error = await thrown(
      clientFor(server, { logger, timeoutMs: 100, ...overrides }).launch(
        { kind: "job_template", id: 5 },
        { extra_vars: { a: 1 } },
      ),
    );
    const warned = lines.some((l) => l.level === "warn" && l.message.includes("outcome unknown"));
    expect(warned).toBe(isOutcomeUnknown(error));
    expect(server.count("POST", LAUNCH)).toBeLessThanOrEqual(1);
    return error as ProviderError;
  }

  it("is unknown after a time-out", async () => {
    server.on("POST", LAUNCH, hang);
    const error = await launchError();
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.outcomeUnknown).toBe(true);
  });

  it("is unknown after a reset / socket hang up", async () => {
    server.on("POST", LAUNCH, reset);
    const error = await launchError();
    expect(error).toBeInstanceOf(TransientError);
    expect(error.outcomeUnknown).toBe(true);
  });

  it.each([500, 502, 503, 504])("is unknown after a %i", async (status) => {
    server.on("POST", LAUNCH, text(status, "oops"));
    const error = await launchError();
    expect(error).toBeInstanceOf(TransientError);
    expect(error.outcomeUnknown).toBe(true);
  });

  it("is unknown when the 201 body is unreadable", async () => {
    server.on("POST", LAUNCH, text(201, "<html>"));
    const error = await launchError();
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.outcomeUnknown).toBe(true);
  });

  it("is known (nothing launched) when the connection is refused", async () => {
    const error = await launchError({ url: `${await refusedUrl()}/api/v2/` });
    expect(error).toBeInstanceOf(TransientError);
    expect(error.details.errorCode).toBe("ECONNREFUSED");
    expect(error.outcomeUnknown).toBe(false);
  });

  it("is known when the host does not resolve", async () => {
    const error = await launchError({
      url: "http://no-such-host.invalid/api/v2/",
      timeoutMs: 10_000,
    });
    expect(error).toBeInstanceOf(TransientError);
    expect(["ENOTFOUND", "EAI_AGAIN"]).toContain(error.details.errorCode);
    expect(error.outcomeUnknown).toBe(false);
  });

  it.each([400, 401, 403, 404, 409])("is known after a %i", async (status) => {
    server.on("POST", LAUNCH, json(status, { detail: "no" }));
    const error = await launchError();
    expect(error).not.toBeInstanceOf(TransientError);
    expect(error.outcomeUnknown).toBe(false);
    expect(error.retryable).toBe(false);
  });

  it("is known after a 429", async () => {
    server.on("POST", LAUNCH, json(429, {}));
    const error = await launchError();
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.outcomeUnknown).toBe(false);
  });

  it("goes on the kept-alive pool like a read (its reset on a reused connection: client-connections.test.ts); with keepAlive: false, on a connection of its own", async () => {
    server.on("GET", JOB, json(200, jobBody()));
    server.on("POST", LAUNCH, json(201, jobBody({ id: 8 })));
    const client = clientFor(server);
    await client.getJob({ kind: "job", id: 7 });
    await client.launch({ kind: "job_template", id: 5 }, {});
    await clientFor(server, { keepAlive: false }).launch({ kind: "job_template", id: 5 }, {});
    const [pooled, own] = server.requests.filter((r) => r.method === "POST");
    expect(pooled?.headers.connection).toBe("keep-alive");
    expect(server.requests[0]?.headers.connection).toBe("keep-alive");
    expect(own?.headers.connection).toBe("close");
  });
});

describe("argument errors are not network errors", () => {
  it("a bad template reference is a ConfigurationError", async () => {
    await expect(
      clientFor(server).launch({ kind: "job_template", id: 0 }, {}),
    ).rejects.toBeInstanceOf(ConfigurationError);
  });
});
