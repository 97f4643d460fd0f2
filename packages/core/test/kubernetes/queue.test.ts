import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../src/kubernetes/index.ts";
import { ManualTimers } from "./manual-timers.ts";

/** A process function whose calls the test finishes by hand. */
function controllable() {
  const calls: string[] = [];
  const waiting = new Map<string, (() => void)[]>();
  let active = 0;
  let maxActive = 0;
  const perKey = new Map<string, number>();
  let overlap = false;
  const process = (key: string) => {
    calls.push(key);
    active++;
    maxActive = Math.max(maxActive, active);
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
    if (perKey.get(key)! > 1) overlap = true;
    return new Promise<void>((resolve) => {
      const list = waiting.get(key) ?? [];
      list.push(() => {
        active--;
        perKey.set(key, perKey.get(key)! - 1);
        resolve();
      });
      waiting.set(key, list);
    });
  };
  const finish = async (key: string) => {
    const list = waiting.get(key);
    const next = list?.shift();
    if (!next) throw new Error(`${key} is not in progress`);
    next();
    await new Promise((r) => setImmediate(r));
  };
  return { process, finish, calls, stats: () => ({ maxActive, overlap }) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("WorkQueue", () => {
  it("deduplicates queued keys and bounds concurrency", async () => {
    const c = controllable();
    const q = new WorkQueue({ concurrency: 2, process: c.process, timers: new ManualTimers() });
    for (const key of ["a", "b", "c", "a", "c", "d"]) q.add(key);
    await tick();
    expect(c.calls).toEqual(["a", "b"]);
    expect(q.depth).toBe(2);
    await c.finish("a");
    expect(c.calls).toEqual(["a", "b", "c"]);
    await c.finish("b");
    await c.finish("c");
    await c.finish("d");
    // "a" was added again while it was in progress: it runs once more, after the others.
    expect(c.calls).toEqual(["a", "b", "c", "d", "a"]);
    await c.finish("a");
    expect(c.stats().maxActive).toBe(2);
    expect(c.stats().overlap).toBe(false);
    await q.idle();
  });

  it("never processes one key twice at once, and re-runs a key added while in progress", async () => {
    const c = controllable();
    const q = new WorkQueue({ concurrency: 4, process: c.process, timers: new ManualTimers() });
    q.add("a");
    await tick();
    q.add("a");
    q.add("a");
    await tick();
    expect(c.calls).toEqual(["a"]);
    await c.finish("a");
    expect(c.calls).toEqual(["a", "a"]);
    await c.finish("a");
    expect(c.calls).toEqual(["a", "a"]);
    expect(c.stats().overlap).toBe(false);
  });

  it("runs delayed keys when due; the earliest schedule wins and an immediate add overrides", async () => {
    const c = controllable();
    const timers = new ManualTimers();
    const q = new WorkQueue({ concurrency: 1, process: c.process, timers });
    q.add("a", 5000);
    q.add("a", 10_000);
    expect(q.scheduled).toBe(1);
    timers.advance(4999);
    await tick();
    expect(c.calls).toEqual([]);
    timers.advance(1);
    await tick();
    expect(c.calls).toEqual(["a"]);
    await c.finish("a");
    q.add("b", 1000);
    q.add("b", 500);
    timers.advance(500);
    await tick();
    expect(c.calls).toEqual(["a", "b"]);
    await c.finish("b");
    q.add("c", 60_000);
    q.add("c");
    await tick();
    expect(c.calls).toEqual(["a", "b", "c"]);
    expect(q.scheduled).toBe(0);
    expect(timers.size).toBe(0);
    await c.finish("c");
  });

  it("keeps going when a process call throws", async () => {
    const seen: string[] = [];
    const q = new WorkQueue({
      concurrency: 1,
      timers: new ManualTimers(),
      process: (key) => {
        seen.push(key);
        return key === "bad" ? Promise.reject(new Error("boom")) : Promise.resolve();
      },
    });
    q.add("bad");
    q.add("good");
    await q.idle();
    expect(seen).toEqual(["bad", "good"]);
  });

  it("reports depth and stops: queued and delayed keys dropped, in-progress awaited", async () => {
    const c = controllable();
    const depths: number[] = [];
    const timers = new ManualTimers();
    const q = new WorkQueue({
      concurrency: 1,
      process: c.process,
      timers,
      onDepth: (d) => depths.push(d),
    });
    q.add("a");
    q.add("b");
    q.add("c", 1000);
    await tick();
    // a is taken at once (depth 1 then 0), b waits behind it; c is only scheduled.
    expect(depths).toEqual([1, 0, 1]);
    let stopped = false;
    const stopping = q.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    await c.finish("a");
    await stopping;
    expect(stopped).toBe(true);
    timers.advance(5000);
    q.add("d");
    await tick();
    expect(c.calls).toEqual(["a"]);
    expect(depths.at(-1)).toBe(0);
  });

  it("rejects a concurrency below 1", () => {
    expect(() => new WorkQueue({ concurrency: 0, process: () => Promise.resolve() })).toThrow(
      RangeError,
    );
  });
});
