import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { handleShutdownSignals, type SignalProcess } from "../../src/kubernetes/shutdown.ts";

/** A process whose signals the test sends and whose exit it records. */
class FakeProcess extends EventEmitter implements SignalProcess {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
  send(signal: NodeJS.Signals): void {
    this.emit(signal, signal);
  }
}

/** A stoppable whose stop the test ends by hand. */
function stoppable(name: string, order: string[]) {
  let finish: ((error?: Error) => void) | undefined;
  return {
    stop: vi.fn(
      () =>
        new Promise<void>((resolve, reject) => {
          order.push(`stop ${name}`);
          finish = (error) => (error ? reject(error) : resolve());
        }),
    ),
    finish: (error?: Error) => finish!(error),
  };
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe("handleShutdownSignals", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("stops the targets in order on SIGTERM and exits 0; other signals are not listened to", async () => {
    const proc = new FakeProcess();
    const order: string[] = [];
    const controller = stoppable("controller", order);
    const server = stoppable("server", order);
    handleShutdownSignals([controller, server], { process: proc, timeoutMs: 1_000 });
    expect(proc.listenerCount("SIGTERM")).toBe(1);
    expect(proc.listenerCount("SIGINT")).toBe(1);
    expect(proc.listenerCount("SIGHUP")).toBe(0);
    proc.send("SIGTERM");
    await flush();
    expect(order).toEqual(["stop controller"]);
    controller.finish();
    await flush();
    expect(order).toEqual(["stop controller", "stop server"]);
    expect(proc.exits).toEqual([]);
    server.finish();
    await flush();
    expect(proc.exits).toEqual([0]);
  });

  it("exits 1 when the stops outlast timeoutMs, or when a stop throws", async () => {
    const slow = new FakeProcess();
    const order: string[] = [];
    handleShutdownSignals(stoppable("hangs", order), { process: slow, timeoutMs: 500 });
    slow.send("SIGINT");
    await vi.advanceTimersByTimeAsync(499);
    expect(slow.exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(slow.exits).toEqual([1]);

    const failing = new FakeProcess();
    const broken = stoppable("broken", order);
    const after = stoppable("after", order);
    handleShutdownSignals([broken, after], { process: failing, signals: ["SIGTERM"] });
    failing.send("SIGTERM");
    await flush();
    broken.finish(new Error("cannot stop"));
    await flush();
    // The next target is stopped all the same.
    expect(order).toEqual(["stop hangs", "stop broken", "stop after"]);
    after.finish();
    await flush();
    expect(failing.exits).toEqual([1]);
  });

  it("a second signal exits at once with 1; the returned function removes the listeners", async () => {
    const proc = new FakeProcess();
    const target = stoppable("t", []);
    handleShutdownSignals(target, { process: proc, exitCode: 3 });
    proc.send("SIGTERM");
    proc.send("SIGTERM");
    expect(proc.exits).toEqual([1]);
    target.finish();
    await flush();
    expect(proc.exits).toEqual([1]);
    expect(target.stop).toHaveBeenCalledTimes(1);

    const other = new FakeProcess();
    const dispose = handleShutdownSignals(stoppable("u", []), { process: other });
    dispose();
    expect(other.listenerCount("SIGTERM") + other.listenerCount("SIGINT")).toBe(0);
    expect(() => handleShutdownSignals([], { process: other, timeoutMs: -1 })).toThrow(RangeError);
  });
});
