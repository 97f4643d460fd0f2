import { describe, expect, it } from "vitest";
import { ConfigurationError, silentLogger } from "@provisionkit/core";
import {
  MAX_TIMER_MS,
  checkCount,
  checkFunction,
  checkHttpUrl,
  checkLogger,
  checkMilliseconds,
  checkSecretSource,
  checkTlsOptions,
  checkUserAgent,
  isValidPemBundle,
} from "@provisionkit/core/http";

const SCOPE = "Runner client";

function failure(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError");
}

describe("option checks", () => {
  it("name the scope and the option, and never echo the value", () => {
    const error = failure(() => checkHttpUrl(SCOPE, "url", "ftp://user:pw-SECRET@host/"));
    expect(error.message).toBe("Runner client option url must be http or https");
    expect(error.details.option).toBe("url");
    expect(error.message).not.toContain("pw-SECRET");
  });

  it("checkHttpUrl accepts http(s) without credentials, query or fragment", () => {
    expect(checkHttpUrl(SCOPE, "url", "  https://runner.example.com/api/ ").href).toBe(
      "https://runner.example.com/api/",
    );
    for (const [value, problem] of [
      [undefined, "must be a non-empty string"],
      [" ", "must be a non-empty string"],
      ["runner", "is not a valid absolute URL"],
      ["https://u:p@runner/", "must not contain credentials: use the auth option"],
      ["https://runner/?token=x", "must not have a query string or fragment"],
      ["https://runner/#x", "must not have a query string or fragment"],
    ] as const) {
      expect(failure(() => checkHttpUrl(SCOPE, "url", value)).message).toBe(
        `Runner client option url ${problem}`,
      );
    }
  });

  it("checkMilliseconds and checkCount apply defaults and bounds", () => {
    expect(checkMilliseconds(SCOPE, "timeoutMs", undefined, 30_000, 1)).toBe(30_000);
    expect(checkMilliseconds(SCOPE, "timeoutMs", 0, 5, 0)).toBe(0);
    expect(failure(() => checkMilliseconds(SCOPE, "timeoutMs", 0, 5, 1)).message).toContain(
      "must be a positive number",
    );
    expect(failure(() => checkMilliseconds(SCOPE, "delayMs", -1, 5, 0)).message).toContain(
      "must be a non-negative number",
    );
    expect(failure(() => checkMilliseconds(SCOPE, "delayMs", Number.NaN, 5, 0)).message).toContain(
      "must be a non-negative number",
    );
    expect(
      failure(() => checkMilliseconds(SCOPE, "delayMs", MAX_TIMER_MS + 1, 5, 0)).message,
    ).toContain(`must be at most ${MAX_TIMER_MS}`);
    expect(checkCount(SCOPE, "retries", undefined, 4, 100)).toBe(4);
    expect(failure(() => checkCount(SCOPE, "retries", 1.5, 4, 100)).message).toContain(
      "must be an integer",
    );
    expect(failure(() => checkCount(SCOPE, "retries", 101, 4, 100)).message).toContain(
      "must be at most 100",
    );
  });

  it("checkTlsOptions needs parseable PEM certificates", () => {
    expect(checkTlsOptions(SCOPE, undefined)).toEqual({ ca: undefined, insecure: false });
    expect(checkTlsOptions(SCOPE, { insecureSkipTLSVerify: true })).toEqual({
      ca: undefined,
      insecure: true,
    });
    expect(failure(() => checkTlsOptions(SCOPE, { ca: "not a pem" })).message).toBe(
      "Runner client option tls.ca is not a valid PEM certificate bundle",
    );
    const broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
    expect(isValidPemBundle(broken)).toBe(false);
    expect(failure(() => checkTlsOptions(SCOPE, { ca: [] })).message).toContain(
      "must be a PEM string or Buffer, or a non-empty array of them",
    );
    expect(
      failure(() => checkTlsOptions(SCOPE, { insecureSkipTLSVerify: "yes" })).message,
    ).toContain("tls.insecureSkipTLSVerify must be a boolean");
    expect(failure(() => checkTlsOptions(SCOPE, "tls")).message).toContain("tls must be an object");
  });

  it("check the logger, functions, the secret source and the user agent", () => {
    expect(checkLogger(SCOPE, undefined)).toBe(silentLogger);
    expect(failure(() => checkLogger(SCOPE, { debug: () => {} })).message).toContain(
      "logger must have debug, info, warn and error methods",
    );
    const now = (): number => 1;
    expect(checkFunction(SCOPE, "now", now, Date.now)).toBe(now);
    expect(failure(() => checkFunction(SCOPE, "now", 5, Date.now)).message).toContain(
      "now must be a function",
    );
    expect(checkSecretSource(SCOPE, undefined)).toBeUndefined();
    expect(failure(() => checkSecretSource(SCOPE, {})).message).toContain(
      "secrets must be a SecretSource",
    );
    expect(checkUserAgent(SCOPE, undefined, "runner-client")).toBe("runner-client");
    expect(failure(() => checkUserAgent(SCOPE, "a\nb", "x")).message).toContain(
      "userAgent must be a non-empty string without control characters",
    );
  });
});
