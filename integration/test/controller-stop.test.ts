import { describe, expect, it } from "vitest";
import { Rig } from "../support/request-count.ts";

// A controller asked to stop starts no reconcile from then on: a poll that falls due while
// it is still stopping (its watch, its job signals) is not made. Before, the work queue kept
// serving until the watch had stopped, so a replica being stopped could poll a job to its
// end and write Ready, leaving nothing for the replica that takes over (the shard test's
// "takeover" flake under load), and a process stopping on SIGTERM kept acting.

describe("ProvisioningController.stop()", () => {
  it("starts no reconcile once called: a poll due while the watch stops is not made", async () => {
    const rig = await Rig.start({ jobMs: 60 * 60_000, engine: { pollIntervalMs: 10_000 } });
    try {
      await rig.startController();
      await rig.create("vm-0");
      // Launched, recorded, and polled once: the next poll waits in the queue's timers.
      await rig.drive(() => rig.provider.polls.length >= 1);
      await rig.settle();
      const due = rig.timers.next();
      expect(due).toBeDefined();
      const polls = rig.provider.polls.length;
      const reconciles = rig.reconciles;
      const stopping = rig.stopController();
      // Time moves past the due poll (and past several more) while stop() is under way.
      for (let i = 0; i < 5; i++) {
        rig.timers.advanceTo(rig.timers.now() + 10_000);
        await new Promise((r) => setTimeout(r, 5));
      }
      await stopping;
      expect(rig.timers.now()).toBeGreaterThan(due!);
      expect(rig.provider.polls.slice(polls)).toEqual([]);
      // Not even one that finds nothing to do (the watch's cache is gone while it stops).
      expect(rig.reconciles).toBe(reconciles);
    } finally {
      await rig.stop();
    }
  }, 60_000);
});
