import {
  AbortedError,
  AuthenticationError,
  ConfigurationError,
  JobNotFoundError,
  RateLimitError,
  TransientError,
  type ProviderError,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { backoffMs, defaultSleep, parseRetryAfter } from "@provisionkit/core/http";
import {
  serverPerTest,
  captureLogger,
  clientFor,
  empty,
  hang,
  json,
  jobBody,
  recordSleeps,
  reset,
  thrown,
  JOB,
  LAUNCH,
} from "./client-harness.js";

const server = serverPerTest();

describe("reads", () => {
  it("retry 5xx with exponential backoff, then succeed", async () => {
    server.on("GET", JOB, json(503, {}), json(502, {}), json(200, jobBody()));
    const { delays, sleep } = recordSleeps();
    const { logger, lines } = captureLogger();
    const job = await clientFor(server, { sleep, logger }).getJob({ kind: "job", id: 7 });
    expect(job.id).toBe(7);
    expect(server.count("GET", JOB)).toBe(3);
    expect(delays).toEqual([500, 1000]);
    expect(lines.filter((l) => l.level === "debug").map((l) => l.fields.attempt)).toEqual([
      1, 2, 3,
    ]);
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(2);
  });

  it("cap the backoff at maxDelayMs and throw the last failure's typed error", async () => {
    server.on(
      "GET",
      JOB,
      json(503, {}),
      json(500, {}),
      json(503, {}),
      json(504, {}),
      json(503, {}),
      json(502, {}),
    );
    const { delays, sleep } = recordSleeps();
    const error = await thrown(
      clientFor(server, {
        sleep,
        retry: { retries: 5, initialDelayMs: 300, maxDelayMs: 2000 },
      }).getJob({ kind: "job", id: 7 }),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect((error as ProviderError).details.status).toBe(502);
    expect(server.count("GET", JOB)).toBe(6);
    expect(delays).toEqual([300, 600, 1200, 2000, 2000]);
  });

  it("use 4 retries by default", async () => {
    server.on("GET", JOB, json(500, {}));
    const { delays, sleep } = recordSleeps();
    await expect(
      clientFor(server, { sleep }).getJob({ kind: "job", id: 7 }),
    ).rejects.toBeInstanceOf(TransientError);
    expect(server.count("GET", JOB)).toBe(5);
    expect(delays).toEqual([500, 1000, 2000, 4000]);
  });

  it("retry resets and time-outs", async () => {
    server.on("GET", JOB, reset, hang, json(200, jobBody()));
    const { delays, sleep } = recordSleeps();
    const job = await clientFor(server, { sleep, timeoutMs: 50 }).getJob({ kind: "job", id: 7 });
    expect(job.id).toBe(7);
    expect(delays).toEqual([500, 1000]);
  });

  it("wait Retry-After seconds on 429", async () => {
    server.on("GET", JOB, json(429, {}, { "retry-after": "3" }), json(200, jobBody()));
    const { delays, sleep } = recordSleeps();
    await clientFor(server, { sleep }).getJob({ kind: "job", id: 7 });
    expect(delays).toEqual([3000]);
  });

  it("wait until a Retry-After HTTP date on 429", async () => {
    const date = new Date(Date.now() + 10_000).toUTCString();
    server.on("GET", JOB, json(429, {}, { "retry-after": date }), json(200, jobBody()));
    const { delays, sleep } = recordSleeps();
    await clientFor(server, { sleep }).getJob({ kind: "job", id: 7 });
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(8000);
    expect(delays[0]).toBeLessThanOrEqual(10_000);
  });

  it("back off on 429 without Retry-After, then throw RateLimitError", async () => {
    server.on("GET", JOB, empty(429));
    const { delays, sleep } = recordSleeps();
    const error = await thrown(
      clientFor(server, { sleep, retry: { retries: 2 } }).getJob({ kind: "job", id: 7 }),
    );
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(500);
    expect(delays).toEqual([500, 1000]);
  });

  it("throw RateLimitError at once when Retry-After exceeds maxRetryAfterMs", async () => {
    server.on("GET", JOB, json(429, {}, { "retry-after": "120" }));
    const { delays, sleep } = recordSleeps();
    const error = await thrown(clientFor(server, { sleep }).getJob({ kind: "job", id: 7 }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(120_000);
    expect(delays).toEqual([]);
    expect(server.count("GET", JOB)).toBe(1);
  });

  it.each([
    [400, ConfigurationError],
    [401, AuthenticationError],
    [404, JobNotFoundError],
  ])("never retry %i", async (status, type) => {
    server.on("GET", JOB, json(status, { detail: "x" }));
    const { delays, sleep } = recordSleeps();
    await expect(
      clientFor(server, { sleep }).getJob({ kind: "job", id: 7 }),
    ).rejects.toBeInstanceOf(type);
    expect(server.count("GET", JOB)).toBe(1);
    expect(delays).toEqual([]);
  });

  it("do not retry with retries: 0", async () => {
    server.on("GET", JOB, json(503, {}));
    await expect(
      clientFor(server, { retry: { retries: 0 } }).getJob({ kind: "job", id: 7 }),
    ).rejects.toBeInstanceOf(TransientError);
    expect(server.count("GET", JOB)).toBe(1);
  });

  it("stop with AbortedError when the signal aborts during the wait", async () => {
    server.on("GET", JOB, json(503, {}));
    const controller = new AbortController();
    const { sleep } = recordSleeps(() => controller.abort());
    const error = await thrown(
      clientFor(server, { sleep }).getJob({ kind: "job", id: 7 }, { signal: controller.signal }),
    );
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).outcomeUnknown).toBe(false);
    expect(server.count("GET", JOB)).toBe(1);
  });

  it("stop with AbortedError when the real sleep is aborted", async () => {
    server.on("GET", JOB, json(503, {}));
    const controller = new AbortController();
    const { logger } = captureLogger();
    // The retry warning is logged just before the wait starts: abort right after it.
    const warn = logger.warn.bind(logger);
    logger.warn = (fields, message) => {
      warn(fields, message);
      setImmediate(() => controller.abort());
    };
    const client = clientFor(server, {
      sleep: undefined,
      logger,
      retry: { initialDelayMs: 60_000 },
    });
    const started = performance.now();
    const error = await thrown(
      client.getJob({ kind: "job", id: 7 }, { signal: controller.signal }),
    );
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).outcomeUnknown).toBe(false);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(server.count("GET", JOB)).toBe(1);
  });
});

