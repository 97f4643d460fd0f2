import { describe, expect, it } from "vitest";
import { Rig } from "../support/request-count.ts";

// Issue 17: a poll that changes only bookkeeping (a job's updatedAt / nextCheckAt) is not
// written; the controller keeps the decided status in memory for the object's
// resourceVersion. What that costs and what it must never break, in virtual time.

interface StoredJob {
  jobId: string;
  state: string;
  reason?: string;
  updatedAt: string;
}
function storedJobs(rig: Rig, name: string): StoredJob[] {
  const status = rig.object(name)?.status as { provisioning?: { jobs?: StoredJob[] } } | undefined;
  return status?.provisioning?.jobs ?? [];
}

describe("the in-memory overlay of unwritten bookkeeping", () => {
  it("a restart costs at most one extra poll per object, then the schedule resumes", async () => {
    const rig = await Rig.start({ jobMs: 60 * 60_000, engine: { pollIntervalMs: 10_000 } });
    try {
      await rig.startController();
      await rig.create("vm-0");
      // Let the job run a while: several polls, none of them written.
      await rig.drive(() => rig.provider.polls.length >= 6);
      const writesBefore = rig.sim.history().filter((w) => w.subresource === "status").length;
      await rig.settle();
      await rig.stopController();
      const stoppedAt = rig.clock();
      const pollsBefore = rig.provider.polls.length;
      await rig.startController();
      await rig.settle();
      // The stored nextCheckAt is older than the one decided in memory: one poll at once …
      const atRestart = rig.provider.polls.slice(pollsBefore).filter((p) => p.at === stoppedAt);
      expect(atRestart.length).toBeLessThanOrEqual(1);
      // … and the next one only when due again, not at once.
      const next = rig.timers.next();
      expect(next).toBeGreaterThan(rig.timers.now());
      await rig.drive(() => rig.provider.polls.length > pollsBefore + atRestart.length);
      expect(rig.provider.polls.at(-1)!.at).toBeGreaterThan(stoppedAt);
      // Still nothing written for those polls (the job stays Running).
      const writesAfter = rig.sim.history().filter((w) => w.subresource === "status").length;
      expect(writesAfter).toBe(writesBefore);
      expect(rig.troubled).toBe(0);
    } finally {
      await rig.stop();
    }
  }, 60_000);

  it("a job timeout with unwritten reads: timed out at its deadline, not before, polled once past it", async () => {
    const timeout = 5 * 60_000;
    const rig = await Rig.start({
      jobMs: 60 * 60_000,
      engine: { pollIntervalMs: 10_000, jobTimeoutMs: timeout },
    });
    try {
      await rig.startController();
      await rig.create("vm-0");
      const launchedAt = rig.clock();
      await rig.drive(() => storedJobs(rig, "vm-0")[0]?.reason === "Timeout");
      const job = storedJobs(rig, "vm-0")[0]!;
      expect(job.state).toBe("Failed");
      const markedAt = rig.clock();
      expect(Date.parse(job.updatedAt)).toBe(markedAt);
      // Not before the deadline, and within one poll interval after it.
      expect(markedAt - launchedAt).toBeGreaterThanOrEqual(timeout);
      expect(markedAt - launchedAt).toBeLessThanOrEqual(timeout + 10_000);
      // Reads at or after the deadline until it was marked: the one read the engine makes
      // before giving up (and, once marked, the read of a job awaiting its end).
      const pastDeadline = rig.provider.polls.filter(
        (p) => p.at >= launchedAt + timeout && p.at <= markedAt,
      );
      expect(pastDeadline.length).toBeGreaterThanOrEqual(1);
      expect(pastDeadline.length).toBeLessThanOrEqual(2);
      expect(rig.troubled).toBe(0);
    } finally {
      await rig.stop();
    }
  }, 60_000);

  it("a write by someone else drops the overlay: the engine works from the stored status, one extra poll at most", async () => {
    const rig = await Rig.start({ jobMs: 60 * 60_000, engine: { pollIntervalMs: 10_000 } });
    try {
      await rig.startController();
      await rig.create("vm-0");
      await rig.drive(() => rig.provider.polls.length >= 4);
      await rig.settle();
      const pollsBefore = rig.provider.polls.length;
      const at = rig.clock();
      // A user's annotation: a new resourceVersion, the same status.
      rig.sim.updateObject(
        {
          group: "example.com",
          plural: "computeinstances",
          namespace: rig.namespace,
          name: "vm-0",
        },
        (o) => {
          o.metadata.annotations = { ...(o.metadata.annotations ?? {}), note: "hello" };
        },
      );
      await rig.settle();
      const extra = rig.provider.polls.slice(pollsBefore).filter((p) => p.at === at);
      expect(extra.length).toBeLessThanOrEqual(1);
      expect(rig.timers.next()).toBeGreaterThan(rig.timers.now());
      expect(rig.troubled).toBe(0);
    } finally {
      await rig.stop();
    }
  }, 60_000);
});
