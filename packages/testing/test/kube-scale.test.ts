import { describe, expect, it } from "vitest";
import type { KubeObject } from "@provisionkit/testing";
import { VM_PATH, vm, WatchRecorder, withKube } from "./kube-support.js";

const h = withKube();

const names = (list: { items: KubeObject[] }) => list.items.map((i) => i.metadata.name);

// The store keeps its sorted keys until the key set changes, and a change fanned out to
// several watches shares one stored object and one serialized line (store.ts,
// watch-hub.ts, watch-stream.ts): lists and watches must read as before.
describe("Kubernetes API simulator: lists and watches at scale", () => {
  it("lists in key order after creates, updates and deletes, page by page", async () => {
    for (const name of ["m", "c", "x", "a"]) await h.vms.create(vm(name));
    expect(names(await h.vms.list())).toEqual(["a", "c", "m", "x"]);
    await h.vms.create(vm("b"));
    await h.vms.delete("m");
    await h.vms.merge("x", { metadata: { labels: { touched: "yes" } } });
    expect(names(await h.vms.list())).toEqual(["a", "b", "c", "x"]);
    await h.vms.inNamespace("other").create(vm("aa"));
    expect(names(await h.vms.list())).toEqual(["a", "b", "c", "x"]);
    const all = await h.vms.listAllNamespaces();
    expect(all.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([
      "default/a",
      "default/b",
      "default/c",
      "default/x",
      "other/aa",
    ]);
    const first = await h.vms.list({ limit: 2 });
    expect(names(first)).toEqual(["a", "b"]);
    await h.vms.create(vm("bb"));
    const second = await h.vms.list({ limit: 2, _continue: first.metadata.continue });
    // Later pages show the objects as they are now (list.ts): "bb" sorts after the cursor.
    expect(names(second)).toEqual(["bb", "c"]);
  });

  it("sends every watch the same events, each its own selection", async () => {
    await h.vms.create(vm("a", { metadata: { labels: { tier: "web" } } }));
    const all = await WatchRecorder.open(h.kc, VM_PATH, {});
    const more = await WatchRecorder.open(h.kc, VM_PATH, {});
    const web = await WatchRecorder.open(h.kc, VM_PATH, { labelSelector: "tier=web" });
    await Promise.all([all.count(1), more.count(1), web.count(1)]);
    await h.vms.create(vm("b", { metadata: { labels: { tier: "web" } } }));
    await h.vms.merge("a", { metadata: { labels: { tier: "db" } } });
    await h.vms.delete("b");
    await Promise.all([all.count(4), more.count(4), web.count(4)]);
    expect(all.summary()).toEqual(["ADDED a", "ADDED b", "MODIFIED a", "DELETED b"]);
    expect(more.events).toEqual(all.events);
    // "a" stops matching: the selector's watch sees it DELETED, with the change's version.
    expect(web.summary()).toEqual(["ADDED a", "ADDED b", "DELETED a", "DELETED b"]);
    expect(web.events[2]?.object.metadata.labels).toEqual({ tier: "web" });
    expect(web.events[2]?.object.metadata.resourceVersion).toBe(
      all.events[2]?.object.metadata.resourceVersion,
    );
    for (const watch of [all, more, web]) watch.abort();
  });
});
