import type { DeprovisionResult } from "@provisionkit/core";
import type { EdaProvider } from "@provisionkit/provider-eda";
import type { AapLedgerJob } from "@provisionkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import { CLUSTERS, type TestCluster } from "../support/cluster.ts";
import { CREATE, DELETE, EdaWorld } from "../support/eda-world.ts";
import { overlaps } from "../support/world.ts";

// Seeded soaks of whole lifecycles (create, then delete after a random while) through
// ProvisioningController + EdaProvider → EdaSimulator → AapSimulator → playbook write-backs,
// with the faults issue 14 found orphans under: lost events (activation restarts drop the
// queue), late write-backs (beyond the provision timeout, and after the deletion began) and
// lost write-backs. Both EDA modes. The AAP ledger is the truth the counts come from:
//
// - orphan: a resource whose provision job ran (it has a start in AAP) with no deprovision
//   job started at or after that provision job's end;
// - duplicate provision runs: successful provision jobs of a resource beyond its first (the
//   spec never changes here, so one is enough).
//
// Bounded: a fixed number of lifecycles per seed, each waited for with a deadline; real time
// with short jobs, on the API-server simulator only (the real API server adds nothing to
// what is counted here and would multiply the tier's time).

/** Lifecycles per seed and mode; `EDA_SOAK_LIFECYCLES` raises it for a longer one-off run. */
const LIFECYCLES = Number(process.env.EDA_SOAK_LIFECYCLES ?? 16);
/** The seeds; `EDA_SOAK_SEEDS` (comma-separated) replaces them. */
const SEEDS = (process.env.EDA_SOAK_SEEDS ?? "1,2,3").split(",").map(Number);
const GONE_MS = 45_000;

/** mulberry32: a small seeded PRNG, so a failing seed replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The counts of one soak. */
interface SoakCounts {
  mode: "webhook-only" | "aap";
  seed: number;
  lifecycles: number;
  orphans: number;
  duplicateProvisionRuns: number;
  provisionJobs: number;
  deprovisionJobs: number;
  skipped: number;
  restarts: number;
  lostEvents: number;
  lateWriteBacks: number;
  lostWriteBacks: number;
  overlaps: number;
  notGone: number;
}

/** Orphaned resources (see the file comment) among the ledger's jobs, by resource key. */
export function orphansOf(jobs: readonly AapLedgerJob[]): string[] {
  const byKey = new Map<string, AapLedgerJob[]>();
  for (const job of jobs) {
    if (job.resourceKey === undefined) continue;
    byKey.set(job.resourceKey, [...(byKey.get(job.resourceKey) ?? []), job]);
  }
  const orphans: string[] = [];
  for (const [key, list] of byKey) {
    const provisions = list.filter((j) => j.templateName === CREATE && j.startedAt !== undefined);
    const deprovisions = list.filter((j) => j.templateName === DELETE && j.startedAt !== undefined);
    const orphaned = provisions.some(
      (p) =>
        p.finishedAt === undefined ||
        !deprovisions.some((d) => (d.startedAt ?? -Infinity) >= p.finishedAt!),
    );
    if (orphaned) orphans.push(key);
  }
  return orphans;
}

/** Counts the skipped answers of `provider`'s `triggerDeprovision`. */
function countSkips(provider: EdaProvider): { skipped: number } {
  const counter = { skipped: 0 };
  const trigger = provider.triggerDeprovision.bind(provider);
  provider.triggerDeprovision = async (...args): Promise<DeprovisionResult> => {
    const result = await trigger(...args);
    if (result.action === "skipped") counter.skipped += 1;
    return result;
  };
  return counter;
}

