import { describe, expect, it } from "vitest";
import { providerSet } from "../../src/engine/providers.js";
import { JobSignalRouter } from "../../src/kubernetes/job-signals.js";
import { silentLogger } from "../../src/logger.js";
import type { JobSignalListener, Provider } from "../../src/provider.js";
import type { ProvisioningStatus } from "../../src/status.js";
import type { JobRecord } from "../../src/job-record.js";

function job(jobId: string, state: JobRecord["state"], provider = "p"): JobRecord {
  return {
    jobId,
    type: "provision",
    state,
    message: "",
    provider,
    correlationId: `c-${jobId}`,
    launchedAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    attempt: 1,
  };
}

function status(...jobs: JobRecord[]): ProvisioningStatus {
  return { jobs, conditions: [] };
}

function signalingProvider(name = "p") {
  const listeners: JobSignalListener[] = [];
  let closed = 0;
  const provider = {
    name,
    jobSignals(listener: JobSignalListener) {
      listeners.push(listener);
      return {
        close: () => {
          closed += 1;
          listeners.splice(listeners.indexOf(listener), 1);
          return Promise.resolve();
        },
      };
    },
  } as unknown as Provider<never>;
  return {
    provider,
    emit: (jobId: string) => listeners.forEach((l) => l({ jobId })),
    get listeners() {
      return listeners.length;
    },
    get closed() {
      return closed;
    },
  };
}

function setup(options: { maxIndexedJobs?: number; now?: () => number } = {}) {
  const source = signalingProvider();
  const queued: string[] = [];
  const router = new JobSignalRouter({
    providers: [source.provider, { name: "plain" } as unknown as Provider<never>],
    enqueue: (key) => queued.push(key),
    logger: silentLogger,
    clock: options.now ?? (() => 0),
    ...(options.maxIndexedJobs === undefined ? {} : { maxIndexedJobs: options.maxIndexedJobs }),
  });
  return { source, queued, router };
}

describe("JobSignalRouter", () => {
  it("subscribes on start and closes on stop, skipping providers without signals", async () => {
    const { source, router } = setup();
    expect(router.active).toBe(false);
    router.start();
    router.start();
    expect(source.listeners).toBe(1);
    expect(router.active).toBe(true);
    expect(router.activeFor("p")).toBe(true);
    expect(router.activeFor("plain")).toBe(false);
    await router.stop();
    expect(source.closed).toBe(1);
    expect(source.listeners).toBe(0);
    expect(router.active).toBe(false);
    expect(router.activeFor("p")).toBe(false);
  });

  it("routes a signal for a job in flight to its object and hands the mark to one reconcile", () => {
    const { source, queued, router } = setup();
    router.start();
    router.observe("ns/a", status(job("job:1", "Running")));
    source.emit("job:1");
    expect(queued).toEqual(["ns/a"]);
    expect([...(router.take("ns/a") ?? [])]).toEqual(["job:1"]);
    expect(router.take("ns/a")).toBeUndefined();
    expect(router.counts).toEqual({ received: 1, routed: 1, unmatched: 0 });
  });

  it("ignores signals for terminal or unknown jobs and for another provider's job", () => {
    const { source, queued, router } = setup();
    router.start();
    router.observe("ns/a", status(job("job:1", "Succeeded"), job("job:2", "Running", "other")));
    source.emit("job:1");
    source.emit("job:2");
    source.emit("job:999");
    expect(queued).toEqual([]);
    expect(router.take("ns/a")).toBeUndefined();
    expect(router.counts.unmatched).toBe(3);
  });

  it("unindexes a job once a status shows it terminal", () => {
    const { source, queued, router } = setup();
    router.start();
    router.observe("ns/a", status(job("job:1", "Running")));
    router.observe("ns/a", status(job("job:1", "Succeeded")));
    expect(router.indexedJobs).toBe(0);
    source.emit("job:1");
    expect(queued).toEqual([]);
  });

  it("applies a signal that came before the launch was observed, within its time to live", () => {
    let now = 0;
    const { source, queued, router } = setup({ now: () => now });
    router.start();
    source.emit("job:5");
    source.emit("job:6");
    now = 60_001;
    router.observe("ns/a", status(job("job:5", "Pending")));
    expect(queued).toEqual([]);
    now = 60_002;
    router.observe("ns/b", status(job("job:6", "Pending")));
    expect(queued).toEqual([]);
    source.emit("job:7");
    now = 70_000;
    router.observe("ns/c", status(job("job:7", "Pending")));
    expect(queued).toEqual(["ns/c"]);
    expect([...(router.take("ns/c") ?? [])]).toEqual(["job:7"]);
  });

  it("bounds the index, dropping the oldest job", () => {
    const { source, queued, router } = setup({ maxIndexedJobs: 2 });
    router.start();
    router.observe("ns/a", status(job("job:1", "Running")));
    router.observe("ns/b", status(job("job:2", "Running")));
    router.observe("ns/c", status(job("job:3", "Running")));
    expect(router.indexedJobs).toBe(2);
    source.emit("job:1");
    source.emit("job:3");
    expect(queued).toEqual(["ns/c"]);
  });

  it("forgets an object that is gone", () => {
    const { source, queued, router } = setup();
    router.start();
    router.observe("ns/a", status(job("job:1", "Running")));
    router.observe("ns/a", undefined);
    source.emit("job:1");
    expect(queued).toEqual([]);
    expect(
      () =>
        new JobSignalRouter({
          providers: [],
          enqueue: () => {},
          logger: silentLogger,
          clock: () => 0,
          maxIndexedJobs: 0,
        }),
    ).toThrow(RangeError);
  });

  it("subscribes every provider of a set that offers signals (providerSet's all, current first)", async () => {
    const current = signalingProvider("current");
    const older = signalingProvider("older");
    const set = providerSet(current.provider, older.provider);
    expect(set.all?.map((p) => p.name)).toEqual(["current", "older"]);
    const queued: string[] = [];
    const router = new JobSignalRouter({
      providers: set.all ?? [],
      enqueue: (key) => queued.push(key),
      logger: silentLogger,
      clock: () => 0,
    });
    router.start();
    router.observe("ns/a", status(job("job:1", "Running", "older")));
    older.emit("job:1");
    current.emit("job:1");
    expect(queued).toEqual(["ns/a"]);
    expect(router.activeFor("older")).toBe(true);
    await router.stop();
    expect(older.closed + current.closed).toBe(2);
  });
});
