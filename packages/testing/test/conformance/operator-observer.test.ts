/**
 * `ObjectObserver`, how the operator suite sees the objects: through a client-node watch on
 * the scenario's API, every version recorded, and still seeing after the watch breaks.
 */
import { afterEach, expect, it } from "vitest";
import { ScenarioCluster } from "../../src/conformance/operator/cluster.js";
import { ObjectObserver, type ObserverReaders } from "../../src/conformance/operator/observer.js";
import { KubernetesApiSimulator } from "../../src/kubernetes/simulator.js";
import type { CrdDefinition, KubeObject } from "../../src/kubernetes/types.js";

const CRD: CrdDefinition = {
  group: "example.com",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
  statusSubresource: true,
};
const FINALIZER = "example.com/provisioning";
const NAMESPACE = "observed";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A simulator, the scenario's API on it (as a caller's cluster), and a started observer. */
async function world(
  readers: Omit<ObserverReaders, "finalizer"> = {
    reconciled: (o: KubeObject) => (o.status as { reconciled?: string } | undefined)?.reconciled,
    deletionBlocked: (o: KubeObject) =>
      (o.status as { blocked?: boolean } | undefined)?.blocked === true,
  },
): Promise<{
  simulator: KubernetesApiSimulator;
  cluster: ScenarioCluster;
  observer: ObjectObserver;
}> {
  const simulator = new KubernetesApiSimulator({ crds: [CRD] });
  await simulator.start();
  cleanups.push(() => simulator.stop());
  const cluster = await ScenarioCluster.open(CRD, {
    kubeconfig: simulator.kubeconfig(),
    namespace: NAMESPACE,
  });
  cleanups.push(() => cluster.stop());
  const observer = new ObjectObserver(cluster, { finalizer: FINALIZER, ...readers });
  await observer.start();
  cleanups.push(() => observer.stop());
  return { simulator, cluster, observer };
}

const ref = { group: CRD.group, version: CRD.version, plural: CRD.plural, namespace: NAMESPACE };

/** Resolves once `check` holds (the watch delivers asynchronously); no guessed sleeps. */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

it("records every change of what the checks read, in order", async () => {
  const { simulator, cluster, observer } = await world();
  const key = `${NAMESPACE}/w1`;
  await cluster.create("w1", { size: 1 });
  await eventually(() => observer.object(key) !== undefined);
  simulator.updateObject({ ...ref, name: "w1" }, (o) => {
    o.metadata.finalizers = [FINALIZER];
  });
  simulator.updateObject({ ...ref, name: "w1" }, (o) => {
    o.status = { reconciled: "v1" };
  });
  simulator.updateObject({ ...ref, name: "w1" }, (o) => {
    o.status = { reconciled: "v1", blocked: true };
  });
  await cluster.delete("w1");
  simulator.updateObject({ ...ref, name: "w1" }, (o) => {
    o.metadata.finalizers = [];
  });
  await eventually(() => observer.latest(key)?.exists === false);
  const seen = (observer.samples.get(key) ?? []).map((s) => ({
    exists: s.exists,
    deleting: s.deleting,
    finalizer: s.finalizer,
    reconciled: s.reconciled,
    blocked: s.blocked,
  }));
  expect(seen).toEqual([
    { exists: true, deleting: false, finalizer: false, reconciled: undefined, blocked: false },
    { exists: true, deleting: false, finalizer: true, reconciled: undefined, blocked: false },
    { exists: true, deleting: false, finalizer: true, reconciled: "v1", blocked: false },
    { exists: true, deleting: false, finalizer: true, reconciled: "v1", blocked: true },
    { exists: true, deleting: true, finalizer: true, reconciled: "v1", blocked: true },
    { exists: false, deleting: false, finalizer: false, reconciled: undefined, blocked: false },
  ]);
  expect(observer.object(key)).toBeUndefined();
});

it("keeps seeing after its watch is dropped, including a deletion it missed", async () => {
  const { simulator, cluster, observer } = await world();
  await cluster.create("w1", { size: 1 });
  await cluster.create("w2", { size: 2 });
  await eventually(() => observer.object(`${NAMESPACE}/w2`) !== undefined);
  expect(simulator.faults.dropWatches()).toBeGreaterThan(0);
  await cluster.delete("w1");
  await cluster.create("w3", { size: 3 });
  await eventually(
    () =>
      observer.object(`${NAMESPACE}/w1`) === undefined &&
      observer.object(`${NAMESPACE}/w3`) !== undefined,
  );
  expect(observer.latest(`${NAMESPACE}/w1`)?.exists).toBe(false);
  expect(observer.latest(`${NAMESPACE}/w2`)?.exists).toBe(true);
});

it("counts an accessor that throws as a read failure, and the value as absent", async () => {
  const { cluster, observer } = await world({
    reconciled: () => {
      throw new Error("mapping bug");
    },
    deletionBlocked: () => false,
  });
  await cluster.create("w1", {});
  await eventually(() => observer.latest(`${NAMESPACE}/w1`) !== undefined);
  expect(observer.readFailed).toBe(true);
  expect(observer.latest(`${NAMESPACE}/w1`)?.reconciled).toBeUndefined();
});
