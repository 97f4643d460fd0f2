import { JobState, configVersion, isOutcomeUnknown, isProviderError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { call, computeInstance, hostPool, startAap } from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });
const signal = () => ({ signal: new AbortController().signal });

describe("findJob (E5 adoption)", () => {
  it("finds a job whose launch response was lost, instead of letting it be launched twice", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    fx.sim.faults.inject({ operation: "launch", action: { type: "drop-after-accept" } });
    const error: unknown = await fx.provider
      .triggerProvision(vm, { ...call("corr-lost"), configVersion: V1 })
      .catch((e: unknown) => e);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(fx.sim.requests().filter((r) => r.operation === "launch")).toHaveLength(1);

    const found = await fx.provider.findJob(
      vm,
      { correlationId: "corr-lost", type: "provision" },
      signal(),
    );
    const [job] = fx.sim.ledger();
    expect(found).toMatchObject({ jobId: `job:${job!.id}`, state: JobState.Pending });
    fx.clock.advance(60_000);
    const later = await fx.provider.findJob(
      vm,
      { correlationId: "corr-lost", type: "provision" },
      signal(),
    );
    expect(later).toMatchObject({ state: JobState.Succeeded, reconciledVersion: V1 });
    expect(fx.sim.ledger()).toHaveLength(1);
  });

  it.each([
    { when: "no job carries the correlation id", launched: "corr-other", sought: "corr-missing" },
    {
      when: "a job only contains the id as a substring",
      launched: "corr-1-suffix",
      sought: "corr-1",
    },
  ])("answers undefined when $when", async ({ launched, sought }) => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    await fx.provider.triggerProvision(vm, { ...call(launched), configVersion: V1 });
    const found = await fx.provider.findJob(
      vm,
      { correlationId: sought, type: "provision" },
      signal(),
    );
    expect(found).toBeUndefined();
  });

  it("finds workflow jobs and deprovision jobs with their blockDeletionOnFailure", async () => {
    const fx = await startAap({ provider: { blockDeletionOnFailure: false } });
    const pool = hostPool("pool-1");
    fx.sim.faults.inject({ operation: "launch", action: { type: "drop-after-accept" } });
    await fx.provider
      .triggerDeprovision(
        pool,
        [
          {
            jobId: "eda-1",
            type: "provision",
            state: JobState.Succeeded,
            message: "",
            provider: "eda",
            correlationId: "c",
            launchedAt: "2026-01-01T00:00:00.000Z",
            updatedAt: "2026-01-01T00:00:00.000Z",
            attempt: 1,
          },
        ],
        call("corr-teardown"),
      )
      .catch(() => undefined);
    const found = await fx.provider.findJob(
      pool,
      { correlationId: "corr-teardown", type: "deprovision" },
      signal(),
    );
    expect(found?.jobId).toMatch(/^workflow_job:\d+$/);
    expect(found?.blockDeletionOnFailure).toBe(false);
    const asProvision = await fx.provider.findJob(
      pool,
      { correlationId: "corr-teardown", type: "provision" },
      signal(),
    );
    expect(asProvision).toBeUndefined();
  });

  it("scans the template's recent jobs when AAP rejects the extra_vars filter", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    await fx.provider.triggerProvision(vm, { ...call("corr-a"), configVersion: V1 });
    await fx.provider.triggerProvision(vm, { ...call("corr-b"), configVersion: V1 });
    fx.sim.faults.inject({
      operation: "job-list",
      action: {
        type: "status",
        status: 400,
        body: { detail: "extra_vars is not an allowed filter" },
      },
    });
    const found = await fx.provider.findJob(
      vm,
      { correlationId: "corr-a", type: "provision" },
      signal(),
    );
    expect(found?.jobId).toBe(`job:${fx.sim.ledger()[0]!.id}`);
    expect(fx.logs.some((l) => l.startsWith("warn") && l.includes("scanning"))).toBe(true);
  });

  it("fails (retryable) rather than answering none when the scan could not reach the end", async () => {
    const fx = await startAap({ provider: { findJobMaxPages: 1 } });
    const vm = computeInstance("vm-1");
    for (let i = 0; i < 201; i++) {
      await fx.provider.triggerProvision(vm, { ...call(`corr-${i}`), configVersion: V1 });
    }
    fx.sim.faults.inject({
      operation: "job-list",
      action: { type: "status", status: 400, body: { detail: "no such filter" } },
    });
    const error: unknown = await fx.provider
      .findJob(vm, { correlationId: "corr-never", type: "provision" }, signal())
      .catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("LOOKUP_INCOMPLETE");
    expect(isProviderError(error) && error.retryable).toBe(true);
  });
});
