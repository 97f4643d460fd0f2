import { describe, expect, it, vi } from "vitest";
import { Rig } from "../support/request-count.ts";

// Issue 17: with one FIFO queue, deletions waited behind a burst of creates (N = 10,000: all
// Ready after 345 s, 130 deleted). The queue's lanes put a deletion ahead of new objects.

describe("the controller's queue is fair", () => {
  it("a deletion requested during a burst of creates goes before the queued creates", async () => {
    let open = true;
    let release: () => void = () => {};
    const gate = () =>
      open
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            release = resolve;
          });
    const rig = await Rig.start({ jobMs: 5_000, concurrency: 1, gate });
    try {
      await rig.startController();
      await rig.create("old");
      await rig.drive(() => rig.ready("old"));
      // The one worker is held inside a launch …
      open = false;
      await rig.create("blocker");
      await vi.waitFor(() => expect(rig.provider.launches.at(-1)).toBe("provision blocker"));
      // … while a burst of creates and a deletion come in, the deletion last.
      for (let i = 0; i < 20; i++) await rig.create(`burst-${i}`);
      await rig.remove("old");
      await vi.waitFor(() => expect(rig.queueDepth).toBe(21), { timeout: 10_000 });
      open = true;
      release();
      await rig.drive(() => rig.gone("old") && rig.provider.launches.length >= 23);
      const after = rig.provider.launches.slice(
        rig.provider.launches.indexOf("provision blocker") + 1,
      );
      // FIFO would have launched the 20 provisions first.
      expect(after[0]).toBe("deprovision old");
      expect(after.slice(1, 21)).toEqual(
        Array.from({ length: 20 }, (_, i) => `provision burst-${i}`),
      );
      expect(rig.troubled).toBe(0);
    } finally {
      await rig.stop();
    }
  }, 60_000);
});
