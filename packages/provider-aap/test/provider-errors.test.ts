import { configVersion, isOutcomeUnknown, type ProviderError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { TOKEN, call, computeInstance, startAap, failure } from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });

describe("rate limits and failures (P8)", () => {
  it("surfaces a 429 on launch as RateLimitError with the server's Retry-After, not retried", async () => {
    const fx = await startAap();
    fx.sim.faults.inject({
      operation: "launch",
      action: { type: "rate-limit", retryAfterSeconds: 7 },
    });
    const error = await failure(
      fx.provider.triggerProvision(computeInstance("vm-1"), { ...call(), configVersion: V1 }),
    );
    expect(error.code).toBe("RATE_LIMITED");
    expect((error as ProviderError & { retryAfterMs: number }).retryAfterMs).toBe(7000);
    expect(isOutcomeUnknown(error)).toBe(false);
    expect(fx.sim.ledger()).toHaveLength(0);
  });

  it("retries status reads through 429s and 503s, and gives RateLimitError when they persist", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    const { jobId } = await fx.provider.triggerProvision(vm, { ...call(), configVersion: V1 });
    fx.sim.faults.inject({ operation: "job-get", action: { type: "status", status: 503 } });
    fx.sim.faults.inject({
      operation: "job-get",
      action: { type: "rate-limit", retryAfterSeconds: 2 },
    });
    const status = await fx.provider.getProvisionStatus(vm, jobId, call());
    expect(status.jobId).toBe(jobId);
    expect(fx.sleeps).toContain(2000);

    fx.sim.faults.inject({
      operation: "job-get",
      times: Infinity,
      action: { type: "rate-limit", retryAfterSeconds: 1 },
    });
    const error = await failure(fx.provider.getProvisionStatus(vm, jobId, call()));
    expect(error.code).toBe("RATE_LIMITED");
  });

  it("tells a transient 5xx from a permanent 400", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    const { jobId } = await fx.provider.triggerProvision(vm, { ...call(), configVersion: V1 });
    fx.sim.faults.inject({
      operation: "job-get",
      times: Infinity,
      action: { type: "status", status: 502 },
    });
    const transient = await failure(fx.provider.getProvisionStatus(vm, jobId, call()));
    expect(transient.code).toBe("TRANSIENT");
    expect(transient.retryable).toBe(true);
    fx.sim.faults.clear();
    fx.sim.faults.inject({
      operation: "launch",
      action: {
        type: "status",
        status: 400,
        body: { resources_needed_to_start: ["Job Template inventory is missing or undefined."] },
      },
    });
    const permanent = await failure(
      fx.provider.triggerProvision(vm, { ...call("b"), configVersion: V1 }),
    );
    expect(permanent.code).toBe("CONFIGURATION");
    expect(permanent.retryable).toBe(false);
    expect(permanent.message).toContain("inventory is missing");
  });

  it("marks a launch whose connection reset after sending as outcome-unknown", async () => {
    const fx = await startAap();
    fx.sim.faults.inject({ operation: "launch", action: { type: "drop-after-accept" } });
    const error = await failure(
      fx.provider.triggerProvision(computeInstance("vm-1"), { ...call(), configVersion: V1 }),
    );
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(fx.sim.requests().filter((r) => r.operation === "launch")).toHaveLength(1);
  });
});

describe("authentication and secrets", () => {
  it("answers AuthenticationError for a bad token and never shows the token", async () => {
    const secret = "s3cr3t-token-value-7731";
    const fx = await startAap({ token: secret });
    const vm = computeInstance("vm-1");
    const error = await failure(fx.provider.triggerProvision(vm, { ...call(), configVersion: V1 }));
    expect(error.code).toBe("AUTHENTICATION");
    expect(error.retryable).toBe(false);
    const everything = [
      error.message,
      JSON.stringify(error),
      JSON.stringify(error.details),
      JSON.stringify(error.cause ?? null),
      error.stack ?? "",
      ...fx.logs,
    ].join("\n");
    expect(everything).not.toContain(secret);
    expect(fx.sim.requests().every((r) => !JSON.stringify(r).includes(secret))).toBe(true);
  });

  it("answers AuthenticationError for a read-only token on launch", async () => {
    const fx = await startAap({
      simulator: { auth: { tokens: [{ token: TOKEN, scope: "read" }] } },
    });
    const error = await failure(
      fx.provider.triggerProvision(computeInstance("vm-1"), { ...call(), configVersion: V1 }),
    );
    expect(error.code).toBe("AUTHENTICATION");
    expect(error.message).toMatch(/permission/i);
    expect(fx.sim.ledger()).toHaveLength(0);
  });

  it("logs launches without the token or the resource payload", async () => {
    const fx = await startAap();
    await fx.provider.triggerProvision(computeInstance("vm-1", { password: "hunter2" }), {
      ...call(),
      configVersion: V1,
    });
    const text = fx.logs.join("\n");
    expect(text).toContain("launched");
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("hunter2");
  });
});
