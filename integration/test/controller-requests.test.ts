import { describe, expect, it } from "vitest";
import { measureLifecycles, type LifecycleCounts } from "../support/request-count.ts";

/** Print a measurement (the figures docs/kubernetes-runtime.md quotes). */
function show(label: string, counts: LifecycleCounts): void {
  const verbs = Object.entries(counts.perLifecycle)
    .map(([verb, n]) => `${verb} ${n}`)
    .join(", ");
  console.log(
    `${label}: ${counts.total} Kubernetes requests per lifecycle (${verbs}); ` +
      `${counts.connections} new TCP connections per lifecycle, ${counts.connectionsTotal} in all; ` +
      `${counts.providerCalls} provider calls per lifecycle (${counts.lifecycles} lifecycles)`,
  );
}

// Issue 17: the controller's Kubernetes traffic per create→Ready→delete lifecycle, counted on
// the Kubernetes API simulator in virtual time (poll interval 10 s). Before the change: 21
// requests per lifecycle with 5 s jobs (9 GETs, 2 patches, 6 status writes, 4 Events) and
// 1,083 with 30 min jobs, each on a TCP connection of its own.

describe("Kubernetes requests per lifecycle (issue 17)", () => {
  it("do not depend on the job's length: a 30 s and a 30 min job cost the same, with no GET", async () => {
    const short = await measureLifecycles({ jobMs: 30_000, lifecycles: 3 });
    const long = await measureLifecycles({ jobMs: 30 * 60_000, lifecycles: 3 });
    show("30 s jobs", short);
    show("30 min jobs", long);
    expect(short.troubled).toBe(0);
    expect(long.troubled).toBe(0);
    // The long jobs were polled many more times (whatever the engine's poll policy) …
    expect(long.providerCalls).toBeGreaterThan(short.providerCalls + 20);
    // … and that cost no Kubernetes request: the same requests, verb by verb.
    expect(long.perLifecycle).toEqual(short.perLifecycle);
    // Finalizer added and released; per launch the pending-launch marker and the job record
    // (E5); the provision's end; the deprovision's end releases the finalizer unwritten; one
    // Event per launch and per end.
    expect(short.perLifecycle).toEqual({ patch: 2, status: 5, event: 4 });
  }, 120_000);

  it("a state a user can see (the deprovision job Running) costs one status write", async () => {
    const seen = await measureLifecycles({
      jobMs: 30 * 60_000,
      lifecycles: 2,
      deprovisionRunning: true,
    });
    show("30 min jobs, deprovision seen Running", seen);
    expect(seen.perLifecycle).toEqual({ patch: 2, status: 6, event: 4 });
  }, 60_000);

  it("without Events: 7 requests per lifecycle", async () => {
    const quick = await measureLifecycles({ jobMs: 5_000, lifecycles: 2, events: false });
    const long = await measureLifecycles({ jobMs: 30 * 60_000, lifecycles: 2, events: false });
    show("5 s jobs, no Events", quick);
    show("30 min jobs, no Events", long);
    expect(quick.perLifecycle).toEqual({ patch: 2, status: 5 });
    expect(long.perLifecycle).toEqual({ patch: 2, status: 5 });
  }, 60_000);

  it("one keep-alive agent: 10 lifecycles open no connection beyond the first ones", async () => {
    const run = await measureLifecycles({ jobMs: 30_000, lifecycles: 10 });
    show("10 lifecycles of 30 s jobs", run);
    // The watch and the pooled connection of the first requests (before: one connection per
    // request, 21 per lifecycle).
    expect(run.connectionsTotal).toBeLessThanOrEqual(3);
    expect(run.connections).toBe(0);
    expect(run.total).toBe(11);
  }, 120_000);
});
