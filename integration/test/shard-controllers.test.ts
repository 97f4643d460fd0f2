/**
 * Three ProvisioningControllers on the Kubernetes API simulator (serving Leases) and the AAP
 * simulator, with sharding or leader election, one of them killed mid-run (stopped without
 * releasing its Lease, as a crash leaves it). Real time with short Lease timings; every wait
 * is a bounded wait on a condition. Checked: every resource converges (Ready, then deleted),
 * no job is launched twice (the AAP ledger: one provision and one deprovision job per
 * resource, never two active at once), no two replicas act on one resource at once (every
 * provider call is recorded with its replica and its start and end), and with sharding every
 * launch is made by the replica the uid hashes to over the live replicas. Takeover time and
 * the split are printed.
 */
import {
  AbortedError,
  configVersion,
  type Provider,
  type ResourceObject,
} from "@provisionkit/core";
import {
  ProvisioningController,
  rendezvousOwner,
  type ProvisioningControllerOptions,
} from "@provisionkit/core/kubernetes";
import { AapProvider } from "@provisionkit/provider-aap";
import { KubernetesApiSimulator, type AapSimulator } from "@provisionkit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CRD, Users, condition, loadKubeConfig, type TestCluster } from "../support/cluster.ts";
import {
  CREATE,
  DELETE,
  aapClientOptions,
  controllerOptions,
  overlaps,
  startAapSimulator,
  wrap,
} from "../support/world.ts";

const NAMESPACE = "shards";
/**
 * Short timings; the margin `leaseDurationMs − renewDeadlineMs` (1 s) is what a launch already
 * under way when a Lease is lost has to end in (other calls are aborted at once), on a loaded
 * machine too.
 */
const TIMING = { leaseDurationMs: 2_500, renewDeadlineMs: 1_500, retryPeriodMs: 250 };
const WAIT = { timeout: 30_000, interval: 25 };
const RESOURCES = 8;

interface Act {
  replica: string;
  name: string;
  uid: string;
  call: string;
  start: number;
  end: number;
}

let sim: KubernetesApiSimulator;
let aap: AapSimulator;
let cluster: TestCluster;
let users: Users;
let acts: Act[];
let controllers: Map<string, ProvisioningController>;
/** Told of every call as it ends (after it is recorded in `acts`). */
let onAct: ((act: Act) => void) | undefined;

/** The provider of one replica, recording every call it makes. */
function recording(replica: string): Provider<ResourceObject> {
  const provider = new AapProvider({ client: aapClientOptions(aap) }) as Provider<ResourceObject>;
  const timed =
    <A extends unknown[], T>(call: string, fn: (r: ResourceObject, ...rest: A) => Promise<T>) =>
    async (r: ResourceObject, ...rest: A): Promise<T> => {
      const start = performance.now();
      try {
        return await fn(r, ...rest);
      } finally {
        const act = {
          replica,
          name: r.metadata.name,
          uid: String(r.metadata.uid),
          call,
          start,
          end: performance.now(),
        };
        acts.push(act);
        onAct?.(act);
      }
    };
  return wrap(provider, {
    triggerProvision: timed("triggerProvision", (r, o) => provider.triggerProvision(r, o)),
    getProvisionStatus: timed("getProvisionStatus", (r, id, o) =>
      provider.getProvisionStatus(r, id, o),
    ),
    triggerDeprovision: timed("triggerDeprovision", (r, jobs, o) =>
      provider.triggerDeprovision(r, jobs, o),
    ),
    getDeprovisionStatus: timed("getDeprovisionStatus", (r, id, o) =>
      provider.getDeprovisionStatus(r, id, o),
    ),
    findJob: timed("findJob", (r, q, o) => provider.findJob!(r, q, o)),
  });
}

async function startReplicas(
  coordination: (id: string) => Partial<ProvisioningControllerOptions>,
  ids = ["r0", "r1", "r2"],
): Promise<void> {
  for (const id of ids) {
    const controller = new ProvisioningController(
      controllerOptions(cluster, NAMESPACE, recording(id), {
        events: false,
        ...coordination(id),
      }),
    );
    controllers.set(id, controller);
    await controller.start();
  }
}

/**
 * Pairs of calls by different replicas on one resource (or on any, with `global`) that overlap
 * in time.
 */
