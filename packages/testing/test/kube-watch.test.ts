import { afterEach, describe, expect, it } from "vitest";
import type { KubeObject, KubernetesApiSimulatorOptions } from "@provisionkit/testing";
import {
  startHarness,
  VM_PATH,
  vm,
  Vms,
  WatchRecorder,
  type Harness,
  failureStatus,
} from "./kube-support.js";

let h: Harness;
const watches: WatchRecorder[] = [];
async function start(options: KubernetesApiSimulatorOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}
async function open(
  path: string,
  query: Record<string, string | number | boolean | undefined> = {},
): Promise<WatchRecorder> {
  const watch = await WatchRecorder.open(h.kc, path, query);
  watches.push(watch);
  return watch;
}
afterEach(async () => {
  for (const watch of watches.splice(0)) watch.abort();
  await h.sim.stop();
});

const rvOf = (o: KubeObject) => o.metadata.resourceVersion;

describe("Kubernetes API simulator: watch", () => {
  it("without a resourceVersion, sends the current objects as ADDED, then live events", async () => {
    await start();
    await h.vms.create(vm("a"));
    await h.vms.create(vm("b"));
    const watch = await open(VM_PATH);
    await watch.count(2);
    await h.vms.merge("a", { spec: { size: "large" } });
    await h.vms.delete("b");
    await h.vms.create(vm("c"));
    await watch.count(5);
    expect(watch.summary()).toEqual(["ADDED a", "ADDED b", "MODIFIED a", "DELETED b", "ADDED c"]);
    expect(h.sim.requests().at(-4)).toMatchObject({
      method: "GET",
      path: VM_PATH,
      watch: true,
      status: 200,
    });
  });

  it("resourceVersion 0 also starts with the current objects", async () => {
    await start();
    await h.vms.create(vm("a"));
    const watch = await open(VM_PATH, { resourceVersion: "0" });
    await watch.count(1);
    expect(watch.summary()).toEqual(["ADDED a"]);
  });

  it("from a resourceVersion, replays the history after it, in order, then goes live", async () => {
    await start();
    const a = await h.vms.create(vm("a"));
    await h.vms.create(vm("b"));
    await h.vms.merge("a", { spec: { size: "large" } });
    await h.vms.delete("b");
    const watch = await open(VM_PATH, { resourceVersion: rvOf(a) });
    await watch.count(3);
    await h.vms.create(vm("c"));
    await watch.count(4);
    expect(watch.summary()).toEqual(["ADDED b", "MODIFIED a", "DELETED b", "ADDED c"]);
    const versions = watch.events.map((e) => Number(rvOf(e.object)));
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
  });

  it("answers an ERROR 410 Expired event and ends the stream for a resourceVersion older than the history", async () => {
    await start({ watchHistoryLimit: 2 });
    const a = await h.vms.create(vm("a"));
    await h.vms.create(vm("b"));
    await h.vms.create(vm("c"));
    const d = await h.vms.create(vm("d"));
    const watch = await open(VM_PATH, { resourceVersion: rvOf(a) });
    expect(await watch.done).toBeNull();
    const floor = Number(rvOf(d)) - 2;
    expect(watch.events).toEqual([
      {
        type: "ERROR",
        object: failureStatus(410, "Expired", `too old resource version: ${rvOf(a)} (${floor})`),
      },
    ]);
    // From the floor on, resuming works.
    const resumed = await open(VM_PATH, { resourceVersion: String(floor) });
    await resumed.count(2);
    expect(resumed.summary()).toEqual(["ADDED c", "ADDED d"]);
  });

  it("after compact(), resuming from an older resourceVersion is 410; from the current one works", async () => {
    await start();
    const a = await h.vms.create(vm("a"));
    const b = await h.vms.create(vm("b"));
    h.sim.faults.compact();
    const old = await open(VM_PATH, { resourceVersion: rvOf(a) });
    await old.done;
    expect(old.events[0]?.object).toMatchObject({ code: 410, reason: "Expired" });
    const current = await open(VM_PATH, { resourceVersion: rvOf(b) });
    await h.vms.create(vm("c"));
    await current.count(1);
    expect(current.summary()).toEqual(["ADDED c"]);
  });

  it("sends BOOKMARKs at the interval only to watches that allow them", async () => {
    await start({ bookmarkIntervalMs: 20 });
    const created = await h.vms.create(vm("a"));
    const plain = await open(VM_PATH, { resourceVersion: rvOf(created) });
    const marked = await open(VM_PATH, {
      resourceVersion: rvOf(created),
      allowWatchBookmarks: true,
    });
    await marked.until((events) => events.filter((e) => e.type === "BOOKMARK").length >= 2);
    expect(marked.events[0]).toEqual({
      type: "BOOKMARK",
      object: {
        kind: "ComputeInstance",
        apiVersion: "example.com/v1",
        metadata: { resourceVersion: rvOf(created) },
      },
    });
    await h.vms.create(vm("b"));
    await plain.count(1);
    expect(plain.summary()).toEqual(["ADDED b"]);
  });

  it("sendInitialEvents ends the initial ADDED events with an annotated BOOKMARK", async () => {
    await start();
    await h.vms.create(vm("a"));
    const watch = await open(VM_PATH, {
      sendInitialEvents: true,
      allowWatchBookmarks: true,
      resourceVersionMatch: "NotOlderThan",
    });
    await watch.count(2);
    expect(watch.events[1]).toMatchObject({
      type: "BOOKMARK",
      object: { metadata: { annotations: { "k8s.io/initial-events-end": "true" } } },
    });
  });

  it("closes the stream after timeoutSeconds", async () => {
    await start();
    const began = performance.now();
    const watch = await open(VM_PATH, { timeoutSeconds: 1 });
    expect(await watch.done).toBeNull();
    expect(performance.now() - began).toBeGreaterThanOrEqual(950);
  });

  it("dropWatches() ends every open stream cleanly and reports how many", async () => {
    await start();
    const one = await open(VM_PATH);
    const two = await open("/apis/example.com/v1/networks");
    expect(h.sim.faults.dropWatches()).toBe(2);
    expect(await one.done).toBeNull();
    expect(await two.done).toBeNull();
    expect(h.sim.faults.dropWatches()).toBe(0);
  });

  it("stop() ends open watches", async () => {
    await start();
    const watch = await open(VM_PATH);
    await h.sim.stop();
    await watch.done;
  });

  it("filters by label selector: leaving the selection is DELETED, entering it is ADDED", async () => {
    await start();
    await h.vms.create(vm("a", { metadata: { labels: { tier: "web" } } }));
    await h.vms.create(vm("b"));
    const watch = await open(VM_PATH, { labelSelector: "tier=web" });
    await watch.count(1);
    await h.vms.merge("a", { metadata: { labels: { tier: "db" } } });
    await h.vms.merge("b", { metadata: { labels: { tier: "web" } } });
    await h.vms.merge("b", { spec: { size: "large" } });
    await h.vms.merge("a", { spec: { size: "large" } });
    await h.vms.delete("b");
    await watch.count(5);
    expect(watch.summary()).toEqual(["ADDED a", "DELETED a", "ADDED b", "MODIFIED b", "DELETED b"]);
    // The DELETED for leaving the selection carries the old labels and the change's resourceVersion.
    expect(watch.events[1]?.object.metadata.labels).toEqual({ tier: "web" });
  });

  it("filters by field selector and namespace; the cluster path watches all namespaces", async () => {
    await start();
    const byName = await open(VM_PATH, { fieldSelector: "metadata.name=b" });
    const all = await open("/apis/example.com/v1/computeinstances");
    const namespaced = await open(VM_PATH);
    await h.vms.create(vm("a"));
    await h.vms.create(vm("b"));
    await new Vms(h.api, "other").create(vm("c"));
    await all.count(3);
    await namespaced.count(2);
    await byName.count(1);
    expect(all.summary()).toEqual(["ADDED a", "ADDED b", "ADDED c"]);
    expect(namespaced.summary()).toEqual(["ADDED a", "ADDED b"]);
    expect(byName.summary()).toEqual(["ADDED b"]);
  });

  it("answers 400 for a malformed resourceVersion", async () => {
    await start();
    const watch = await open(VM_PATH, { resourceVersion: "abc" });
    const error = (await watch.done) as { statusCode?: number };
    expect(error.statusCode).toBe(400);
  });
});
