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

  describe("fair order (lanes and aging)", () => {
    /** One worker, busy with "busy", while the test queues the others. */
    async function busyQueue(maxWaitMs = 30_000) {
      const c = controllable();
      const timers = new ManualTimers();
      const q = new WorkQueue({ concurrency: 1, process: c.process, timers, maxWaitMs });
      q.add("busy");
      await tick();
      return { c, q, timers };
    }
    /** Finish each call in turn (one worker: the latest call is the one in progress). */
    async function drain(c: ReturnType<typeof controllable>) {
      for (let done = 0; done < c.calls.length; done++) await c.finish(c.calls[done]!);
    }

    it("a deletion goes before changes, and changes before a burst of new objects", async () => {
      const { c, q } = await busyQueue();
      for (const key of ["new-1", "new-2", "new-3"]) q.add(key, 0, "low");
      q.add("change", 0, "normal");
      q.add("deleted", 0, "high");
      q.add("new-4", 0, "low");
      expect(q.depth).toBe(6);
      await drain(c);
      expect(c.calls).toEqual(["busy", "deleted", "change", "new-1", "new-2", "new-3", "new-4"]);
    });

    it("a waiting key added again in a more urgent lane moves up, keeping its place in time", async () => {
      const { c, q, timers } = await busyQueue();
      q.add("a", 0, "low");
      timers.advance(10);
      q.add("b", 0, "normal");
      timers.advance(10);
      q.add("a", 0, "normal"); // older than b: goes first among the normal ones
      q.add("b", 0, "low"); // never moves down
      expect(q.depth).toBe(2);
      await drain(c);
      expect(c.calls).toEqual(["busy", "a", "b"]);
    });

    it("aging: a key that waited maxWaitMs goes first, whatever keeps coming in urgent lanes", async () => {
      const { c, q, timers } = await busyQueue(100);
      q.add("new", 0, "low");
      timers.advance(60);
      q.add("del-1", 0, "high");
      await c.finish("busy");
      // 60 ms: not aged yet, the deletion goes first.
      expect(c.calls).toEqual(["busy", "del-1"]);
      timers.advance(40);
      q.add("del-2", 0, "high");
      await c.finish("del-1");
      // 100 ms: "new" has waited maxWaitMs and goes before del-2.
      expect(c.calls).toEqual(["busy", "del-1", "new"]);
      await c.finish("new");
      expect(c.calls).toEqual(["busy", "del-1", "new", "del-2"]);
      await c.finish("del-2");
    });

    it("aged keys go oldest first across lanes", async () => {
      const { c, q, timers } = await busyQueue(50);
      q.add("low-old", 0, "low");
      timers.advance(10);
      q.add("normal-younger", 0, "normal");
      timers.advance(100);
      await drain(c);
      expect(c.calls).toEqual(["busy", "low-old", "normal-younger"]);
    });

    it("a key added while in progress runs again in the most urgent lane it was asked for", async () => {
      const { c, q } = await busyQueue();
      q.add("other", 0, "normal");
      q.add("busy", 0, "low");
      q.add("busy", 0, "high");
      await drain(c);
      expect(c.calls).toEqual(["busy", "busy", "other"]);
    });

    it("a delayed key keeps its lane when its timer fires; one pending timer per key", async () => {
      const { c, q, timers } = await busyQueue();
      q.add("later", 100, "high");
      q.add("later", 50, "high");
      q.add("later", 200, "high");
      expect(timers.size).toBe(1);
      q.add("now", 0, "normal");
      timers.advance(50);
      await drain(c);
      expect(c.calls).toEqual(["busy", "later", "now"]);
    });

    it("rejects a negative or non-finite maxWaitMs", () => {
      for (const maxWaitMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => new WorkQueue({ concurrency: 1, process: async () => {}, maxWaitMs })).toThrow(
          RangeError,
        );
      }
    });
  });
});
