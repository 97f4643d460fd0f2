import { beforeEach, describe, expect, it } from "vitest";
import type { KubeObject } from "@provisionkit/testing";
import {
  failure,
  raw,
  STRATEGIC,
  VM_PATH,
  vm,
  withKube,
  failureStatus,
  vmDetails,
  invalidStatus,
} from "./kube-support.js";

const h = withKube();
let created: KubeObject;
beforeEach(async () => {
  created = await h.vms.create(vm("vm-1", { metadata: { labels: { keep: "me" } } }));
});

const CONFLICT = {
  code: 409,
  status: failureStatus(
    409,
    "Conflict",
    'Operation cannot be fulfilled on computeinstances.example.com "vm-1": the object has been modified; please apply your changes to the latest version and try again',
    vmDetails(),
  ),
};

describe("Kubernetes API simulator: optimistic concurrency", () => {
  it("PUT with a stale resourceVersion is 409 Conflict, with the current one succeeds", async () => {
    const updated = await h.vms.merge("vm-1", { spec: { size: "medium" } });
    expect(await failure(h.vms.replace("vm-1", { ...created, spec: { size: "large" } }))).toEqual(
      CONFLICT,
    );
    expect(await failure(h.vms.replaceStatus("vm-1", { ...created, status: { a: 1 } }))).toEqual(
      CONFLICT,
    );
    const replaced = await h.vms.replace("vm-1", { ...updated, spec: { size: "large" } });
    expect(replaced.spec).toEqual({ size: "large" });
  });

  it("PUT without a resourceVersion is 422, as custom resources allow no unconditional update", async () => {
    const { metadata, ...rest } = created;
    const { resourceVersion: _rv, ...withoutVersion } = metadata;
    expect(await failure(h.vms.replace("vm-1", { ...rest, metadata: withoutVersion }))).toEqual(
      invalidStatus(
        { kind: "computeinstances", group: "example.com", name: "vm-1" },
        {
          reason: "FieldValueInvalid",
          message: "Invalid value: 0x0: must be specified for an update",
          field: "metadata.resourceVersion",
        },
      ),
    );
  });

  it("a patch carrying metadata.resourceVersion is a precondition", async () => {
    await h.vms.merge("vm-1", { spec: { size: "medium" } });
    const stale = {
      metadata: { resourceVersion: created.metadata.resourceVersion },
      spec: { size: "large" },
    };
    expect(await failure(h.vms.merge("vm-1", stale))).toEqual(CONFLICT);
    expect(await failure(h.vms.mergeStatus("vm-1", { ...stale, status: { x: 1 } }))).toEqual(
      CONFLICT,
    );
    const current = (await h.vms.get("vm-1")).metadata.resourceVersion;
    const ok = await h.vms.merge("vm-1", {
      metadata: { resourceVersion: current },
      spec: { size: "large" },
    });
    expect(ok.spec).toEqual({ size: "large" });
  });

  it("a PUT naming another uid fails its precondition with 409", async () => {
    const { code, status } = await failure(
      h.vms.replace("vm-1", { ...created, metadata: { ...created.metadata, uid: "other-uid" } }),
    );
    expect(code).toBe(409);
    expect(status.message).toBe(
      `Operation cannot be fulfilled on computeinstances.example.com "vm-1": Precondition failed: UID in precondition: other-uid, UID in object meta: ${created.metadata.uid}`,
    );
  });
});

