import { JobState, configVersion, isOutcomeUnknown, isProviderError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import type { ResourceObject } from "@provisionkit/core";
import {
  API_FORMS,
  call,
  computeInstance,
  hostPool,
  startAap,
  type AapFixture,
} from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });
const signal = () => ({ signal: new AbortController().signal });
/**
 * Wall-clock budget of a test that launches 200+ jobs over loopback (a few seconds alone,
 * more on a loaded machine): a time budget, not a checked behaviour.
 */
const MANY_JOBS_TIMEOUT_MS = 60_000;

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
});

/** The list requests the simulator received, with their queries. */
function listRequests(fx: AapFixture): { path: string; query: Record<string, string> }[] {
  return fx.sim
    .requests()
    .filter((r) => r.operation === "job-list")
    .map(({ path, query }) => ({ path, query }));
}

async function launchMany(
  fx: AapFixture,
  resource: ResourceObject,
  count: number,
  prefix: string,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    await fx.provider.triggerProvision(resource, { ...call(`${prefix}-${i}`), configVersion: V1 });
  }
}

const KINDS = [
  { template: "job_template", list: "jobs/", resource: () => computeInstance("vm-1") },
  { template: "workflow_job_template", list: "workflow_jobs/", resource: () => hostPool("pool-1") },
] as const;

describe("findJob on AWX: no extra_vars filter (AWX answers 403 to it)", () => {
  describe.each(API_FORMS)("through %s", (api) => {
    it.each(KINDS)(
      "finds the job of a $template by reading its jobs, newest first, in one request",
      async ({ template, list, resource }) => {
        const fx = await startAap({ api });
        await launchMany(fx, resource(), 3, "corr");
        const found = await fx.provider.findJob(
          resource(),
          { correlationId: "corr-1", type: "provision" },
          signal(),
        );
        expect(found?.jobId).toMatch(new RegExp(`:${fx.sim.ledger()[1]!.id}$`));
        const requests = listRequests(fx);
        expect(requests).toHaveLength(1);
        const prefix = api === "discover" ? "/api/controller/v2/" : api;
        expect(requests[0]!.path).toBe(`${prefix}${list}`);
        expect(requests[0]!.query).toEqual({
          [template]: String(fx.sim.ledger()[0]!.templateId),
          order_by: "-id",
          page_size: "200",
        });
      },
    );
  });

  it.each(KINDS)(
    "finds the job of a $template on page 2, walking back by id, with one request per page",
    async ({ template, resource }) => {
      const fx = await startAap();
      await launchMany(fx, resource(), 1, "target");
      await launchMany(fx, resource(), 200, "newer");
      const found = await fx.provider.findJob(
        resource(),
        { correlationId: "target-0", type: "provision" },
        signal(),
      );
      const ledger = fx.sim.ledger();
      expect(found?.jobId).toMatch(new RegExp(`:${ledger[0]!.id}$`));
      const requests = listRequests(fx);
      expect(requests).toHaveLength(2);
      expect(requests[1]!.query).toEqual({
        [template]: String(ledger[0]!.templateId),
        order_by: "-id",
        page_size: "200",
        id__lt: String(ledger[1]!.id),
      });
      for (const { query } of requests) {
        expect(Object.keys(query).some((key) => key.includes("extra_vars"))).toBe(false);
      }
    },
    MANY_JOBS_TIMEOUT_MS,
  );

  it("does not match a newer job of another resource or correlation id, and returns the newest match", async () => {
    const fx = await startAap();
    const vm1 = computeInstance("vm-1");
    const vm2 = computeInstance("vm-2");
    fx.sim.faults.inject({ operation: "launch", action: { type: "drop-after-accept" } });
    await fx.provider
      .triggerProvision(vm1, { ...call("corr-a"), configVersion: V1 })
      .catch(() => undefined);
    const retried = await fx.provider.triggerProvision(vm1, {
      ...call("corr-a"),
      configVersion: V1,
    });
    await fx.provider.triggerProvision(vm2, { ...call("corr-b"), configVersion: V1 });
    await fx.provider.triggerProvision(vm1, { ...call("corr-a-2"), configVersion: V1 });
    const found = await fx.provider.findJob(
      vm1,
      { correlationId: "corr-a", type: "provision" },
      signal(),
    );
    expect(fx.sim.ledger()).toHaveLength(4);
    expect(found?.jobId).toBe(retried.jobId);
    expect(found?.jobId).toBe(`job:${fx.sim.ledger()[1]!.id}`);
  });

  it(
    "fails (retryable) rather than answering none when the pages run out before the oldest job",
    async () => {
      const fx = await startAap({ provider: { findJobMaxPages: 1 } });
      const vm = computeInstance("vm-1");
      await launchMany(fx, vm, 201, "corr");
      const error: unknown = await fx.provider
        .findJob(vm, { correlationId: "corr-never", type: "provision" }, signal())
        .catch((e: unknown) => e);
      expect(isProviderError(error) && error.code).toBe("LOOKUP_INCOMPLETE");
      expect(isProviderError(error) && error.retryable).toBe(true);
      expect(listRequests(fx)).toHaveLength(1);
    },
    MANY_JOBS_TIMEOUT_MS,
  );

  it(
    "answers none after reading to the oldest job: one request per 200 jobs",
    async () => {
      const fx = await startAap({ provider: { findJobMaxPages: 2 } });
      const vm = computeInstance("vm-1");
      await launchMany(fx, vm, 201, "corr");
      const found = await fx.provider.findJob(
        vm,
        { correlationId: "corr-never", type: "provision" },
        signal(),
      );
      expect(found).toBeUndefined();
      expect(listRequests(fx)).toHaveLength(2);
    },
    MANY_JOBS_TIMEOUT_MS,
  );
});
