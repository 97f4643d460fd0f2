import {
  AbortedError,
  AuthenticationError,
  ConfigurationError,
  InvalidResponseError,
  RateLimitError,
  TimeoutError,
  TransientError,
  type ProviderError,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { EdaClient, type EdaClientOptions } from "../src/index.ts";
import { fromTransport } from "../src/client/errors.ts";
import { TransportError, redactorFor } from "@provisionkit/core/http";
import {
  serverPerTest,
  TOKEN,
  captureLogger,
  empty,
  hang,
  json,
  leakedSecrets,
  errorText,
  refusedUrl,
  reset,
  text,
  thrown,
} from "./harness.ts";

const server = serverPerTest();

const PATH = "/create-compute-instance";
const EVENT = { kind: "ComputeInstance", operation: "provision" as const, payload: { a: 1 } };

function client(more: Partial<EdaClientOptions> = {}): EdaClient {
  return new EdaClient({
    target: { type: "webhook", url: server.url },
    auth: { type: "bearer", token: TOKEN },
    ...more,
  });
}

function streamClient(more: Partial<EdaClientOptions> = {}): EdaClient {
  return new EdaClient({
    target: { type: "event-stream", urls: { provision: `${server.url}/s/1/post/` } },
    auth: { type: "bearer", token: TOKEN },
    ...more,
  });
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await thrown(promise);
  expect(leakedSecrets(errorText(error))).toEqual([]);
  return error as ProviderError;
}

describe("nothing received: TransientError, outcome known", () => {
  it("connection refused", async () => {
    const url = await refusedUrl();
    const error = await failure(
      new EdaClient({ target: { type: "webhook", url }, auth: { type: "none" } }).send(EVENT),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(error.retryable).toBe(true);
    expect(error.outcomeUnknown).toBe(false);
    expect(error.details.errorCode).toBe("ECONNREFUSED");
    expect(error.message).toContain("nothing was sent");
  });

  it("DNS failure", async () => {
    const error = await failure(
      new EdaClient({
        target: { type: "webhook", url: "http://no-such-host.invalid:5000" },
        auth: { type: "none" },
      }).send(EVENT),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(error.outcomeUnknown).toBe(false);
    expect(String(error.details.errorCode)).toMatch(/^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)$/);
  });

  it("a time-out before any connection is a TimeoutError with a known outcome", () => {
    const destination = { type: "webhook" as const, url: "http://x/y", path: "/y", echo: "y" };
    const error = fromTransport(
      destination,
      new TransportError("timeout", "TIMEOUT", "no complete response within 5 ms", false),
      redactorFor([]),
      5,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.outcomeUnknown).toBe(false);
    expect(error.message).toContain("nothing was sent");
  });
});

describe("after the request was written: outcome unknown, never resent", () => {
  it("a server that never answers → TimeoutError(outcomeUnknown) after requestTimeoutMs", async () => {
    server.on(PATH, hang);
    const { logger, lines } = captureLogger();
    const error = await failure(client({ requestTimeoutMs: 80, logger }).send(EVENT));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(80);
    expect(error.outcomeUnknown).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(lines.some((l) => l.level === "warn" && l.message.includes("outcome unknown"))).toBe(
      true,
    );
  });

  it("a reset connection → TransientError(outcomeUnknown), not resent", async () => {
    server.on(PATH, reset);
    const error = await failure(client().send(EVENT));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.outcomeUnknown).toBe(true);
    expect(error.details.connected).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it("a caller abort during the request → AbortedError(outcomeUnknown)", async () => {
    server.on(PATH, hang);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(client().send(EVENT, { signal: controller.signal }));
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.outcomeUnknown).toBe(true);
  });

  it("a pre-aborted signal sends nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(client().send(EVENT, { signal: controller.signal }));
    expect(error).toBeInstanceOf(AbortedError);
    expect(error.outcomeUnknown).toBe(false);
    expect(server.requests).toHaveLength(0);
  });
});

describe("HTTP statuses", () => {
  it("401 → AuthenticationError, sent once (literal secrets are not re-read)", async () => {
    server.on(PATH, text(401, "Invalid authorization token"));
    const error = await failure(client().send(EVENT));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.details.status).toBe(401);
    expect(error.message).toContain("Invalid authorization token");
    expect(server.requests).toHaveLength(1);
  });

  it("403 from an event stream → AuthenticationError with its detail", async () => {
    server.on("/s/1/post/", json(403, { detail: "Token mismatch, check your token" }));
    const error = await failure(streamClient().send(EVENT));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("Token mismatch, check your token");
  });

  it("400 → ConfigurationError with the server's text, secrets redacted", async () => {
    server.on(PATH, text(400, `Signature header not found (you sent Bearer ${TOKEN})`));
    const error = await failure(client().send(EVENT));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.outcomeUnknown).toBe(false);
    expect(error.message).toContain("Signature header not found");
    expect(error.message).toContain("[REDACTED]");
  });

  it("404 → ConfigurationError naming the path", async () => {
    server.on(PATH, text(404, "Not Found"));
    const error = await failure(client().send(EVENT));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`EDA POST ${PATH}: not found (404)`);
  });

  it("429 with Retry-After seconds → RateLimitError with that delay", async () => {
    server.on(PATH, text(429, "slow down", { "retry-after": "7" }));
    const error = await failure(client().send(EVENT));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(7000);
    expect(error.outcomeUnknown).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it("429 with an HTTP-date Retry-After, measured with the injected clock", async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    server.on(PATH, text(429, "", { "retry-after": new Date(now + 90_000).toUTCString() }));
    const error = await failure(client({ now: () => now }).send(EVENT));
    expect((error as RateLimitError).retryAfterMs).toBe(90_000);
  });

  it("429 without Retry-After → the default delay", async () => {
    server.on(PATH, text(429, ""));
    const error = await failure(client().send(EVENT));
    expect((error as RateLimitError).retryAfterMs).toBe(30_000);
  });

  it("500/503 → TransientError, outcome known; 502/504 → outcome unknown", async () => {
    const expected: [number, boolean][] = [
      [500, false],
      [503, false],
      [502, true],
      [504, true],
    ];
    for (const [status, unknown] of expected) {
      server.on(PATH, text(status, "oops"));
      const error = await failure(client().send(EVENT));
      expect(error, String(status)).toBeInstanceOf(TransientError);
      expect(error.retryable).toBe(true);
      expect(error.outcomeUnknown, String(status)).toBe(unknown);
    }
    expect(server.requests).toHaveLength(4);
  });

  it("redirects are not followed → ConfigurationError", async () => {
    server.on(PATH, empty(301, { location: `${server.url}/elsewhere?token=abc` }));
    const error = await failure(client().send(EVENT));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("redirected (301)");
    expect(error.message).not.toContain("token=abc");
    expect(server.requests.map((r) => r.path)).toEqual([PATH]);
  });
});

