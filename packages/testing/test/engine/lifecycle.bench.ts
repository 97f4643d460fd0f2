/**
 * How much a whole lifecycle (provision, update, delete) of core's engine costs on the
 * reference memory backend. Run with `pnpm bench`.
 */
import { bench, describe } from "vitest";
import { VirtualClock } from "../../src/clock.js";
import { MemoryBackend, MemoryProvider } from "../../src/index.js";
import { Harness } from "./support/harness.js";

describe("engine", () => {
  bench(
    "reconcile() a whole lifecycle (provision, update, delete) on the in-memory backend",
    async () => {
      const clock = new VirtualClock();
      const h = new Harness(clock, new MemoryProvider(new MemoryBackend({ clock })));
      await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
      h.setSpec({ size: 2 });
      await h.runUntil(() => h.status?.reconciledConfigVersion === h.desired);
      h.delete();
      await h.runUntil(() => h.finalizerReleased);
    },
  );
});
