import { describe, expect, it } from "vitest";
import type { KubeObject } from "@provisionkit/testing";
import { failure, MERGE, raw, vm, withKube } from "./kube-support.js";

const h = withKube();

const rv = (o: KubeObject) => Number(o.metadata.resourceVersion);

describe("Kubernetes API simulator: status subresource", () => {
  it("ignores .status on main-resource writes, and spec/metadata on status writes", async () => {
    const created = await h.vms.create(vm("vm-1"));
    const main = await h.vms.merge("vm-1", {
      spec: { size: "large" },
      status: { phase: "Hacked" },
    });
    expect(main.spec).toEqual({ size: "large" });
    expect(main.status).toBeUndefined();
    expect(main.metadata.generation).toBe(2);

    const status = await h.vms.mergeStatus("vm-1", {
      metadata: { labels: { sneaky: "yes" } },
      spec: { size: "huge" },
      status: { phase: "Ready", observedGeneration: 2 },
    });
    expect(status.status).toEqual({ phase: "Ready", observedGeneration: 2 });
    expect(status.spec).toEqual({ size: "large" });
    expect(status.metadata.labels).toBeUndefined();
    expect(status.metadata.generation).toBe(2);
    expect(rv(status)).toBeGreaterThan(rv(main));
    expect(rv(main)).toBeGreaterThan(rv(created));

    const replacedMain = await h.vms.replace("vm-1", {
      ...status,
      spec: { size: "small" },
      status: { phase: "Gone" },
    });
    expect(replacedMain.status).toEqual({ phase: "Ready", observedGeneration: 2 });
    expect(replacedMain.metadata.generation).toBe(3);

    const replacedStatus = await h.vms.replaceStatus("vm-1", {
      ...replacedMain,
      status: { phase: "Done" },
    });
    expect(replacedStatus).toMatchObject({ status: { phase: "Done" }, spec: { size: "small" } });
    expect(replacedStatus.metadata.generation).toBe(3);
    // A status PUT without .status clears it.
    const { status: _dropped, ...withoutStatus } = replacedStatus;
    expect((await h.vms.replaceStatus("vm-1", withoutStatus)).status).toBeUndefined();
  });

  it("GET on /status returns the whole object", async () => {
    await h.vms.create(vm("vm-1"));
    const updated = await h.vms.mergeStatus("vm-1", { status: { phase: "Ready" } });
    expect(await h.vms.getStatus("vm-1")).toEqual(updated);
  });

  it("records status writes with subresource status", async () => {
    await h.vms.create(vm("vm-1"));
    await h.vms.mergeStatus("vm-1", { status: { phase: "Ready" } });
    await h.vms.merge("vm-1", { metadata: { labels: { a: "b" } } }, "my-operator");
    expect(
      h.sim.history().map((w) => [w.verb, w.subresource, w.fieldManager, w.generation]),
    ).toEqual([
      ["create", undefined, undefined, 1],
      ["patch", "status", undefined, 1],
      ["patch", undefined, "my-operator", 1],
    ]);
  });
});

describe("Kubernetes API simulator: generation and resourceVersion", () => {
  it("moves generation only for changes outside metadata and status; rv on every write", async () => {
    const created = await h.vms.create(vm("vm-1"));
    const labelled = await h.vms.merge("vm-1", {
      metadata: { labels: { a: "b" }, annotations: { x: "y" } },
    });
    expect(labelled.metadata.generation).toBe(1);
    expect(rv(labelled)).toBeGreaterThan(rv(created));
    const finalized = await h.vms.merge("vm-1", {
      metadata: { finalizers: ["example.com/cleanup"] },
    });
    expect(finalized.metadata.generation).toBe(1);
    const other = await h.vms.merge("vm-1", { data: { extra: true } });
    expect(other.metadata.generation).toBe(2);
    const spec = await h.vms.merge("vm-1", { spec: { size: "large" } });
    expect(spec.metadata.generation).toBe(3);
    // A client cannot set generation, uid or creationTimestamp.
    const forged = await h.vms.merge("vm-1", {
      metadata: { generation: 42, creationTimestamp: "2000-01-01T00:00:00Z" },
    });
    expect(forged.metadata).toMatchObject({
      generation: 3,
      creationTimestamp: created.metadata.creationTimestamp,
    });
  });

  it("does not write (nor move the resourceVersion) for a no-op update", async () => {
    const created = await h.vms.create(vm("vm-1"));
    const same = await h.vms.merge("vm-1", { spec: { size: "small" } });
    expect(same).toEqual(created);
    const sameStatus = await h.vms.mergeStatus("vm-1", { spec: { size: "other" } });
    expect(sameStatus.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(h.sim.history().map((w) => w.verb)).toEqual(["create"]);
  });

  it("without the status subresource, keeps .status on create and counts it for generation", async () => {
    const params = {
      group: "plain.example.com",
      version: "v1alpha1",
      namespace: "default",
      plural: "widgets",
    };
    const created = (await h.api.createNamespacedCustomObject({
      ...params,
      body: {
        apiVersion: "plain.example.com/v1alpha1",
        kind: "Widget",
        metadata: { name: "w" },
        spec: { a: 1 },
        status: { ok: false },
      },
    })) as KubeObject;
    expect(created.status).toEqual({ ok: false });
    const patched = (await h.api.patchNamespacedCustomObject(
      { ...params, name: "w", body: { status: { ok: true } } },
      MERGE,
    )) as KubeObject;
    expect(patched.status).toEqual({ ok: true });
    expect(patched.metadata.generation).toBe(2);
    const statusPath = "/apis/plain.example.com/v1alpha1/namespaces/default/widgets/w/status";
    expect(
      (
        await raw(h.url, statusPath, {
          method: "PATCH",
          body: {},
          contentType: "application/merge-patch+json",
        })
      ).status,
    ).toBe(404);
    expect(
      (await failure(h.api.getNamespacedCustomObjectStatus({ ...params, name: "w" }))).code,
    ).toBe(404);
  });
});
