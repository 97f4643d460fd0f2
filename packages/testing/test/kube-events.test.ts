import { afterEach, describe, expect, it } from "vitest";
import type { CoreV1Event } from "@kubernetes/client-node";
import { VirtualClock, type KubeObject } from "@provisionkit/testing";
import { failure, MERGE, raw, startHarness, STRATEGIC, type Harness } from "./kube-support.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.sim.stop();
  h = undefined;
});

function event(name: string | undefined, reason: string, involved = "vm-1"): CoreV1Event {
  return {
    metadata: name === undefined ? { generateName: `${involved}.` } : { name },
    involvedObject: {
      apiVersion: "example.com/v1",
      kind: "ComputeInstance",
      namespace: "default",
      name: involved,
      uid: "u-1",
    },
    reason,
    message: `${reason} happened`,
    type: "Normal",
    count: 1,
    firstTimestamp: new Date("2026-01-01T00:00:00Z"),
    lastTimestamp: new Date("2026-01-01T00:00:00Z"),
    source: { component: "provisionkit" },
    reportingComponent: "provisionkit",
  };
}

describe("Kubernetes API simulator: core/v1 Events", () => {
  it("creates, reads, lists and patches Events through CoreV1Api", async () => {
    const clock = new VirtualClock();
    h = await startHarness({ clock });
    const created = await h.core.createNamespacedEvent({
      namespace: "default",
      body: event("vm-1.a", "Provisioning"),
    });
    expect(created.metadata).toMatchObject({ name: "vm-1.a", namespace: "default" });
    expect(created.metadata.uid).toBeTruthy();
    expect(created.metadata.creationTimestamp?.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(created.involvedObject.name).toBe("vm-1");
    const read = await h.core.readNamespacedEvent({ name: "vm-1.a", namespace: "default" });
    expect(read.reason).toBe("Provisioning");
    const merged = await h.core.patchNamespacedEvent(
      {
        name: "vm-1.a",
        namespace: "default",
        body: { count: 2, lastTimestamp: "2026-01-01T00:01:00Z" },
      },
      MERGE,
    );
    expect(merged.count).toBe(2);
    const strategic = await h.core.patchNamespacedEvent(
      { name: "vm-1.a", namespace: "default", body: { count: 3 } },
      STRATEGIC,
    );
    expect(strategic.count).toBe(3);
    const jsonPatched = await h.core.patchNamespacedEvent({
      name: "vm-1.a",
      namespace: "default",
      body: [{ op: "replace", path: "/count", value: 4 }],
    });
    expect(jsonPatched.count).toBe(4);
    const list = await h.core.listNamespacedEvent({ namespace: "default" });
    expect(list.items.map((e) => [e.metadata.name, e.count])).toEqual([["vm-1.a", 4]]);
    const recorded = h.sim.coreEvents("default");
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      apiVersion: "v1",
      kind: "Event",
      reason: "Provisioning",
      count: 4,
    });
    expect((recorded[0] as KubeObject).metadata.generation).toBeUndefined();
    expect(h.sim.history().map((w) => [w.verb, w.ref.plural, w.generation])).toEqual([
      ["create", "events", 0],
      ["patch", "events", 0],
      ["patch", "events", 0],
      ["patch", "events", 0],
    ]);
  });

  it("generates names, allows unconditional updates, selects by Event fields, lists all namespaces", async () => {
    h = await startHarness();
    const generated = await h.core.createNamespacedEvent({
      namespace: "default",
      body: event(undefined, "A"),
    });
    expect(generated.metadata.name).toMatch(/^vm-1\.[a-z0-9]{5}$/);
    await h.core.createNamespacedEvent({
      namespace: "default",
      body: event("vm-2.b", "B", "vm-2"),
    });
    await h.core.createNamespacedEvent({
      namespace: "other",
      body: { ...event("vm-3.c", "C", "vm-3") },
    });
    const byObject = await h.core.listNamespacedEvent({
      namespace: "default",
      fieldSelector: "involvedObject.name=vm-2,involvedObject.kind=ComputeInstance",
    });
    expect(byObject.items.map((e) => e.reason)).toEqual(["B"]);
    const byReason = await h.core.listEventForAllNamespaces({ fieldSelector: "reason=C" });
    expect(byReason.items.map((e) => e.metadata.namespace)).toEqual(["other"]);
    expect((await h.core.listEventForAllNamespaces({})).items).toHaveLength(3);
    // Events, unlike custom resources, may be replaced without a resourceVersion.
    const { resourceVersion: _rv, ...meta } = generated.metadata;
    const replaced = await h.core.replaceNamespacedEvent({
      name: generated.metadata.name ?? "",
      namespace: "default",
      body: { ...generated, metadata: meta, count: 9 },
    });
    expect(replaced.count).toBe(9);
    const nameless = await failure(
      h.core.createNamespacedEvent({
        namespace: "default",
        body: { ...event("x", "X"), metadata: {} },
      }),
    );
    expect(nameless.code).toBe(422);
    await h.core.deleteNamespacedEvent({ name: "vm-2.b", namespace: "default" });
    expect(h.sim.coreEvents()).toHaveLength(2);
  });

  it("serves /api and /api/v1 discovery listing events", async () => {
    h = await startHarness();
    const versions = await raw(h.url, "/api");
    expect(versions.json).toMatchObject({
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [
        { clientCIDR: "0.0.0.0/0", serverAddress: h.url.replace("http://", "") },
      ],
    });
    const resources = (await raw(h.url, "/api/v1")).json as {
      resources: { name: string; kind: string }[];
    };
    expect(resources.resources.map((r) => [r.name, r.kind])).toEqual([
      ["events", "Event"],
      ["secrets", "Secret"],
    ]);
    expect((await raw(h.url, "/api/v1/namespaces/default/pods")).status).toBe(404);
  });

  it("with coreEvents: false, answers 404 like a bare apiextensions-apiserver", async () => {
    h = await startHarness({ coreEvents: false });
    expect((await raw(h.url, "/api")).status).toBe(404);
    expect((await raw(h.url, "/api/v1")).status).toBe(404);
    const { code, status } = await failure(
      h.core.createNamespacedEvent({ namespace: "default", body: event("vm-1.a", "Provisioning") }),
    );
    expect([code, status.reason]).toEqual([404, "NotFound"]);
    expect(h.sim.coreEvents()).toEqual([]);
    expect(() =>
      h?.sim.getObject({ group: "", plural: "events", namespace: "default", name: "x" }),
    ).toThrow(/no served resource/);
  });

  it("watches Events", async () => {
    h = await startHarness();
    const { WatchRecorder } = await import("./kube-support.js");
    const watch = await WatchRecorder.open(h.kc, "/api/v1/namespaces/default/events");
    await h.core.createNamespacedEvent({
      namespace: "default",
      body: event("vm-1.a", "Provisioning"),
    });
    await watch.count(1);
    expect(watch.events[0]).toMatchObject({
      type: "ADDED",
      object: { kind: "Event", reason: "Provisioning" },
    });
    watch.abort();
  });
});
