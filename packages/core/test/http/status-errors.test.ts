import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  ConfigurationError,
  InvalidResponseError,
  JobNotFoundError,
  ProviderError,
  RateLimitError,
  TransientError,
} from "@provisionkit/core";
import {
  MAX_ERROR_BODY_DEPTH,
  MAX_ERROR_BODY_PARTS,
  fromHttpStatus,
  serverMessage,
  type StatusMapping,
} from "@provisionkit/core/http";
import { SECRET, answer, context } from "./support.js";

const NOW = Date.parse("Tue, 01 Oct 2024 10:00:00 GMT");
const MAPPING: StatusMapping = { now: NOW, defaultRetryAfterMs: 7000 };

describe("fromHttpStatus", () => {
  it.each([
    [401, AuthenticationError, false],
    [403, AuthenticationError, false],
    [400, ConfigurationError, false],
    [404, ProviderError, false],
    [409, ProviderError, false],
    [500, TransientError, true],
    [501, TransientError, false],
    [502, TransientError, true],
    [503, TransientError, true],
    [504, TransientError, true],
  ])("%i → %o, retry %s", (status, type, retry) => {
    const failure = fromHttpStatus(context(), answer(status), MAPPING);
    expect(failure.error).toBeInstanceOf(type);
    expect(failure.retry).toBe(retry);
    expect(failure.error.outcomeUnknown).toBe(false);
    expect(failure.error.details).toMatchObject({ status, method: "GET", path: "/jobs/7" });
    expect(failure.error.message.startsWith(`Runner GET /jobs/7: `)).toBe(true);
  });

  it("a 4xx other than 400 is not retryable", () => {
    expect(fromHttpStatus(context(), answer(404), MAPPING).error.retryable).toBe(false);
  });

  it("a 5xx to a request that is not idempotent leaves the outcome unknown, unless told otherwise", () => {
    expect(fromHttpStatus(context(false), answer(500), MAPPING).error.outcomeUnknown).toBe(true);
    const gatewaysOnly = { ...MAPPING, serverErrorMayHaveLanded: (s: number) => s === 502 };
    expect(fromHttpStatus(context(false), answer(500), gatewaysOnly).error.outcomeUnknown).toBe(
      false,
    );
    expect(fromHttpStatus(context(false), answer(502), gatewaysOnly).error.outcomeUnknown).toBe(
      true,
    );
  });

  it("a 429 is a RateLimitError with the server's Retry-After, or the default", () => {
    const withHeader = fromHttpStatus(context(), answer(429, "", { "retry-after": "12" }), MAPPING);
    expect(withHeader.error).toBeInstanceOf(RateLimitError);
    expect((withHeader.error as RateLimitError).retryAfterMs).toBe(12_000);
    expect(withHeader.retryAfterMs).toBe(12_000);
    expect(withHeader.retry).toBe(true);
    expect(withHeader.error.details.retryAfterHeader).toBe(true);
    const dated = fromHttpStatus(
      context(),
      answer(429, "", { "retry-after": "Tue, 01 Oct 2024 10:01:00 GMT" }),
      MAPPING,
    );
    expect((dated.error as RateLimitError).retryAfterMs).toBe(60_000);
    const bare = fromHttpStatus(context(false), answer(429), MAPPING);
    expect((bare.error as RateLimitError).retryAfterMs).toBe(7000);
    expect(bare.retryAfterMs).toBeUndefined();
    expect(bare.error.outcomeUnknown).toBe(false);
    expect(bare.error.details.retryAfterHeader).toBe(false);
  });

  it("a redirect is not followed: a non-retryable ProviderError that says so", () => {
    const failure = fromHttpStatus(context(), answer(301, "", { location: "/elsewhere" }), MAPPING);
    expect(failure.error.constructor).toBe(ProviderError);
    expect(failure.error.message).toContain("redirects are not followed");
    expect(failure.retry).toBe(false);
  });

  it("an unexpected 2xx is an InvalidResponseError, outcome unknown when not idempotent", () => {
    const failure = fromHttpStatus(context(false), answer(204), MAPPING);
    expect(failure.error).toBeInstanceOf(InvalidResponseError);
    expect(failure.error.outcomeUnknown).toBe(true);
  });

  it("asks the backend's own mapping first, and adds the auth hint", () => {
    const mapping: StatusMapping = {
      ...MAPPING,
      authHint: "check the token",
      special: ({ response, message, details }) =>
        response.status === 404 ? new JobNotFoundError("7", message, { details }) : undefined,
    };
    const missing = fromHttpStatus(context(), answer(404, '{"detail":"gone"}'), mapping);
    expect(missing.error).toBeInstanceOf(JobNotFoundError);
    expect(missing.error.message).toBe("Runner GET /jobs/7: not found (404): gone");
    expect(missing.retry).toBe(false);
    const denied = fromHttpStatus(context(), answer(401), mapping);
    expect(denied.error.message).toBe(
      "Runner GET /jobs/7: authentication failed (401); check the token",
    );
  });

  it("puts the server's explanation in the message, scrubbed of secrets", () => {
    const body = JSON.stringify({ detail: `bad token ${SECRET}`, extra_vars: ["not allowed"] });
    const failure = fromHttpStatus(context(), answer(400, body), MAPPING);
    expect(failure.error.message).toBe(
      "Runner GET /jobs/7: bad request (400): bad token [REDACTED]; extra_vars: not allowed",
    );
    expect(JSON.stringify(failure.error.details)).not.toContain(SECRET);
  });
});