describe("confirmation of a queued event", () => {
  it("webhook: 200 with the endpoint path as text is queued", async () => {
    server.on(PATH, text(200, "create-compute-instance"));
    await expect(client().send(EVENT)).resolves.toMatchObject({
      status: 200,
      destination: { path: PATH },
    });
  });

  it("webhook: a 200 HTML page (a proxy's login) is InvalidResponseError, outcome unknown", async () => {
    server.on(PATH, (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Sign in</body></html>");
    });
    const error = await failure(client().send(EVENT));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.outcomeUnknown).toBe(true);
    expect(error.retryable).toBe(false);
  });

  it("webhook: a 200 echoing another endpoint is not a confirmation", async () => {
    server.on(PATH, text(200, "delete-compute-instance"));
    expect(await failure(client().send(EVENT))).toBeInstanceOf(InvalidResponseError);
  });

  it("webhook: a 204 is not a confirmation", async () => {
    server.on(PATH, empty(204));
    expect(await failure(client().send(EVENT))).toBeInstanceOf(InvalidResponseError);
  });

  it("webhook behind a path prefix: the echo is the full path", async () => {
    const c = new EdaClient({
      target: { type: "webhook", url: `${server.url}/hooks/` },
      auth: { type: "none" },
    });
    await c.send(EVENT);
    expect(server.last().path).toBe("/hooks/create-compute-instance");
  });

  it("event stream: 200 empty and 201 are queued", async () => {
    server.on("/s/1/post/", empty(200), empty(201));
    await expect(streamClient().send(EVENT)).resolves.toMatchObject({ status: 200 });
    await expect(streamClient().send(EVENT)).resolves.toMatchObject({ status: 201 });
  });

  it("event stream: a 200 HTML page is InvalidResponseError", async () => {
    server.on("/s/1/post/", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<!doctype html><title>login</title>");
    });
    const error = await failure(streamClient().send(EVENT));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.outcomeUnknown).toBe(true);
  });
});
