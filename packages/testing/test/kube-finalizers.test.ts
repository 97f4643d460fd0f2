import { describe, expect, it } from "vitest";
import { KubeStatusError, VirtualClock, type KubeObject } from "@provisionkit/testing";
import {
  failure,
  GROUP,
  VM_PATH,
  vm,
  WatchRecorder,
  withKube,
  invalidStatus,
} from "./kube-support.js";

let clock: VirtualClock;
const h = withKube(() => ({ clock: (clock = new VirtualClock()) }));

const REF = { group: GROUP, plural: "computeinstances", namespace: "default", name: "vm-1" };
const FINALIZER = "example.com/deprovision";

describe("Kubernetes API simulator: deletion with finalizers", () => {
  it("DELETE sets deletionTimestamp, grace period 0 and generation + 1, answers the object and keeps it", async () => {
    await h.vms.create(vm("vm-1", { metadata: { finalizers: [FINALIZER] } }));
    clock.advance(5_000);
    const deleting = (await h.vms.delete("vm-1")) as KubeObject;
    expect(deleting.kind).toBe("ComputeInstance");
    expect(deleting.metadata).toMatchObject({
      deletionTimestamp: "2026-01-01T00:00:05Z",
      deletionGracePeriodSeconds: 0,
      // markAsDeleting bumps generation for resources without graceful deletion.
      generation: 2,
      finalizers: [FINALIZER],
    });
    expect(await h.vms.get("vm-1")).toEqual(deleting);
    clock.advance(5_000);
    // A second DELETE changes nothing, not even the resourceVersion.
    expect(await h.vms.delete("vm-1")).toEqual(deleting);
    expect(h.sim.history().map((w) => [w.verb, w.generation])).toEqual([
      ["create", 1],
      ["delete", 2],
    ]);
  });

  it("refuses a new finalizer on an object being deleted with the real 422", async () => {
    await h.vms.create(vm("vm-1", { metadata: { finalizers: [FINALIZER] } }));
    await h.vms.delete("vm-1");
    expect(
      await failure(
        h.vms.merge("vm-1", { metadata: { finalizers: [FINALIZER, "z.io/b", "a.io/a"] } }),
      ),
    ).toEqual(
      invalidStatus(
        { kind: "ComputeInstance", group: "example.com", name: "vm-1" },
        {
          reason: "FieldValueForbidden",
          message:
            'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a.io/a", "z.io/b"}',
          field: "metadata.finalizers",
        },
      ),
    );
    expect(() =>
      h.sim.updateObject(REF, (o) => {
        o.metadata.finalizers = [FINALIZER, "x"];
      }),
    ).toThrow(KubeStatusError);
    // Other changes of a deleting object are fine, spec included.
    const edited = await h.vms.merge("vm-1", {
      spec: { size: "large" },
      metadata: { labels: { a: "b" } },
    });
    expect(edited.metadata.generation).toBe(3);
  });

  it("removing the last finalizer deletes the object (the answer is the object without it)", async () => {
    await h.vms.create(vm("vm-1", { metadata: { finalizers: [FINALIZER, "example.com/other"] } }));
    await h.vms.delete("vm-1");
    const one = await h.vms.jsonPatch("vm-1", [{ op: "remove", path: "/metadata/finalizers/1" }]);
    expect(one.metadata.finalizers).toEqual([FINALIZER]);
    expect(await h.vms.get("vm-1")).toEqual(one);
    const last = await h.vms.merge("vm-1", { metadata: { finalizers: null } });
    expect(last.metadata.finalizers).toBeUndefined();
    expect(last.metadata.deletionTimestamp).toBeDefined();
    expect((await failure(h.vms.get("vm-1"))).code).toBe(404);
    expect(h.sim.history().map((w) => w.verb)).toEqual(["create", "delete", "patch", "finalize"]);
  });

  it("a status write cannot remove finalizers; a PUT with an empty list can", async () => {
    await h.vms.create(vm("vm-1", { metadata: { finalizers: [FINALIZER] } }));
    await h.vms.delete("vm-1");
    const status = await h.vms.mergeStatus("vm-1", {
      metadata: { finalizers: [] },
      status: { phase: "Deleting" },
    });
    expect(status.metadata.finalizers).toEqual([FINALIZER]);
    await h.vms.replace("vm-1", { ...status, metadata: { ...status.metadata, finalizers: [] } });
    expect(h.sim.getObject(REF)).toBeUndefined();
  });

  it("checks DeleteOptions preconditions (uid, resourceVersion) with the real 409s", async () => {
    const created = await h.vms.create(vm("vm-1"));
    const uid = await failure(h.vms.delete("vm-1", { preconditions: { uid: "not-it" } }));
    expect(uid).toMatchObject({
      code: 409,
      status: {
        reason: "Conflict",
        message: `Operation cannot be fulfilled on ComputeInstance.example.com "vm-1": the UID in the precondition (not-it) does not match the UID in record (${created.metadata.uid}). The object might have been deleted and then recreated`,
        details: { name: "vm-1", group: "example.com", kind: "ComputeInstance" },
      },
    });
    const version = await failure(
      h.vms.delete("vm-1", { preconditions: { resourceVersion: "1" } }),
    );
    expect(version.status.message).toBe(
      `Operation cannot be fulfilled on ComputeInstance.example.com "vm-1": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${created.metadata.resourceVersion}). The object might have been modified`,
    );
    await h.vms.delete("vm-1", {
      preconditions: {
        uid: created.metadata.uid,
        resourceVersion: created.metadata.resourceVersion,
      },
    });
    expect(h.sim.getObject(REF)).toBeUndefined();
  });

  it("refuses to create an object of the same name while the old one is being deleted", async () => {
    await h.vms.create(vm("vm-1", { metadata: { finalizers: [FINALIZER] } }));
    await h.vms.delete("vm-1");
    const { code, status } = await failure(h.vms.create(vm("vm-1")));
    expect([code, status.message]).toEqual([
      409,
      'object is being deleted: computeinstances.example.com "vm-1" already exists',
    ]);
  });

  it("out-of-band delete and finalizer removal follow the same rules", () => {
    h.sim.createObject(
      vm("vm-1", { metadata: { namespace: "default", finalizers: [FINALIZER] } }) as KubeObject,
    );
    h.sim.deleteObject(REF);
    expect(h.sim.getObject(REF)?.metadata.deletionTimestamp).toBe("2026-01-01T00:00:00Z");
    const final = h.sim.updateObject(REF, (o) => {
      o.metadata.finalizers = [];
    });
    expect(final.metadata.finalizers).toEqual([]);
    expect(h.sim.getObject(REF)).toBeUndefined();
  });

  it("watchers see ADDED, MODIFIED, MODIFIED (deletionTimestamp), DELETED (last stored state)", async () => {
    const watch = await WatchRecorder.open(h.kc, VM_PATH);
    await h.vms.create(vm("vm-1"));
    await h.vms.merge("vm-1", { metadata: { finalizers: [FINALIZER] } });
    await h.vms.delete("vm-1");
    const last = await h.vms.merge("vm-1", { metadata: { finalizers: null } });
    await watch.count(4);
    expect(watch.events.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "MODIFIED", "DELETED"]);
    const deleted = watch.events[3]?.object;
    expect(deleted?.metadata.finalizers).toEqual([FINALIZER]);
    expect(Number(deleted?.metadata.resourceVersion)).toBeGreaterThan(
      Number(last.metadata.resourceVersion),
    );
    expect(watch.events[2]?.object.metadata.deletionTimestamp).toBeDefined();
    watch.abort();
  });
});
