import { describe, expect, it } from "vitest";
import { ConfigurationError, silentLogger } from "@provisionkit/core";
import { MAX_TIMER_MS, isValidPemBundle, optionChecks } from "@provisionkit/core/http";

const check = optionChecks("Runner client");

function failure(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError");
}

describe("optionChecks", () => {
  it("name the scope and the option, and never echo the value", () => {
    const error = failure(() => check.url("url", "ftp://user:pw-SECRET@host/"));
    expect(error.message).toBe("Runner client option url must be http or https");
    expect(error.details.option).toBe("url");
    expect(error.message).not.toContain("pw-SECRET");
  });

  it("url accepts http(s) without credentials, query or fragment", () => {
    expect(check.url("url", "  https://runner.example.com/api/ ").href).toBe(
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
      expect(failure(() => check.url("url", value)).message).toBe(
        `Runner client option url ${problem}`,
      );
    }
  });

  it("milliseconds and count apply defaults and bounds", () => {
    expect(check.milliseconds("timeoutMs", undefined, 30_000, 1)).toBe(30_000);
    expect(check.milliseconds("timeoutMs", 0, 5, 0)).toBe(0);
    expect(failure(() => check.milliseconds("timeoutMs", 0, 5, 1)).message).toContain(
      "must be a positive number",
    );
    expect(failure(() => check.milliseconds("delayMs", -1, 5, 0)).message).toContain(
      "must be a non-negative number",
    );
    expect(failure(() => check.milliseconds("delayMs", Number.NaN, 5, 0)).message).toContain(
      "must be a non-negative number",
    );
    expect(failure(() => check.milliseconds("delayMs", MAX_TIMER_MS + 1, 5, 0)).message).toContain(
      `must be at most ${MAX_TIMER_MS}`,
    );
    expect(check.count("retries", undefined, 4, 100)).toBe(4);
    expect(failure(() => check.count("retries", 1.5, 4, 100)).message).toContain(
      "must be an integer",
    );
    expect(failure(() => check.count("retries", 101, 4, 100)).message).toContain(
      "must be at most 100",
    );
  });

  it("tls needs parseable PEM certificates", () => {
    expect(check.tls(undefined)).toEqual({ ca: undefined, insecure: false });
    expect(check.tls({ insecureSkipTLSVerify: true })).toEqual({
      ca: undefined,
      insecure: true,
    });
    expect(failure(() => check.tls({ ca: "not a pem" })).message).toBe(
      "Runner client option tls.ca is not a valid PEM certificate bundle",
    );
    const broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
    expect(isValidPemBundle(broken)).toBe(false);
    expect(failure(() => check.tls({ ca: [] })).message).toContain(
      "must be a PEM string or Buffer, or a non-empty array of them",
    );
    expect(failure(() => check.tls({ insecureSkipTLSVerify: "yes" })).message).toContain(
      "tls.insecureSkipTLSVerify must be a boolean",
    );
    expect(failure(() => check.tls("tls")).message).toContain("tls must be an object");
  });

  it("check the logger, functions, the secret source and the user agent", () => {
    expect(check.logger(undefined)).toBe(silentLogger);
    expect(failure(() => check.logger({ debug: () => {} })).message).toContain(
      "logger must have debug, info, warn and error methods",
    );
    const now = (): number => 1;
    expect(check.fn("now", now, Date.now)).toBe(now);
    expect(failure(() => check.fn("now", 5, Date.now)).message).toContain("now must be a function");
    expect(check.secrets(undefined)).toBeUndefined();
    expect(failure(() => check.secrets({})).message).toContain("secrets must be a SecretSource");
    expect(check.userAgent(undefined, "runner-client")).toBe("runner-client");
    expect(failure(() => check.userAgent("a\nb", "x")).message).toContain(
      "userAgent must be a non-empty string without control characters",
    );
  });
});
