import {
  ApiException,
  CoordinationV1Api,
  KubeConfig,
  V1MicroTime,
  Watch,
} from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { KubernetesApiSimulator, VirtualClock } from "@provisionkit/testing";
import { raw } from "./kube-support.js";

const LEASES = { group: "coordination.k8s.io", plural: "leases" };

let sim: KubernetesApiSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function start(options: { leases?: boolean } = { leases: true }) {
  sim = new KubernetesApiSimulator({
    clock: new VirtualClock(),
    crds: [
      { group: "example.com", version: "v1", plural: "computeinstances", kind: "ComputeInstance" },
    ],
    ...options,
  });
  const url = await sim.start();
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  return { sim, url, api: kc.makeApiClient(CoordinationV1Api), kc };
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) {
      const body =
        typeof error.body === "string" ? (JSON.parse(error.body) as Record<string, unknown>) : {};
      return { code: error.code, body };
    }
    throw error;
  }
  throw new Error("expected a failure");
}

const spec = (holder: string, extra: Record<string, unknown> = {}) => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  leaseTransitions: 0,
  acquireTime: new V1MicroTime(Date.UTC(2026, 0, 1)),
  renewTime: new V1MicroTime(Date.UTC(2026, 0, 1)),
  ...extra,
});

describe("Kubernetes API simulator: coordination.k8s.io/v1 Leases", () => {
  it("is served only with the leases option, in discovery before the CRD groups", async () => {
    const off = await start({});
    expect(
      ((await raw(off.url, "/apis")).json as { groups: { name: string }[] }).groups.map(
        (g) => g.name,
      ),
    ).toEqual(["example.com"]);
    expect(
      (await raw(off.url, "/apis/coordination.k8s.io/v1/namespaces/default/leases")).status,
    ).toBe(404);
    await off.sim.stop();
    const on = await start();
    const groups = ((await raw(on.url, "/apis")).json as { groups: { name: string }[] }).groups;
    expect(groups.map((g) => g.name)).toEqual(["coordination.k8s.io", "example.com"]);
    const resources = (await raw(on.url, "/apis/coordination.k8s.io/v1")).json as {
      resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[];
    };
    expect(resources.resources.map((r) => [r.name, r.namespaced, r.kind])).toEqual([
      ["leases", true, "Lease"],
    ]);
    expect(resources.resources[0]?.verbs).toEqual(
      expect.arrayContaining(["create", "get", "list", "update", "watch"]),
    );
  });

  it("creates, reads, lists by label and updates with resourceVersion preconditions, without generation", async () => {
    const { api, sim: s } = await start();
    const created = await api.createNamespacedLease({
      namespace: "default",
      body: { metadata: { name: "leader", labels: { app: "x" } }, spec: spec("a") },
    });
    expect(created.kind).toBe("Lease");
    expect(created.apiVersion).toBe("coordination.k8s.io/v1");
    expect(created.metadata?.generation).toBeUndefined();
    expect(created.spec?.holderIdentity).toBe("a");
    // MicroTime with microseconds, as client-node's V1MicroTime writes it.
    expect(String(created.spec?.renewTime)).toBe("2026-01-01T00:00:00.000000Z");
    await api.createNamespacedLease({
      namespace: "default",
      body: { metadata: { name: "other" }, spec: spec("b") },
    });
    const listed = await api.listNamespacedLease({ namespace: "default", labelSelector: "app=x" });
    expect(listed.items.map((l) => l.metadata?.name)).toEqual(["leader"]);
    expect(listed.metadata?._continue).toBeUndefined();

    const updated = await api.replaceNamespacedLease({
      name: "leader",
      namespace: "default",
      body: { ...created, spec: spec("b", { leaseTransitions: 1 }) },
    });
    expect(updated.spec?.holderIdentity).toBe("b");
    expect(updated.metadata?.generation).toBeUndefined();
    // A write on the stale read loses: 409 Conflict.
    const stale = await failure(
      api.replaceNamespacedLease({
        name: "leader",
        namespace: "default",
        body: { ...created, spec: spec("c") },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body.reason).toBe("Conflict");
    // Without a resourceVersion: 422 (AllowUnconditionalUpdate is false for Leases).
    const { resourceVersion: _rv, ...meta } = updated.metadata ?? {};
    const unconditional = await failure(
      api.replaceNamespacedLease({
        name: "leader",
        namespace: "default",
        body: { ...updated, metadata: meta, spec: spec("c") },
      }),
    );
    expect(unconditional.code).toBe(422);
    expect(s.getObject({ ...LEASES, namespace: "default", name: "leader" })?.spec).toMatchObject({
      holderIdentity: "b",
    });
    // An existing name: 409 AlreadyExists.
    const again = await failure(
      api.createNamespacedLease({
        namespace: "default",
        body: { metadata: { name: "leader" }, spec: spec("z") },
      }),
    );
    expect(again.code).toBe(409);
    expect(again.body.reason).toBe("AlreadyExists");
  });

  it("validates the spec as ValidateLeaseSpec does (422)", async () => {
    const { api } = await start();
    const zero = await failure(
      api.createNamespacedLease({
        namespace: "default",
        body: { metadata: { name: "bad" }, spec: spec("a", { leaseDurationSeconds: 0 }) },
      }),
    );
    expect(zero.code).toBe(422);
    expect(String(zero.body.message)).toContain(
      "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
    );
    const negative = await failure(
      api.createNamespacedLease({
        namespace: "default",
        body: { metadata: { name: "bad" }, spec: spec("a", { leaseTransitions: -1 }) },
      }),
    );
    expect(negative.code).toBe(422);
    expect(String(negative.body.message)).toContain("must be greater than or equal to 0");
  });

  it("watches Leases", async () => {
    const { api, kc } = await start();
    const events: string[] = [];
    const watch = new Watch(kc);
    const request = await watch.watch(
      "/apis/coordination.k8s.io/v1/namespaces/default/leases",
      {},
      (type: string, object: { spec?: { holderIdentity?: string } }) =>
        events.push(`${type}:${object.spec?.holderIdentity}`),
      () => undefined,
    );
    const created = await api.createNamespacedLease({
      namespace: "default",
      body: { metadata: { name: "w" }, spec: spec("a") },
    });
    await api.replaceNamespacedLease({
      name: "w",
      namespace: "default",
      body: { ...created, spec: spec("b") },
    });
    await expect
      .poll(() => events, { timeout: 5000, interval: 10 })
      .toEqual(["ADDED:a", "MODIFIED:b"]);
    request.abort();
  });
});
