import { beforeEach, describe, expect, it } from "vitest";
import type { KubeObject } from "@provisionkit/testing";
import { failure, GROUP, raw, VM_PATH, vm, withKube, failureStatus } from "./kube-support.js";

const h = withKube();
beforeEach(async () => {
  await h.vms.create(vm("vm-1"));
  await h.vms.create(vm("vm-2"));
});

const REF = { group: GROUP, plural: "computeinstances", namespace: "default", name: "vm-1" };

/** Retries a write on 409 as a controller would; returns the result and how many 409s it saw. */
async function retryOnConflict(
  write: () => Promise<KubeObject>,
): Promise<{ result: KubeObject; conflicts: number }> {
  for (let conflicts = 0; ; conflicts += 1) {
    const outcome = await write().then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    if ("result" in outcome) return { result: outcome.result, conflicts };
    if ((outcome.error as { code?: number }).code !== 409 || conflicts > 10) throw outcome.error;
  }
}

/** A merge patch of vm-1's status with the resourceVersion just read: a precondition. */
async function guardedStatus(status: Record<string, unknown>): Promise<KubeObject> {
  const { resourceVersion } = (await h.vms.get("vm-1")).metadata;
  return h.vms.mergeStatus("vm-1", { metadata: { resourceVersion }, status });
}

describe("Kubernetes API simulator: conflict faults (409 storms)", () => {
  it("answers the next N matching writes with the real 409, changing nothing", async () => {
    const storm = h.sim.faults.conflicts({ times: 3, verbs: ["patch"], subresource: "status" });
    const writesBefore = h.sim.history().length;
    const first = await failure(guardedStatus({ phase: "Ready" }));
    expect(first.status).toMatchObject({
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on computeinstances.example.com "vm-1": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: "vm-1", group: "example.com", kind: "computeinstances" },
    });
    const { result, conflicts } = await retryOnConflict(() => guardedStatus({ phase: "Ready" }));
    expect(conflicts).toBe(2);
    expect(result.status).toEqual({ phase: "Ready" });
    expect(storm.fired).toBe(3);
    expect(h.sim.history()).toHaveLength(writesBefore + 1);
    expect(h.sim.requests().filter((r) => r.faults?.includes("conflict"))).toHaveLength(3);
  });

  it("matches verbs, subresource and name", async () => {
    const handle = h.sim.faults.conflicts({
      times: Infinity,
      verbs: ["update"],
      subresource: "main",
      name: "vm-1",
    });
    await h.vms.merge("vm-1", { spec: { size: "large" } });
    await h.vms.mergeStatus("vm-1", { status: { a: 1 } });
    const current = await h.vms.get("vm-1");
    await h.vms.replaceStatus("vm-1", { ...current, status: { a: 2 } });
    const two = await h.vms.get("vm-2");
    await h.vms.replace("vm-2", { ...two, spec: { size: "large" } });
    expect(handle.fired).toBe(0);
    const latest = await h.vms.get("vm-1");
    expect((await failure(h.vms.replace("vm-1", { ...latest, spec: { size: "huge" } }))).code).toBe(
      409,
    );
    expect((await failure(h.vms.replace("vm-1", { ...latest, spec: { size: "huge" } }))).code).toBe(
      409,
    );
    expect(handle.fired).toBe(2);
    handle.remove();
    expect((await h.vms.replace("vm-1", { ...latest, spec: { size: "huge" } })).spec).toEqual({
      size: "huge",
    });
  });

  it("does not turn a 404 into a 409, and never affects out-of-band writes", async () => {
    const handle = h.sim.faults.conflicts({ times: 1 });
    const missing = { metadata: { resourceVersion: "1" }, spec: {} };
    expect((await failure(h.vms.merge("missing", missing))).code).toBe(404);
    h.sim.updateObject(REF, (o) => {
      o.spec = { size: "direct" };
    });
    expect(handle.fired).toBe(0);
    const { resourceVersion } = (await h.vms.get("vm-1")).metadata;
    const guarded = { metadata: { resourceVersion }, spec: {} };
    expect((await failure(h.vms.merge("vm-1", guarded))).code).toBe(409);
  });

  // The real server retries a patch's conflicts itself (handlers/patch.go,
  // MaxRetryWhenPatchConflicts): a patch with no resourceVersion in it never answers 409 for a
  // concurrent write, so the fault leaves it alone and stays armed for one that has one.
  it("never refuses a patch that carries no resourceVersion (merge or JSON patch)", async () => {
    const handle = h.sim.faults.conflicts({ times: 1, verbs: ["patch"] });
    const merged = await h.vms.merge("vm-1", { metadata: { annotations: { a: "1" } } });
    expect(merged.metadata.annotations).toEqual({ a: "1" });
    await h.vms.mergeStatus("vm-1", { status: { phase: "Ready" } });
    const current = await h.vms.get("vm-1");
    await h.vms.jsonPatch("vm-1", [
      { op: "test", path: "/metadata/resourceVersion", value: current.metadata.resourceVersion },
      { op: "add", path: "/metadata/finalizers", value: ["x/y"] },
    ]);
    expect(handle.fired).toBe(0);
    const latest = await h.vms.get("vm-1");
    const replaced = h.vms.jsonPatch("vm-1", [
      { op: "replace", path: "/metadata/resourceVersion", value: latest.metadata.resourceVersion },
      { op: "add", path: "/metadata/labels", value: { b: "2" } },
    ]);
    expect((await failure(replaced)).code).toBe(409);
    expect(handle.fired).toBe(1);
  });
});

