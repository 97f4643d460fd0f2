import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../src/kubernetes/index.ts";
import { ManualTimers } from "./manual-timers.ts";

const tick = () => new Promise((r) => setImmediate(r));

describe("WorkQueue metrics hooks", () => {
  it("reports the workers in use as they change, never above the concurrency", async () => {
    const active: number[] = [];
    const release = new Map<string, () => void>();
    const q = new WorkQueue({
      concurrency: 2,
      timers: new ManualTimers(),
      process: (key) => new Promise<void>((resolve) => release.set(key, resolve)),
      onActive: (n) => active.push(n),
    });
    for (const key of ["a", "b", "c"]) q.add(key);
    await tick();
    expect(active).toEqual([1, 2]);
    release.get("a")!();
    await tick();
    // "a" freed a worker and "c" took it at once.
    expect(active).toEqual([1, 2, 1, 2]);
    release.get("b")!();
    await tick();
    release.get("c")!();
    await q.idle();
    expect(active).toEqual([1, 2, 1, 2, 1, 0]);
  });

  it("counts keys entering the queue (not deduplicated adds) and reports each key's wait", async () => {
    const timers = new ManualTimers();
    const adds: number[] = [];
    const waits: number[] = [];
    const release = new Map<string, () => void>();
    const q = new WorkQueue({
      concurrency: 1,
      timers,
      process: (key) => new Promise<void>((resolve) => release.set(key, resolve)),
      onAdd: () => adds.push(timers.now()),
      onTake: (waited) => waits.push(waited),
    });
    q.add("a"); // taken at once: waited 0
    q.add("b");
    q.add("b"); // deduplicated: not an add
    timers.advance(250);
    q.add("c");
    q.add("a"); // in progress: runs again later, added then
    await tick();
    expect(adds).toEqual([0, 0, 250]);
    expect(waits).toEqual([0]);
    timers.advance(100);
    release.get("a")!();
    await tick();
    // "b" waited from 0 to 350; "a" re-entered the queue when its run ended (at 350).
    expect(waits).toEqual([0, 350]);
    expect(adds).toEqual([0, 0, 250, 350]);
    timers.advance(40);
    release.get("b")!();
    await tick();
    expect(waits).toEqual([0, 350, 140]);
    timers.advance(10);
    release.get("c")!();
    await tick();
    expect(waits).toEqual([0, 350, 140, 50]);
    release.get("a")!();
    await q.idle();
  });
});
