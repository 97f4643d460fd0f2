/**
 * LeaderElector on the Kubernetes API simulator's Leases, in virtual time: the electors'
 * timers and clocks are the test's, the requests are real HTTP to the simulator, and time
 * stands still while they run. So every figure below is exact, and the invariant "never two
 * leaders at once" is checked at every instant something can change (each timer, and each
 * change of leadership as it is reported).
 */
import type { Provider } from "@provisionkit/core";
import {
  LeaderElector,
  ProvisioningController,
  type LeaseClient,
} from "@provisionkit/core/kubernetes";
import { KubernetesApiSimulator } from "@provisionkit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cuttable, type CuttableLeases } from "../support/leases.ts";
import { loadKubeConfig } from "../support/cluster.ts";
import { VirtualTimers } from "../support/request-count.ts";
import { controllerOptions } from "../support/world.ts";

const EPOCH = Date.UTC(2026, 11, 5);
const TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

interface Candidate {
  elector: LeaderElector;
  leases: CuttableLeases;
}

let sim: KubernetesApiSimulator;
let timers: VirtualTimers;
let candidates: Candidate[];
/** Leadership intervals as reported: [identity, from, to]. */
let intervals: { id: string; from: number; to?: number }[];
let maxLeaders: number;

function leaders(): string[] {
  return candidates.filter((c) => c.elector.isLeader()).map((c) => c.elector.identity);
}

function check(): void {
  maxLeaders = Math.max(maxLeaders, leaders().length);
  expect(leaders().length).toBeLessThanOrEqual(1);
}

function candidate(identity: string): Candidate {
  const leases = cuttable(sim);
  const elector = new LeaderElector({
    leases,
    leaseName: "operator-leader",
    identity,
    timers,
    clock: () => EPOCH + timers.now(),
    ...TIMING,
    onChange: (leading) => {
      if (leading) intervals.push({ id: identity, from: timers.now() });
      else {
        const open = intervals.findLast((i) => i.id === identity && i.to === undefined);
        if (open) open.to = timers.now();
      }
      check();
    },
  });
  const c = { elector, leases };
  candidates.push(c);
  return c;
}

/** Run every timer due by `until`, letting each one's requests finish before the next. */
async function runUntil(until: number): Promise<void> {
  for (;;) {
    const next = timers.next();
    if (next === undefined || next > until) break;
    timers.advanceTo(next);
    check();
    await Promise.all(candidates.map((c) => c.elector.settled()));
    check();
  }
  timers.advanceTo(until);
  check();
}

/** Run until `predicate` holds (checked after each timer), failing after `limit` ms. */
async function runUntilTrue(predicate: () => boolean, limit: number): Promise<number> {
  const end = timers.now() + limit;
  while (!predicate()) {
    const next = timers.next();
    if (next === undefined || next > end) throw new Error(`not reached within ${limit} ms`);
    await runUntil(next);
  }
  return timers.now();
}

function lease(): Record<string, unknown> | undefined {
  return sim.getObject({
    group: "coordination.k8s.io",
    plural: "leases",
    namespace: "default",
    name: "operator-leader",
  })?.spec as Record<string, unknown> | undefined;
}

beforeEach(async () => {
  sim = new KubernetesApiSimulator({ leases: true });
  await sim.start();
  timers = new VirtualTimers();
  candidates = [];
  intervals = [];
  maxLeaders = 0;
});
afterEach(async () => {
  for (const c of candidates) await c.elector.stop({ release: false });
  await sim.stop();
});

