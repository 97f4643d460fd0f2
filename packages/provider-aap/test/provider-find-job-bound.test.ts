import { configVersion, type ResourceObject } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { LAUNCHED_AT_SKEW_MS } from "../src/index.ts";
import { call, computeInstance, hostPool, startAap, type AapFixture } from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });
const signal = () => ({ signal: new AbortController().signal });
/**
 * Wall-clock budget of a test that launches 200+ jobs over loopback (a few seconds alone,
 * more on a loaded machine): a time budget, not a checked behaviour.
 */
const MANY_JOBS_TIMEOUT_MS = 60_000;

const KINDS = [
  { template: "job_template", resource: () => computeInstance("vm-1") },
  { template: "workflow_job_template", resource: () => hostPool("pool-1") },
] as const;

function listQueries(fx: AapFixture): Record<string, string>[] {
  return fx.sim
    .requests()
    .filter((r) => r.operation === "job-list")
    .map((r) => r.query);
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

describe("findJob bounded by FindJobQuery.launchedAt (issue 13)", () => {
  it.each(KINDS)(
    "lists only the $template's jobs created since launchedAt less the skew margin",
    async ({ template, resource }) => {
      const fx = await startAap();
      await launchMany(fx, resource(), 1, "old");
      fx.clock.advance(3_600_000);
      const launchedAt = new Date(fx.clock.now()).toISOString();
      await launchMany(fx, resource(), 1, "new");
      const found = await fx.provider.findJob(
        resource(),
        { correlationId: "new-0", type: "provision", launchedAt },
        signal(),
      );
      expect(found?.jobId).toMatch(new RegExp(`:${fx.sim.ledger()[1]!.id}$`));
      expect(listQueries(fx)).toEqual([
        {
          [template]: String(fx.sim.ledger()[0]!.templateId),
          order_by: "-id",
          page_size: "200",
          created__gte: new Date(fx.clock.now() - LAUNCHED_AT_SKEW_MS).toISOString(),
        },
      ]);
    },
  );

  it("a job created within the skew margin before launchedAt is still found; one before it is not sought", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    await launchMany(fx, vm, 1, "early"); // created LAUNCHED_AT_SKEW_MS + 1 s before launchedAt
    fx.clock.advance(LAUNCHED_AT_SKEW_MS - 60_000);
    await launchMany(fx, vm, 1, "skewed"); // created 1 min before launchedAt by AAP's clock
    fx.clock.advance(60_000 + 1000);
    const launchedAt = new Date(fx.clock.now()).toISOString();
    const query = (correlationId: string) => ({
      correlationId,
      type: "provision" as const,
      launchedAt,
    });
    expect(await fx.provider.findJob(vm, query("skewed-0"), signal())).toBeDefined();
    expect(await fx.provider.findJob(vm, query("early-0"), signal())).toBeUndefined();
    // Without the bound the early job is found: the bound, not the matcher, left it out.
    expect(
      await fx.provider.findJob(vm, { correlationId: "early-0", type: "provision" }, signal()),
    ).toBeDefined();
  });

  it.each(["yesterday", "", "2026-13-45T99:00:00Z"])(
    "a launchedAt that is not a time (%j) bounds nothing: every job is read, and it is logged",
    async (launchedAt) => {
      const fx = await startAap();
      const vm = computeInstance("vm-1");
      await launchMany(fx, vm, 1, "old");
      fx.clock.advance(3_600_000);
      const found = await fx.provider.findJob(
        vm,
        { correlationId: "old-0", type: "provision", launchedAt },
        signal(),
      );
      expect(found).toBeDefined();
      expect(listQueries(fx).every((q) => !("created__gte" in q))).toBe(true);
      expect(fx.logs.some((line) => line.includes("launchedAt that is not a time"))).toBe(true);
    },
  );

  it(
    "cost of answering none: one request per 200 jobs before, one request with launchedAt",
    async () => {
      const fx = await startAap();
      const vm = computeInstance("vm-1");
      const costs: { jobs: number; before: number; after: number }[] = [];
      for (const total of [0, 201]) {
        await launchMany(fx, vm, total - (costs.at(-1)?.jobs ?? 0), `batch-${total}`);
        fx.clock.advance(3_600_000);
        const launchedAt = new Date(fx.clock.now()).toISOString();
        const count = async (bounded: boolean): Promise<number> => {
          const start = listQueries(fx).length;
          const found = await fx.provider.findJob(
            vm,
            { correlationId: "never", type: "provision", ...(bounded && { launchedAt }) },
            signal(),
          );
          expect(found).toBeUndefined();
          return listQueries(fx).length - start;
        };
        costs.push({ jobs: total, before: await count(false), after: await count(true) });
      }
      expect(costs).toEqual([
        { jobs: 0, before: 1, after: 1 },
        { jobs: 201, before: 2, after: 1 },
      ]);
    },
    MANY_JOBS_TIMEOUT_MS,
  );
});
