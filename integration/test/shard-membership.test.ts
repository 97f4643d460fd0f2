/**
 * ShardMembership on the simulator's Leases, in virtual time (see leader-election.test.ts):
 * the handover rule is checked at every instant ownership can change — after each timer
 * and at each reported change — for 300 fixed keys: never two owners of one key.
 */
import { ShardMembership, rendezvousOwner } from "@provisionkit/core/kubernetes";
import { KubernetesApiSimulator } from "@provisionkit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VirtualTimers } from "../support/request-count.ts";
import { cuttable, type CuttableLeases } from "../support/leases.ts";

const EPOCH = Date.UTC(2026, 11, 5);
const TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const KEYS = Array.from(
  { length: 300 },
  (_, i) =>
    `0000${i.toString(16).padStart(4, "0")}-5e1d-4c0a-9b7e-${(i * 7919).toString(16).padStart(12, "0")}`,
);

interface Replica {
  id: string;
  membership: ShardMembership;
  leases: CuttableLeases;
}

let sim: KubernetesApiSimulator;
let timers: VirtualTimers;
let replicas: Replica[];
let checks: number;

function owners(key: string): string[] {
  return replicas.filter((r) => r.membership.owns(key)).map((r) => r.id);
}

function check(): void {
  checks++;
  for (const key of KEYS) {
    const who = owners(key);
    if (who.length > 1) throw new Error(`${key} owned by ${who.join(", ")} at ${timers.now()} ms`);
  }
}

function split(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of KEYS) for (const id of owners(key)) counts[id] = (counts[id] ?? 0) + 1;
  return counts;
}

function unowned(): number {
  return KEYS.filter((key) => owners(key).length === 0).length;
}

function replica(id: string): Replica {
  const leases = cuttable(sim);
  const membership = new ShardMembership({
    leases,
    group: "operator",
    identity: id,
    timers,
    clock: () => EPOCH + timers.now(),
    ...TIMING,
    onChange: check,
  });
  const r = { id, membership, leases };
  replicas.push(r);
  return r;
}

async function runUntil(until: number): Promise<void> {
  for (;;) {
    const next = timers.next();
    if (next === undefined || next > until) break;
    timers.advanceTo(next);
    check();
    await Promise.all(replicas.map((r) => r.membership.settled()));
    check();
  }
  timers.advanceTo(until);
  check();
}

async function runUntilTrue(predicate: () => boolean, limit: number): Promise<number> {
  const end = timers.now() + limit;
  while (!predicate()) {
    const next = timers.next();
    if (next === undefined || next > end) throw new Error(`not reached within ${limit} ms`);
    await runUntil(next);
  }
  return timers.now();
}

beforeEach(async () => {
  sim = new KubernetesApiSimulator({ leases: true });
  await sim.start();
  timers = new VirtualTimers();
  replicas = [];
  checks = 0;
});
afterEach(async () => {
  for (const r of replicas) await r.membership.stop({ release: false });
  await sim.stop();
});