function concurrentActs(global = false): string[] {
  const problems: string[] = [];
  const byName = new Map<string, Act[]>();
  for (const a of acts) {
    const key = global ? "*" : a.name;
    byName.set(key, [...(byName.get(key) ?? []), a]);
  }
  for (const [name, list] of byName) {
    for (const a of list) {
      for (const b of list) {
        if (a.replica < b.replica && a.start < b.end && b.start < a.end) {
          problems.push(`${name}: ${a.replica} ${a.call} and ${b.replica} ${b.call} overlap`);
        }
      }
    }
  }
  return problems;
}

/** The resources created so far. */
let created: string[] = [];

function names(): string[] {
  return created;
}

/**
 * Creates RESOURCES resources, and more (at most 30) until at least one hashes to `replica`
 * over `members`: uids are random, and the test needs the replica it kills to own something.
 */
async function createResources(replica: string, members: string[]): Promise<void> {
  let owned = 0;
  for (let i = 0; i < RESOURCES + 30 && (i < RESOURCES || owned === 0); i++) {
    const object = await users.create(`vm-${i}`, { size: "small" });
    created.push(`vm-${i}`);
    if (rendezvousOwner(String(object.metadata.uid), members) === replica) owned++;
  }
  expect(owned).toBeGreaterThan(0);
}

/** Every resource Ready (at the config version of `spec`, when given). */
async function allReady(spec?: Record<string, unknown>): Promise<void> {
  const version = spec && configVersion(spec);
  await expect
    .poll(async () => {
      const ready = await Promise.all(
        names().map(async (n) => {
          const object = await users.get(n);
          const provisioning = object?.status?.provisioning as
            { reconciledConfigVersion?: string } | undefined;
          return (
            condition(object, "Ready")?.status === "True" &&
            (version === undefined || provisioning?.reconciledConfigVersion === version)
          );
        }),
      );
      return ready.filter(Boolean).length;
    }, WAIT)
    .toBe(RESOURCES);
}

async function deleteAll(): Promise<void> {
  for (const n of names()) await users.delete(n);
  await expect
    .poll(
      async () => (await Promise.all(names().map((n) => users.get(n)))).filter(Boolean).length,
      WAIT,
    )
    .toBe(0);
}

/** One provision and one deprovision job per resource, never two active at once. */
function checkLedger(provisions = 1): void {
  const ledger = aap.ledger();
  for (const n of names()) {
    const jobs = ledger.filter((j) => j.resourceKey === `${NAMESPACE}/${n}`);
    expect(
      jobs.filter((j) => j.templateName === CREATE),
      n,
    ).toHaveLength(provisions);
    expect(
      jobs.filter((j) => j.templateName === DELETE),
      n,
    ).toHaveLength(1);
    expect(overlaps(jobs), n).toEqual([]);
  }
}

beforeEach(async () => {
  sim = new KubernetesApiSimulator({ crds: [CRD], leases: true });
  await sim.start();
  cluster = {
    kind: "simulator",
    simulator: sim,
    faults: sim.faults,
    kubeConfig: () => loadKubeConfig(sim.kubeconfig()),
    kubeconfigText: () => sim.kubeconfig(),
    stop: () => sim.stop(),
  };
  // Jobs long enough to be in flight when a replica is killed.
  aap = await startAapSimulator({ pendingMs: 30, waitingMs: 30, runMs: 500, cancelDelayMs: 100 });
  users = new Users(cluster.kubeConfig(), NAMESPACE);
  acts = [];
  onAct = undefined;
  created = [];
  controllers = new Map();
});
afterEach(async () => {
  for (const c of controllers.values()) await c.stop();
  await aap.stop();
  await sim.stop();
});

