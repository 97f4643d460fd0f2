import { describe, expect, it } from "vitest";
import { Rig } from "../support/request-count.ts";

// Issue 17: the adaptive poll's estimate of how long a job runs lives in the controller's
// memory. A new controller (a restart, a new leader) learns it from the job records stored
// in the statuses of the objects it finds, so the jobs in flight are not polled on the
// no-estimate schedule (every pollIntervalMs) for want of a job that ended under it.

const JOB_MS = 30 * 60_000;

describe("a restarted controller learns job durations from the stored statuses", () => {
  it("polls a 30 min job a few times, not every 10 s, when an ended job of its kind is stored", async () => {
    const rig = await Rig.start({ jobMs: JOB_MS });
    try {
      // A first controller provisions `done`: its status records a 30 min provision job.
      await rig.startController();
      await rig.create("done");
      await rig.drive(() => rig.ready("done"));
      await rig.stopController();

      // A new controller starts; `next` is created under it, and its job is polled.
      await rig.startController();
      await rig.create("next");
      await rig.drive(() => rig.ready("next"));
      // Provision jobs are p1 (`done`, under the first controller) and p2 (`next`).
      const reads = (jobId: string) => rig.provider.polls.filter((p) => p.jobId === jobId).length;
      expect(rig.provider.launches).toEqual(["provision done", "provision next"]);
      const [first, second] = [reads("p1"), reads("p2")];
      console.log(`30 min jobs: ${first} reads with no estimate, ${second} after a restart`);
      // The first job ran with no estimate: read every 10 s at most, about 180 times.
      expect(first).toBeGreaterThan(100);
      // The second, under the new controller, from the stored record's estimate: a read
      // near the expected end and a few after (steps of 4 % of the job's age).
      expect(second).toBeLessThanOrEqual(6);
    } finally {
      await rig.stop();
    }
  }, 120_000);
});