describe("rendezvousOwner", () => {
  it("splits keys evenly and moves only the keys of a member that leaves, or 1/N to one that joins", () => {
    const uids = Array.from({ length: 3000 }, (_, i) => `uid-${i}`);
    const three = ["a", "b", "c"];
    const counts = new Map<string, number>();
    for (const uid of uids) {
      const owner = rendezvousOwner(uid, three)!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    for (const member of three) {
      // 1000 expected each; the bound: within 10 %.
      expect(counts.get(member)).toBeGreaterThan(900);
      expect(counts.get(member)).toBeLessThan(1100);
    }
    const moved: string[] = [];
    let toD = 0;
    for (const uid of uids) {
      const before = rendezvousOwner(uid, three)!;
      const after = rendezvousOwner(uid, ["a", "c"])!;
      if (before !== "b" && after !== before) moved.push(`${uid}: ${before} -> ${after}`);
      const joined = rendezvousOwner(uid, [...three, "d"])!;
      if (joined === "d") toD++;
      else if (joined !== before) moved.push(`${uid}: ${before} -> ${joined}`);
    }
    expect(moved).toEqual([]);
    expect(toD).toBeGreaterThan(650);
    expect(toD).toBeLessThan(850);
    expect(rendezvousOwner("x", [])).toBeUndefined();
    // Order of the members does not matter.
    expect(rendezvousOwner("uid-7", ["c", "b", "a"])).toBe(rendezvousOwner("uid-7", three));
  });
});

describe("ShardMembership (virtual time, Leases on the simulator)", () => {
  it("three replicas split the keys; a crashed one's keys move after its Lease expires, a joining one waits a lease duration; never two owners", async () => {
    // Staggered starts: 0, 0.5 s, 1 s.
    const [a, b, c] = ["a", "b", "c"].map(replica) as [Replica, Replica, Replica];
    a.membership.start();
    await runUntil(500);
    b.membership.start();
    await runUntil(1_000);
    c.membership.start();
    // Each acts once it has been a member for a lease duration (15 s after joining); by
    // then every one has listed the others.
    await runUntilTrue(() => unowned() === 0, 30_000);
    const settledAt = timers.now();
    expect(settledAt).toBe(16_000);
    const three = split();
    expect(Object.keys(three).sort()).toEqual(["a", "b", "c"]);
    for (const n of Object.values(three)) {
      expect(n).toBeGreaterThanOrEqual(70);
      expect(n).toBeLessThanOrEqual(130);
    }
    expect(
      KEYS.filter((key) => owners(key).join(",") !== rendezvousOwner(key, ["a", "b", "c"])),
    ).toEqual([]);

    // b crashes (its Lease is left to expire).
    await runUntil(20_000);
    const orphaned = KEYS.filter((key) => owners(key)[0] === "b");
    const crashedAt = timers.now();
    await b.membership.stop({ release: false });
    expect(unowned()).toBe(orphaned.length);
    const movedAt = await runUntilTrue(() => unowned() === 0, 60_000);
    const takeover = movedAt - crashedAt;
    // b's last renewal (18.5 s) was seen by a at 20 s and by c at 19 s: it expires for them
    // at 35 s and 34 s; c takes its part at 35 s, a at 36 s.
    expect(takeover).toBeLessThanOrEqual(TIMING.leaseDurationMs + 2 * TIMING.retryPeriodMs);
    const wrong: string[] = [];
    for (const key of KEYS) {
      const now = owners(key).join(",");
      // Only b's keys moved.
      if (!orphaned.includes(key) && now !== rendezvousOwner(key, ["a", "b", "c"])) wrong.push(key);
      if (now !== rendezvousOwner(key, ["a", "c"])) wrong.push(key);
    }
    expect(wrong).toEqual([]);
    const two = split();

    // d joins: it takes about a third of the keys, only after a lease duration, from a and c.
    const joinedAt = timers.now();
    const d = replica("d");
    d.membership.start();
    const dActs = await runUntilTrue(() => KEYS.some((key) => owners(key)[0] === "d"), 60_000);
    expect(dActs - joinedAt).toBeGreaterThanOrEqual(TIMING.leaseDurationMs);
    await runUntilTrue(() => unowned() === 0, 60_000);
    expect(
      KEYS.filter((key) => owners(key).join(",") !== rendezvousOwner(key, ["a", "c", "d"])),
    ).toEqual([]);
    const withD = split();
    console.log(
      `shard membership (virtual time, 300 keys, lease ${TIMING.leaseDurationMs} ms): split a/b/c ${three.a}/${three.b}/${three.c}; ` +
        `after b crashed: takeover ${takeover} ms, a/c ${two.a}/${two.c}; after d joined: a/c/d ${withD.a}/${withD.c}/${withD.d}, d acting ${dActs - joinedAt} ms after it started; ${checks} checks of every key`,
    );
  });

  it("a partitioned replica stops acting before the others take its keys, and acts again only after rejoining", async () => {
    const [a, b] = ["a", "b"].map(replica) as [Replica, Replica];
    a.membership.start();
    await runUntil(1_000);
    b.membership.start();
    await runUntilTrue(() => unowned() === 0, 30_000);
    await runUntil(20_000);
    const theirs = KEYS.filter((key) => owners(key)[0] === "b");
    expect(theirs.length).toBeGreaterThan(0);
    b.leases.cut = true;
    // b's last full cycle began at 19 s: it stops acting at 29 s.
    const stopped = await runUntilTrue(() => !b.membership.active(), 30_000);
    expect(stopped).toBe(29_000);
    // a saw b's 19 s renewal at 20 s: b expires for a at 35 s; a's cycle at 36 s takes over.
    const taken = await runUntilTrue(() => theirs.every((key) => owners(key)[0] === "a"), 30_000);
    expect(taken).toBe(36_000);
    expect(taken - stopped).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.renewDeadlineMs);
    // Back: b rejoins, a drops b's keys at its next list, b acts a lease duration after rejoining.
    b.leases.cut = false;
    const back = await runUntilTrue(() => theirs.some((key) => owners(key)[0] === "b"), 60_000);
    expect(back).toBeGreaterThanOrEqual(taken + TIMING.leaseDurationMs);
    await runUntilTrue(() => unowned() === 0, 30_000);
    expect(
      KEYS.filter((key) => owners(key).join(",") !== rendezvousOwner(key, ["a", "b"])),
    ).toEqual([]);
  });

  it("stop() releases the member Lease: the others take its keys at their next list", async () => {
    const [a, b] = ["a", "b"].map(replica) as [Replica, Replica];
    a.membership.start();
    await runUntil(1_000);
    b.membership.start();
    await runUntilTrue(() => unowned() === 0, 30_000);
    await runUntil(20_500);
    const stoppedAt = timers.now();
    await b.membership.stop();
    expect(
      sim.getObject({
        group: "coordination.k8s.io",
        plural: "leases",
        namespace: "default",
        name: "operator-b",
      })?.spec,
    ).toMatchObject({ holderIdentity: "" });
    const taken = await runUntilTrue(() => unowned() === 0, 10_000);
    expect(taken - stoppedAt).toBeLessThanOrEqual(TIMING.retryPeriodMs);
    expect(split()).toEqual({ a: KEYS.length });
  });
});