describe("three controllers on Leases, one killed mid-run", () => {
  it("sharding: every resource converges, no job twice, no two replicas on one resource, launches by the hash owner; a fourth joins", async () => {
    // Kill r1 as soon as its first launch returns, while that job still runs: its resource
    // then needs another replica to take it over. (Waiting for the launch with a polling
    // loop let a loaded CI machine see it only after r1 had polled the 0.56 s job to its end
    // and written Ready, and nothing was left to take over.)
    const r1Launched = new Promise<void>((resolve) => {
      onAct = (a) => {
        if (a.replica === "r1" && a.call === "triggerProvision") resolve();
      };
    });
    await startReplicas((id) => ({ sharding: { group: "compute", identity: id, ...TIMING } }));
    const creating = createResources("r1", ["r0", "r1", "r2"]);
    // (A failed creation ends the wait too.)
    await Promise.race([r1Launched, creating.then(() => r1Launched)]);
    const killedAt = performance.now();
    await controllers.get("r1")!.stop({ releaseLeases: false });
    await creating;
    // stop() lets a reconcile already past its last step check finish its launch (the
    // pending marker is written: launching beats leaving an unknown outcome), so r1 may
    // launch until stop() resolves, as the owner it still is: its Lease is live until it
    // expires. Membership changes for the others only after that.
    const stoppedAt = performance.now();
    const r1Names = new Set(acts.filter((a) => a.replica === "r1").map((a) => a.name));
    await allReady();
    const takeover = acts.find(
      (a) => a.replica !== "r1" && r1Names.has(a.name) && a.start > killedAt,
    );
    expect(takeover).toBeDefined();
    const takeoverMs = takeover!.start - killedAt;
    // Not before r1's Lease expired for the others (its last renewal, a retry period and a
    // request or so before the kill, plus the lease duration: at least half of it, under any
    // load), and within a bound.
    expect(takeoverMs).toBeGreaterThanOrEqual(TIMING.leaseDurationMs / 2);
    expect(takeoverMs).toBeLessThan(TIMING.leaseDurationMs + 4 * TIMING.retryPeriodMs + 3_000);

    // r3 joins, and every spec changes at once: r0 and r2 launch what they own, drop r3's
    // share at their next list, and r3 takes it over once it has been a member for a lease
    // duration (polling the jobs r0 and r2 launched for it, or launching them).
    const joinedAt = performance.now();
    await startReplicas(
      (id) => ({ sharding: { group: "compute", identity: id, ...TIMING } }),
      ["r3"],
    );
    const large = { size: "large" };
    for (const n of names()) await users.patch(n, { spec: large });
    await allReady(large);
    const uids = new Map(acts.map((a) => [a.name, a.uid]));
    const r3Names = names().filter(
      (n) => rendezvousOwner(uids.get(n)!, ["r0", "r2", "r3"]) === "r3",
    );
    const r3Acted = new Set(acts.filter((a) => a.replica === "r3").map((a) => a.name));
    expect(r3Names.filter((n) => !r3Acted.has(n))).toEqual([]);
    expect([...r3Acted].filter((n) => !r3Names.includes(n))).toEqual([]);
    const r3First = Math.min(...acts.filter((a) => a.replica === "r3").map((a) => a.start));
    if (r3Names.length > 0) {
      expect(r3First - joinedAt).toBeGreaterThanOrEqual(TIMING.leaseDurationMs);
    }
    await deleteAll();

    checkLedger(2);
    expect(concurrentActs()).toEqual([]);
    // Every launch by the replica the uid hashes to: over r0, r1, r2 until r1's stop() ended;
    // after, over r0 and r2; once r3 started, over r0, r2 and r3, or over r0 and r2 (before
    // they saw r3). And no launch by r1 began after its stop() resolved.
    const wrongOwner = acts
      .filter((a) => a.call === "triggerProvision" || a.call === "triggerDeprovision")
      .filter((a) =>
        a.start < stoppedAt
          ? rendezvousOwner(a.uid, ["r0", "r1", "r2"]) !== a.replica
          : a.start < joinedAt
            ? rendezvousOwner(a.uid, ["r0", "r2"]) !== a.replica
            : rendezvousOwner(a.uid, ["r0", "r2", "r3"]) !== a.replica &&
              rendezvousOwner(a.uid, ["r0", "r2"]) !== a.replica,
      );
    expect(wrongOwner).toEqual([]);
    expect(acts.filter((a) => a.replica === "r1" && a.start >= stoppedAt)).toEqual([]);
    const split = (call: string) => {
      const counts: Record<string, number> = { r0: 0, r1: 0, r2: 0, r3: 0 };
      for (const a of acts.filter((x) => x.call === call)) counts[a.replica]!++;
      return `${counts.r0}/${counts.r1}/${counts.r2}/${counts.r3}`;
    };
    console.log(
      `sharding, 3 controllers, ${RESOURCES} resources, r1 killed (lease ${TIMING.leaseDurationMs} ms, retry ${TIMING.retryPeriodMs} ms): ` +
        `takeover ${Math.round(takeoverMs)} ms; r3 joined, first acted ${Math.round(r3First - joinedAt)} ms later, owns ${r3Names.length}; ` +
        `provision launches r0/r1/r2/r3 ${split("triggerProvision")}, deprovision launches ${split("triggerDeprovision")}; ` +
        `duplicate jobs 0; concurrent acts 0; ${acts.length} provider calls`,
    );
  }, 60_000);

  it("leader election: only the leader acts; after it is killed another takes over; every resource converges once", async () => {
    await startReplicas((id) => ({
      leaderElection: { leaseName: "compute-leader", identity: id, ...TIMING },
    }));
    for (let i = 0; i < RESOURCES; i++) {
      await users.create(`vm-${i}`, { size: "small" });
      created.push(`vm-${i}`);
    }
    await expect.poll(() => acts.some((a) => a.call === "triggerProvision"), WAIT).toBe(true);
    const leader = acts.find((a) => a.call === "triggerProvision")!.replica;
    const killedAt = performance.now();
    await controllers.get(leader)!.stop({ releaseLeases: false });
    await allReady();
    const next = acts.find((a) => a.replica !== leader && a.start > killedAt);
    expect(next).toBeDefined();
    const takeoverMs = next!.start - killedAt;
    expect(takeoverMs).toBeGreaterThanOrEqual(TIMING.leaseDurationMs / 2);
    expect(takeoverMs).toBeLessThan(TIMING.leaseDurationMs + 4 * TIMING.retryPeriodMs + 3_000);
    await deleteAll();

    checkLedger(1);
    // One replica at a time, across all resources: nobody else acted before the kill, the
    // killed leader's calls all ended before the new leader's first began, and no two
    // replicas' calls ever overlapped (the Lease may change hands again later, on a loaded
    // machine, when a leader misses its renew deadline: that is allowed, overlap is not).
    expect(acts.filter((a) => a.start < killedAt && a.replica !== leader)).toEqual([]);
    const lastOld = Math.max(...acts.filter((a) => a.replica === leader).map((a) => a.end));
    expect(lastOld).toBeLessThanOrEqual(next!.start);
    expect(concurrentActs(true)).toEqual([]);
    const leaders = new Set(acts.map((a) => a.replica)).size;
    console.log(
      `leader election, 3 controllers, ${RESOURCES} resources, leader killed (lease ${TIMING.leaseDurationMs} ms, retry ${TIMING.retryPeriodMs} ms): ` +
        `takeover ${Math.round(takeoverMs)} ms; ${leaders} replicas led in turn; duplicate jobs 0; overlapping calls 0; ${acts.length} provider calls`,
    );
  }, 60_000);
  it("leader election: a leader that cannot renew aborts its provider calls before its renew deadline ends", async () => {
    let inFlightSince: number | undefined;
    let abortedAt: number | undefined;
    const provider = new AapProvider({ client: aapClientOptions(aap) }) as Provider<ResourceObject>;
    // A status call that answers only when aborted.
    const hanging = wrap(provider, {
      getProvisionStatus: (_r, _id, options) =>
        new Promise((_, reject) => {
          inFlightSince ??= performance.now();
          options.signal.addEventListener("abort", () => {
            abortedAt ??= performance.now();
            reject(new AbortedError("aborted (test)"));
          });
        }),
    });
    const controller = new ProvisioningController(
      controllerOptions(cluster, NAMESPACE, hanging, {
        events: false,
        leaderElection: { leaseName: "compute-leader", identity: "solo", ...TIMING },
      }),
    );
    controllers.set("solo", controller);
    await controller.start();
    await users.create("vm-0", { size: "small" });
    created.push("vm-0");
    await expect.poll(() => inFlightSince !== undefined, WAIT).toBe(true);
    // From now on every Lease request fails: the leader's last renewal began at most a retry
    // period (and a request) ago, so it must stop, and abort the call, within the renew
    // deadline from now; nobody else could take over before a lease duration from now.
    const cutAt = performance.now();
    sim.faults.status({ code: 500, times: Infinity, pathIncludes: "/leases" });
    await expect.poll(() => abortedAt !== undefined, WAIT).toBe(true);
    const stoppedAfter = abortedAt! - cutAt;
    expect(stoppedAfter).toBeLessThanOrEqual(TIMING.renewDeadlineMs + 200);
    expect(stoppedAfter).toBeLessThan(TIMING.leaseDurationMs);
    sim.faults.clear();
    console.log(
      `leader election: Lease requests failing from t=0, the leader's call in flight aborted at ${Math.round(stoppedAfter)} ms (renew deadline ${TIMING.renewDeadlineMs} ms, lease ${TIMING.leaseDurationMs} ms)`,
    );
  }, 60_000);
});