describe("Kubernetes API simulator: status and delay faults", () => {
  it("answers 429 with Retry-After and details.retryAfterSeconds, without processing", async () => {
    const handle = h.sim.faults.status({
      code: 429,
      times: 1,
      method: "post",
      retryAfterSeconds: 2,
    });
    const reply = await raw(h.url, VM_PATH, { method: "POST", body: vm("vm-3") });
    expect(reply.status).toBe(429);
    expect(reply.headers.get("retry-after")).toBe("2");
    expect(reply.json).toEqual(
      failureStatus(429, "TooManyRequests", "Too many requests, please try again later.", {
        retryAfterSeconds: 2,
      }),
    );
    expect(h.sim.getObject({ ...REF, name: "vm-3" })).toBeUndefined();
    expect(handle.fired).toBe(1);
    expect((await h.vms.create(vm("vm-3"))).metadata.name).toBe("vm-3");
  });

  it("uses the real reasons for 500 and 503, matches method and path, counts times", async () => {
    h.sim.faults.status({ code: 500, times: 2, pathIncludes: "/vm-2" });
    h.sim.faults.status({ code: 503, times: 1, method: "GET", pathIncludes: "labelSelector=x" });
    const internal = await failure(h.vms.get("vm-2"));
    expect(internal).toMatchObject({ code: 500, status: { reason: "InternalError" } });
    expect((await h.vms.get("vm-1")).metadata.name).toBe("vm-1");
    expect((await failure(h.vms.merge("vm-2", { spec: {} }))).code).toBe(500);
    expect((await h.vms.get("vm-2")).metadata.name).toBe("vm-2");
    const unavailable = await failure(h.vms.list({ labelSelector: "x" }));
    expect(unavailable).toMatchObject({ code: 503, status: { reason: "ServiceUnavailable" } });
    h.sim.faults.status({ code: 500, times: 1, message: "etcdserver: request timed out" });
    expect((await failure(h.vms.get("vm-1"))).status.message).toBe("etcdserver: request timed out");
  });

  it("clear() and remove() stop rules; bad options are refused", async () => {
    const kept = h.sim.faults.status({ code: 500, times: Infinity });
    kept.remove();
    h.sim.faults.status({ code: 500, times: Infinity });
    h.sim.faults.delay({ ms: 10_000, times: Infinity });
    h.sim.faults.conflicts({ times: Infinity });
    h.sim.faults.clear();
    expect((await h.vms.merge("vm-1", { spec: { size: "x" } })).spec).toEqual({ size: "x" });
    expect(kept.fired).toBe(0);
    expect(() => h.sim.faults.status({ code: 200, times: 1 })).toThrow(RangeError);
    expect(() => h.sim.faults.status({ code: 500, times: 0 })).toThrow(RangeError);
    expect(() => h.sim.faults.delay({ ms: -1, times: 1 })).toThrow(RangeError);
    expect(() => h.sim.faults.conflicts({ times: 1.5 })).toThrow(RangeError);
  });

  it("delays matching requests in real time before processing them", async () => {
    const handle = h.sim.faults.delay({ ms: 150, times: 1, method: "PATCH" });
    const began = performance.now();
    const patched = await h.vms.merge("vm-1", { spec: { size: "slow" } });
    expect(performance.now() - began).toBeGreaterThanOrEqual(140);
    expect(patched.spec).toEqual({ size: "slow" });
    expect(handle.fired).toBe(1);
    expect(h.sim.requests().at(-1)).toMatchObject({
      method: "PATCH",
      status: 200,
      faults: ["delay"],
    });
  });

  it("stop() abandons delayed requests unprocessed", async () => {
    h.sim.faults.delay({ ms: 60_000, times: 1, method: "PATCH" });
    const pending = h.vms
      .merge("vm-1", { spec: { size: "never" } })
      .catch((error: unknown) => error);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (h.sim.requests().some((r) => r.method === "PATCH")) resolve();
        else setImmediate(check);
      };
      check();
    });
    await h.sim.stop();
    expect(await pending).toBeInstanceOf(Error);
    expect(h.sim.getObject(REF)?.spec).toEqual({ size: "small" });
  });
});
