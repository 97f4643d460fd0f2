import { ConfigurationError, type ProviderError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { AapClient, type AapClientOptions } from "../src/client/index.js";
import { PASSWORD, TOKEN, captureLogger, secretFree } from "./client-harness.js";

const base: AapClientOptions = {
  url: "https://aap.example.com",
  auth: { type: "bearer", token: TOKEN },
};

function configError(options: unknown): ConfigurationError {
  try {
    new AapClient(options as AapClientOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(secretFree(message)).toBe(true);
    expect(secretFree(JSON.stringify((error as ProviderError).details))).toBe(true);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError");
}

describe("AapClient options", () => {
  it("accept a minimal configuration", () => {
    expect(new AapClient(base)).toBeInstanceOf(AapClient);
  });

  it.each([
    ["options", undefined],
    ["url", { ...base, url: 42 }],
    ["url", { ...base, url: "" }],
    ["url", { ...base, url: "not a url" }],
    ["url", { ...base, url: "ftp://aap.example.com" }],
    ["url", { ...base, url: "https://aap.example.com/api/v2/?x=1" }],
    ["url", { ...base, url: "https://aap.example.com/#frag" }],
    ["url", { ...base, url: "https://aap.example.com/some/prefix/" }],
    ["url", { ...base, url: "https://aap.example.com/api/gateway/v1/" }],
    ["url", { ...base, url: "https://aap.example.com/api/eda/" }],
    ["auth", { ...base, auth: undefined }],
    ["auth.type", { ...base, auth: { type: "oauth", token: TOKEN } }],
    ["auth.token", { ...base, auth: { type: "bearer", token: "" } }],
    ["auth.token", { ...base, auth: { type: "bearer", token: "  \n" } }],
    ["auth.token", { ...base, auth: { type: "bearer", token: "abc def" } }],
    ["auth.token", { ...base, auth: { type: "bearer" } }],
    ["auth.username", { ...base, auth: { type: "basic", username: "", password: PASSWORD } }],
    ["auth.username", { ...base, auth: { type: "basic", username: "a:b", password: PASSWORD } }],
    ["auth.password", { ...base, auth: { type: "basic", username: "admin", password: "" } }],
    ["tls", { ...base, tls: "yes" }],
    ["tls.insecureSkipTLSVerify", { ...base, tls: { insecureSkipTLSVerify: "true" } }],
    ["tls.ca", { ...base, tls: { ca: 5 } }],
    ["tls.ca", { ...base, tls: { ca: [] } }],
    ["tls.ca", { ...base, tls: { ca: "not a certificate" } }],
    ["timeoutMs", { ...base, timeoutMs: 0 }],
    ["timeoutMs", { ...base, timeoutMs: -1 }],
    ["timeoutMs", { ...base, timeoutMs: Number.NaN }],
    ["timeoutMs", { ...base, timeoutMs: 2 ** 40 }],
    ["retry", { ...base, retry: 3 }],
    ["retry.retries", { ...base, retry: { retries: -1 } }],
    ["retry.retries", { ...base, retry: { retries: 1.5 } }],
    ["retry.retries", { ...base, retry: { retries: 1000 } }],
    ["retry.initialDelayMs", { ...base, retry: { initialDelayMs: -5 } }],
    ["retry.maxDelayMs", { ...base, retry: { maxDelayMs: Infinity } }],
    ["retry.maxRetryAfterMs", { ...base, retry: { maxRetryAfterMs: "1" } }],
    ["logger", { ...base, logger: { info: () => {} } }],
    ["userAgent", { ...base, userAgent: "" }],
    ["userAgent", { ...base, userAgent: "x\r\nInjected: 1" }],
    ["sleep", { ...base, sleep: 5 }],
  ])("reject a bad %s (case %#)", (option, options) => {
    const error = configError(options);
    expect(error.details.option).toBe(option);
    expect(error.message).toContain(`option ${option} `);
    expect(error.retryable).toBe(false);
  });

  it("never echo a URL that carries credentials", () => {
    const error = configError({ ...base, url: `https://admin:${PASSWORD}@aap.example.com/` });
    expect(error.details.option).toBe("url");
    expect(error.message).toContain("must not contain credentials");
  });

  it("never echo a bad token", () => {
    const error = configError({ ...base, auth: { type: "bearer", token: `${TOKEN} extra` } });
    expect(error.message).not.toContain("extra");
  });

  it("warn once at construction when TLS verification is disabled, and only then", () => {
    const insecure = captureLogger();
    new AapClient({ ...base, logger: insecure.logger, tls: { insecureSkipTLSVerify: true } });
    expect(insecure.lines).toHaveLength(1);
    expect(insecure.lines[0]).toMatchObject({
      level: "warn",
      fields: { origin: "https://aap.example.com" },
    });
    expect(insecure.lines[0]?.message).toContain("verification is disabled");
    const secure = captureLogger();
    new AapClient({ ...base, logger: secure.logger, tls: { insecureSkipTLSVerify: false } });
    expect(secure.lines).toHaveLength(0);
  });
});