describe("serverMessage", () => {
  it("flattens validation bodies, keeps plain text, and shortens", () => {
    const { redactor } = context();
    expect(serverMessage('{"a":{"b":["x","y"]},"non_field_errors":["z"]}', redactor)).toBe(
      "a.b: x y; z",
    );
    expect(serverMessage("  upstream\n down ", redactor)).toBe("upstream down");
    expect(serverMessage("x".repeat(5000), redactor).length).toBeLessThanOrEqual(1001);
  });

  it("bounds hostile bodies: nesting thousands deep, thousands of fields", () => {
    const { redactor } = context();
    const deep = `${'{"a":'.repeat(10_000)}"bottom"${"}".repeat(10_000)}`;
    // Deeper than MAX_ERROR_BODY_DEPTH: summarised, never a stack overflow (RangeError).
    expect(serverMessage(deep, redactor)).toBe("(1 more left out)");
    const shallow = `${'{"a":'.repeat(MAX_ERROR_BODY_DEPTH - 1)}"bottom"${"}".repeat(MAX_ERROR_BODY_DEPTH - 1)}`;
    expect(serverMessage(shallow, redactor)).toBe(
      `${Array(MAX_ERROR_BODY_DEPTH - 1)
        .fill("a")
        .join(".")}: bottom`,
    );
    const wide = JSON.stringify(
      Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, "bad"])),
    );
    const message = serverMessage(wide, redactor);
    expect(message.split("; ").slice(0, MAX_ERROR_BODY_PARTS)).toEqual(
      Array.from({ length: MAX_ERROR_BODY_PARTS }, (_, i) => `f${i}: bad`),
    );
    expect(message).toMatch(new RegExp(`; \\(${5000 - MAX_ERROR_BODY_PARTS} more left out\\)$`));
  });

  // Issue 16: every walk over a server body is bounded; 100,000 levels (JSON.parse handles
  // them: V8's parser is iterative) end in the status's typed error, never a RangeError.
  it.each([
    ["objects", 10_000, (n: number) => `${'{"a":'.repeat(n)}"bottom"${"}".repeat(n)}`],
    ["objects", 100_000, (n: number) => `${'{"a":'.repeat(n)}"bottom"${"}".repeat(n)}`],
    ["arrays", 10_000, (n: number) => `${"[".repeat(n)}"bottom"${"]".repeat(n)}`],
    ["arrays", 100_000, (n: number) => `${"[".repeat(n)}"bottom"${"]".repeat(n)}`],
  ])("a body of %s nested %i deep is summarised and mapped", (_kind, levels, make) => {
    const body = make(levels);
    expect(serverMessage(body, context().redactor)).toBe("(1 more left out)");
    const failure = fromHttpStatus(context(), answer(400, body), MAPPING);
    expect(failure.error).toBeInstanceOf(ConfigurationError);
    expect(failure.error.message).toContain("(1 more left out)");
  });

  it("maps a deeply nested error answer to a typed error", () => {
    const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    const failure = fromHttpStatus(context(), answer(500, deep), MAPPING);
    expect(failure.error).toBeInstanceOf(TransientError);
    expect(failure.error.message).toContain("server error (500)");
  });
});