describe("LeaderElector (virtual time, Leases on the simulator)", () => {
  it("elects one leader; a crashed leader's Lease is taken over after it expires, never with two leaders", async () => {
    const [a, b, c] = ["a", "b", "c"].map(candidate) as [Candidate, Candidate, Candidate];
    // Staggered starts (0, 0.5 s, 1 s), so that no two requests of one virtual instant race.
    a.elector.start();
    await runUntil(500);
    b.elector.start();
    await runUntil(1_000);
    c.elector.start();
    await runUntil(9_000);
    expect(leaders()).toEqual(["a"]);
    const first = a;
    expect(lease()).toMatchObject({
      holderIdentity: first.elector.identity,
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
    expect(b.elector.holder).toBe(first.elector.identity);

    // Crash: the leader stops renewing, without releasing (its last renewal was at 8 s).
    const crashedAt = timers.now();
    await first.elector.stop({ release: false });
    const takenAt = await runUntilTrue(() => leaders().length === 1, 60_000);
    const takeover = takenAt - crashedAt;
    const next = candidates.find((x) => x.elector.isLeader())!;
    expect(next).not.toBe(first);
    // b (retrying every 2 s from 0.5 s) saw the last renewal (8 s) at 8.5 s: it expires for
    // b at 23.5 s, and b's retry at 24.5 s takes it (c's expiry, 24 s, comes later): 15.5 s
    // after the crash, one retry period at most above the lease duration.
    expect(next).toBe(b);
    expect(takenAt).toBe(24_500);
    expect(takeover).toBe(15_500);
    expect(lease()).toMatchObject({ holderIdentity: next.elector.identity, leaseTransitions: 1 });
    console.log(
      `leader election (virtual time, lease ${TIMING.leaseDurationMs} ms, renew deadline ${TIMING.renewDeadlineMs} ms, retry ${TIMING.retryPeriodMs} ms): takeover after a crash ${takeover} ms`,
    );
    expect(maxLeaders).toBe(1);
  });

  it("a partitioned leader stops acting at its renew deadline, before another can take over", async () => {
    const [a, b] = ["a", "b"].map(candidate) as [Candidate, Candidate];
    a.elector.start();
    await runUntil(1_000);
    b.elector.start();
    await runUntil(9_000);
    expect(leaders()).toEqual(["a"]);
    // The last renewal began at 8 s. Cut a off from the API server: it keeps believing it
    // leads until 8 s + 10 s = 18 s, and stops then without having heard from anyone.
    a.leases.cut = true;
    await runUntilTrue(() => !a.elector.isLeader(), 30_000);
    expect(timers.now()).toBe(18_000);
    // b saw that renewal at 9 s (its first read after it): the Lease expires for it at 24 s,
    // and its retry at 25 s takes it. Between 18 s and 25 s nobody leads.
    const takenAt = await runUntilTrue(() => b.elector.isLeader(), 30_000);
    expect(takenAt).toBe(25_000);
    const aEnd = intervals.find((i) => i.id === "a")!.to!;
    const bStart = intervals.find((i) => i.id === "b")!.from;
    expect(bStart - aEnd).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.renewDeadlineMs);
    // Back on the network, a finds b holding the Lease and does not lead.
    a.leases.cut = false;
    await runUntil(40_000);
    expect(leaders()).toEqual(["b"]);
    expect(maxLeaders).toBe(1);
  });

  it("a leader whose renewals fail but whose Lease nobody took leads again once it renews", async () => {
    const [a] = ["a"].map(candidate) as [Candidate];
    a.elector.start();
    await runUntil(1_000);
    expect(leaders()).toEqual(["a"]);
    a.leases.cut = true;
    await runUntilTrue(() => !a.elector.isLeader(), 30_000);
    expect(timers.now()).toBe(10_000);
    a.leases.cut = false;
    // Its next retry (every 2 s from 0) renews the Lease it still holds.
    const back = await runUntilTrue(() => a.elector.isLeader(), 30_000);
    expect(back).toBe(12_000);
    expect(lease()).toMatchObject({ holderIdentity: "a", leaseTransitions: 0 });
  });

  it("a valid leader renews without reading the Lease first (client-go's fast path)", async () => {
    const [a] = ["a"].map(candidate) as [Candidate];
    a.elector.start();
    await runUntil(10_000);
    expect(leaders()).toEqual(["a"]);
    const calls = sim
      .requests()
      .filter((r) => r.path.includes("/leases"))
      .map((r) => r.method);
    // The first attempt reads (404) and creates; the renewals at 2, 4, 6, 8 and 10 s only write.
    expect(calls).toEqual(["GET", "POST", "PUT", "PUT", "PUT", "PUT", "PUT"]);
  });

  it("stop() releases the Lease (ReleaseOnCancel) and another candidate takes over at its next retry", async () => {
    const [a, b] = ["a", "b"].map(candidate) as [Candidate, Candidate];
    a.elector.start();
    await runUntil(1_000);
    b.elector.start();
    await runUntil(10_500);
    expect(leaders()).toEqual(["a"]);
    const stoppedAt = timers.now();
    await a.elector.stop();
    expect(lease()).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    const takenAt = await runUntilTrue(() => b.elector.isLeader(), 10_000);
    // b retries every 2 s from 1 s: 11 s.
    expect(takenAt - stoppedAt).toBe(500);
    expect(lease()).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    expect(maxLeaders).toBe(1);
  });

  it("refuses timings client-go refuses", () => {
    const base = {
      leases: {} as LeaseClient,
      leaseName: "x",
      identity: "a",
      timers: new VirtualTimers(),
    };
    expect(
      () => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
    ).toThrow(RangeError);
    expect(
      () => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }),
    ).toThrow(/1.2/);
    expect(() => new LeaderElector({ ...base, retryPeriodMs: 0 })).toThrow(RangeError);
  });

  it("a controller takes leader election or sharding, not both, and checks their timing", () => {
    const options = controllerOptions(
      {
        kind: "simulator",
        kubeConfig: () => loadKubeConfig(sim.kubeconfig()),
        kubeconfigText: () => sim.kubeconfig(),
        stop: () => sim.stop(),
      },
      "default",
      { name: "none" } as unknown as Provider,
    );
    expect(
      () =>
        new ProvisioningController({
          ...options,
          leaderElection: { leaseName: "x" },
          sharding: { group: "x" },
        }),
    ).toThrow(/cannot both be set/);
    expect(
      () =>
        new ProvisioningController({
          ...options,
          leaderElection: { leaseName: "x", leaseDurationMs: 1_000, renewDeadlineMs: 2_000 },
        }),
    ).toThrow(RangeError);
    expect(
      () => new ProvisioningController({ ...options, sharding: { group: "not a label!" } }),
    ).toThrow(/label value/);
    const elected = new ProvisioningController({
      ...options,
      leaderElection: { leaseName: "x", identity: "me" },
    });
    expect(elected.leaseIdentity).toBe("me");
    expect(new ProvisioningController(options).leaseIdentity).toBeUndefined();
  });
});
