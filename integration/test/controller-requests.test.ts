import { describe, expect, it } from "vitest";
import { measureLifecycles } from "../support/request-count.ts";

// Issue 17: the controller's Kubernetes traffic per create→Ready→delete lifecycle, counted on
// the Kubernetes API simulator in virtual time (poll interval 10 s). Before the change: 21
// requests per lifecycle with 5 s jobs (9 GETs, 2 patches, 6 status writes, 4 Events) and
// 1,083 with 30 min jobs, each on a TCP connection of its own.

describe("Kubernetes requests per lifecycle (issue 17)", () => {
  it("do not depend on the job's length: a 30 s and a 30 min job cost the same, with no GET", async () => {
    const short = await measureLifecycles({ jobMs: 30_000, lifecycles: 3 });
    const long = await measureLifecycles({ jobMs: 30 * 60_000, lifecycles: 3 });
    expect(short.troubled).toBe(0);
    expect(long.troubled).toBe(0);
    // The polls happened (the long job's 180 polls each) …
    expect(long.providerCalls).toBeGreaterThan(300);
    // … and cost no Kubernetes request: the same requests, verb by verb.
    expect(long.perLifecycle).toEqual(short.perLifecycle);
    // Finalizer added and released; marker and job record per launch (E5), the provision's
    // end, the deprovision job seen Running; its end releases the finalizer unwritten; one
    // Event per launch and per end.
    expect(short.perLifecycle).toEqual({ patch: 2, status: 6, event: 4 });
  }, 120_000);

  it("a job that ends before its first poll skips a state, and one status write with it", async () => {
    const quick = await measureLifecycles({ jobMs: 5_000, lifecycles: 2 });
    expect(quick.perLifecycle).toEqual({ patch: 2, status: 5, event: 4 });
  }, 60_000);

  it("without Events: 7 requests per lifecycle, 8 when the deprovision job is seen running", async () => {
    const quick = await measureLifecycles({ jobMs: 5_000, lifecycles: 2, events: false });
    const long = await measureLifecycles({ jobMs: 30 * 60_000, lifecycles: 2, events: false });
    expect(quick.total).toBe(7);
    expect(long.total).toBe(8);
  }, 60_000);

  it("one keep-alive agent: 10 lifecycles open no connection beyond the first ones", async () => {
    const run = await measureLifecycles({ jobMs: 30_000, lifecycles: 10 });
    // The list, the watch, and the pooled connection of the first requests (before: one
    // connection per request, 21 per lifecycle).
    expect(run.connectionsTotal).toBeLessThanOrEqual(3);
    expect(run.connections).toBe(0);
    expect(run.total).toBe(12);
  }, 120_000);
});