describe("cancels", () => {
  it("are retried like reads", async () => {
    server.on("POST", "/api/v2/jobs/7/cancel/", json(503, {}), reset, empty(202));
    const { delays, sleep } = recordSleeps();
    expect(await clientFor(server, { sleep }).cancelJob({ kind: "job", id: 7 })).toBe("requested");
    expect(delays).toEqual([500, 1000]);
  });
});

describe("launches", () => {
  it("are never retried, even on 503, and warn that the outcome is unknown", async () => {
    server.on("POST", LAUNCH, json(503, {}), json(201, jobBody()));
    const { delays, sleep } = recordSleeps();
    const { logger, lines } = captureLogger();
    const error = await thrown(
      clientFor(server, { sleep, logger }).launch({ kind: "job_template", id: 5 }, {}),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).outcomeUnknown).toBe(true);
    expect(server.count("POST", LAUNCH)).toBe(1);
    expect(delays).toEqual([]);
    const warn = lines.find((l) => l.level === "warn");
    expect(warn?.message).toContain("outcome unknown");
  });

  it("are not retried on 429 either (outcome known: nothing launched)", async () => {
    server.on("POST", LAUNCH, json(429, {}, { "retry-after": "1" }));
    const { logger, lines } = captureLogger();
    const error = await thrown(
      clientFor(server, { logger }).launch({ kind: "job_template", id: 5 }, {}),
    );
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).outcomeUnknown).toBe(false);
    expect((error as RateLimitError).retryAfterMs).toBe(1000);
    expect(server.count("POST", LAUNCH)).toBe(1);
    expect(lines.some((l) => l.level === "warn")).toBe(false);
  });
});

describe("helpers", () => {
  it("defaultSleep waits, and rejects at once on abort", async () => {
    const started = performance.now();
    await defaultSleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const waiting = defaultSleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    await expect(defaultSleep(60_000, controller.signal)).rejects.toThrow("stop");
    await expect(defaultSleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });

  it("parseRetryAfter reads seconds and dates and ignores junk", () => {
    const now = Date.parse("2024-10-01T10:00:00Z");
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 2 ", now)).toBe(2000);
    expect(parseRetryAfter("1.5", now)).toBe(1500);
    expect(parseRetryAfter("Tue, 01 Oct 2024 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 01 Oct 2024 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it("backoffMs doubles from initialDelayMs up to maxDelayMs", () => {
    const policy = { retries: 9, initialDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 0 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(policy, n))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffMs({ ...policy, initialDelayMs: 0 }, 3)).toBe(0);
  });
});