describe("Kubernetes API simulator: patches", () => {
  it("applies RFC 7386 merge patches: objects merge, null deletes, arrays replace", async () => {
    await h.vms.merge("vm-1", { spec: { disks: [1, 2], net: { a: 1, b: 2 } } });
    const patched = await h.vms.merge("vm-1", {
      metadata: { labels: { added: "yes" } },
      spec: { size: null, disks: [3], net: { b: null, c: 3 } },
    });
    expect(patched.spec).toEqual({ disks: [3], net: { a: 1, c: 3 } });
    expect(patched.metadata.labels).toEqual({ keep: "me", added: "yes" });
  });

  it("applies RFC 6902 JSON patches, atomically, with test as a guard", async () => {
    const patched = await h.vms.jsonPatch("vm-1", [
      { op: "test", path: "/spec/size", value: "small" },
      { op: "replace", path: "/spec/size", value: "large" },
      { op: "add", path: "/spec/disks", value: ["a"] },
      { op: "add", path: "/spec/disks/-", value: "b" },
      { op: "copy", from: "/spec/size", path: "/spec/previous" },
      { op: "move", from: "/spec/previous", path: "/spec/old" },
      { op: "remove", path: "/metadata/labels/keep" },
      { op: "add", path: "/metadata/finalizers", value: ["example.com/x"] },
    ]);
    expect(patched.spec).toEqual({ size: "large", disks: ["a", "b"], old: "large" });
    expect(patched.metadata.labels).toEqual({});
    expect(patched.metadata.finalizers).toEqual(["example.com/x"]);
    const guarded = await h.vms.jsonPatch("vm-1", [
      { op: "test", path: "/metadata/resourceVersion", value: patched.metadata.resourceVersion },
      { op: "remove", path: "/metadata/finalizers/0" },
    ]);
    expect(guarded.metadata.finalizers).toEqual([]);
  });

  it("a failed JSON patch test (or a missing path) is 422 with the real, detail-less message", async () => {
    const expected = {
      code: 422,
      status: failureStatus(
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
        {},
      ),
    };
    const before = (await h.vms.get("vm-1")).metadata.resourceVersion;
    expect(
      await failure(
        h.vms.jsonPatch("vm-1", [
          { op: "replace", path: "/spec/size", value: "large" },
          { op: "test", path: "/spec/size", value: "small" },
        ]),
      ),
    ).toEqual(expected);
    expect(await failure(h.vms.jsonPatch("vm-1", [{ op: "remove", path: "/spec/nope" }]))).toEqual(
      expected,
    );
    expect((await h.vms.get("vm-1")).metadata.resourceVersion).toBe(before);
    expect((await failure(h.vms.jsonPatch("vm-1", [{ op: "jump", path: "/x" }]))).code).toBe(400);
    const notArray = await raw(h.url, `${VM_PATH}/vm-1`, {
      method: "PATCH",
      body: { spec: {} },
      contentType: "application/json-patch+json",
    });
    expect(notArray.status).toBe(400);
  });

  it("answers 415 for strategic merge and apply patches on custom resources", async () => {
    const smp = await failure(
      h.api.patchNamespacedCustomObject(
        {
          group: "example.com",
          version: "v1",
          namespace: "default",
          plural: "computeinstances",
          name: "vm-1",
          body: {},
        },
        STRATEGIC,
      ),
    );
    expect(smp).toMatchObject({
      code: 415,
      status: {
        reason: "UnsupportedMediaType",
        message:
          "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json",
      },
    });
    const apply = await raw(h.url, `${VM_PATH}/vm-1?fieldManager=x`, {
      method: "PATCH",
      body: vm("vm-1"),
      contentType: "application/apply-patch+yaml",
    });
    expect(apply.status).toBe(415);
  });

  it("patches of a missing object are 404; a malformed merge patch is 400", async () => {
    expect((await failure(h.vms.merge("nope", { spec: {} }))).code).toBe(404);
    const bad = await raw(h.url, `${VM_PATH}/vm-1`, {
      method: "PATCH",
      body: "{not json",
      contentType: "application/merge-patch+json",
    });
    expect([bad.status, (bad.json as { message: string }).message]).toEqual([
      400,
      "Invalid JSON Patch",
    ]);
    const renamed = await failure(h.vms.merge("vm-1", { metadata: { name: "vm-2" } }));
    expect(renamed.code).toBe(400);
  });
});