async function soak(
  cluster: TestCluster,
  mode: SoakCounts["mode"],
  seed: number,
  namespace: string,
): Promise<SoakCounts> {
  const random = rng(seed * 7919 + (mode === "aap" ? 1 : 0));
  const faults = { late: 0, lost: 0 };
  const world = await EdaWorld.start(cluster, namespace, {
    // Events wait in the activation's queue a while, so restarts lose some.
    activation: { eventLatencyMs: 150 },
    playbook: {
      writeBack: (job) => {
        const r = random();
        if (job.templateName === CREATE) {
          if (r < 0.08) {
            faults.lost += 1;
            return { lost: true };
          }
          if (r < 0.4) {
            faults.late += 1;
            // Up to well past the provision timeout, and past the deletion's start.
            return { delayMs: 200 + Math.floor(random() * 2600) };
          }
        } else if (r < 0.15) {
          faults.late += 1;
          return { delayMs: 100 + Math.floor(random() * 600) };
        }
        return undefined;
      },
    },
  });
  let restarts = 0;
  let running = true;
  const restarter = (async () => {
    while (running) {
      await sleep(300 + Math.floor(random() * 700));
      if (!running) break;
      world.eda.restartActivation();
      restarts += 1;
    }
  })();
  try {
    const provider = world.edaProvider({
      aap: mode === "aap",
      provisionTimeoutMs: 1500,
      deprovisionTimeoutMs: 3000,
      blockDeletionOnFailure: true,
    });
    const skips = countSkips(provider);
    await world.controller(provider);
    const plan = Array.from({ length: LIFECYCLES }, (_, i) => ({
      name: `vm-${i}`,
      startAfter: i * 120,
      deleteAfter: Math.floor(random() * 2500),
    }));
    const notGone: string[] = [];
    await Promise.all(
      plan.map(async ({ name, startAfter, deleteAfter }) => {
        await sleep(startAfter);
        await world.users.create(name, { cores: 2 });
        await sleep(deleteAfter);
        await world.users.delete(name);
        const deadline = Date.now() + GONE_MS;
        while ((await world.users.get(name)) !== undefined) {
          if (Date.now() > deadline) {
            notGone.push(name);
            return;
          }
          await sleep(50);
        }
      }),
    );
    running = false;
    await restarter;
    // Let whatever EDA still had in flight run out (a launch, a job, a late write-back).
    const settle = Date.now() + 5_000;
    while (world.aap.ledger().some((j) => j.finishedAt === undefined) && Date.now() < settle) {
      await sleep(50);
    }
    await sleep(3_000);
    const ledger = world.aap.ledger();
    const keys = new Set(ledger.map((j) => j.resourceKey));
    let duplicates = 0;
    let overlapping = 0;
    for (const key of keys) {
      const jobs = ledger.filter((j) => j.resourceKey === key);
      const succeeded = jobs.filter((j) => j.templateName === CREATE && j.status === "successful");
      duplicates += Math.max(0, succeeded.length - 1);
      overlapping += overlaps(jobs).length;
    }
    return {
      mode,
      seed,
      lifecycles: LIFECYCLES,
      orphans: orphansOf(ledger).length,
      duplicateProvisionRuns: duplicates,
      provisionJobs: ledger.filter((j) => j.templateName === CREATE).length,
      deprovisionJobs: ledger.filter((j) => j.templateName === DELETE).length,
      skipped: skips.skipped,
      restarts,
      lostEvents: world.eda.events().filter((e) => e.fate === "lost").length,
      lateWriteBacks: faults.late,
      lostWriteBacks: faults.lost,
      overlaps: overlapping,
      notGone: notGone.length,
    };
  } finally {
    running = false;
    await restarter;
    await world.stop();
  }
}

describe("orphansOf (the soak's orphan count)", () => {
  const job = (over: Partial<AapLedgerJob>): AapLedgerJob =>
    ({ resourceKey: "ns/vm", templateName: CREATE, ...over }) as AapLedgerJob;
  it("counts a provision that ran with no deprovision started after its end", () => {
    expect(orphansOf([job({ startedAt: 1, finishedAt: 5 })])).toEqual(["ns/vm"]);
    // A deprovision that started before the provision ended tore down too early.
    expect(
      orphansOf([
        job({ startedAt: 1, finishedAt: 5 }),
        job({ templateName: DELETE, startedAt: 4, finishedAt: 6 }),
      ]),
    ).toEqual(["ns/vm"]);
    expect(orphansOf([job({ startedAt: 1 })])).toEqual(["ns/vm"]);
  });
  it("does not count a provision torn down after it, or one that never started", () => {
    expect(
      orphansOf([
        job({ startedAt: 1, finishedAt: 5 }),
        job({ templateName: DELETE, startedAt: 5, finishedAt: 6 }),
      ]),
    ).toEqual([]);
    expect(orphansOf([job({ status: "canceled", finishedAt: 2 })])).toEqual([]);
  });
});

const simulator = CLUSTERS.find((c) => c.kind === "simulator")!;

describe("EDA soak: lost events, activation restarts, late and lost write-backs", () => {
  let cluster: TestCluster | undefined;
  let runs = 0;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });
  for (const mode of ["webhook-only", "aap"] as const) {
    for (const seed of SEEDS) {
      it(`${mode}, seed ${seed}: every resource goes, and none is orphaned`, async () => {
        cluster = await simulator.start();
        const counts = await soak(cluster, mode, seed, `soak-${++runs}`);
        console.log(`EDA SOAK ${JSON.stringify(counts)}`);
        expect(counts.notGone).toBe(0);
        expect(counts.orphans).toBe(0);
      }, 120_000);
    }
  }
});
