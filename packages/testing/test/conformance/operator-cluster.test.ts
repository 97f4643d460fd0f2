/**
 * `ScenarioCluster`, the Kubernetes API of one operator scenario: a simulator it starts
 * itself, or the caller's cluster (checked before use), written to over HTTP with
 * client-node as a user would.
 */
import { CustomObjectsApi } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_NAMESPACE, ScenarioCluster } from "../../src/conformance/operator/cluster.js";
import { KubernetesApiSimulator } from "../../src/kubernetes/simulator.js";
import type { CrdDefinition, KubeObject, NewKubeObject } from "../../src/kubernetes/types.js";

const CRD: CrdDefinition = {
  group: "example.com",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
};
const CLUSTER_CRD: CrdDefinition = {
  group: "example.com",
  version: "v1",
  plural: "gadgets",
  kind: "Gadget",
  scope: "Cluster",
};
const OTHER_CRD: CrdDefinition = {
  group: "other.example.com",
  version: "v1",
  plural: "things",
  kind: "Thing",
};
const FINALIZER = "example.com/provisioning";

const opened: ScenarioCluster[] = [];
const simulators: KubernetesApiSimulator[] = [];

afterEach(async () => {
  for (const cluster of opened.splice(0)) await cluster.stop();
  for (const simulator of simulators.splice(0)) await simulator.stop();
});

async function open(
  crd: CrdDefinition,
  cluster?: { kubeconfig: string; namespace?: string },
): Promise<ScenarioCluster> {
  const scenario = await ScenarioCluster.open(crd, cluster);
  opened.push(scenario);
  return scenario;
}

async function startSimulator(crds: CrdDefinition[]): Promise<KubernetesApiSimulator> {
  const simulator = new KubernetesApiSimulator({ crds });
  simulators.push(simulator);
  await simulator.start();
  return simulator;
}

/** A client-node API on the scenario's own kubeconfig, as a user would make one. */
async function userApi(cluster: ScenarioCluster): Promise<CustomObjectsApi> {
  return (await cluster.kubeConfig()).makeApiClient(CustomObjectsApi);
}

/** A Widget (empty spec) as a user would create it in `namespace`. */
function widget(name: string, namespace: string, finalizers?: string[]): NewKubeObject {
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name, namespace, ...(finalizers ? { finalizers } : {}) },
    spec: {},
  };
}

function names(objects: KubeObject[]): string[] {
  return objects.map((o) => o.metadata.name).sort();
}

function specOf(objects: KubeObject[], name: string): unknown {
  return objects.find((o) => o.metadata.name === name)?.spec;
}

describe("ScenarioCluster on a simulator of its own", () => {
  it("starts a simulator and reaches it over HTTP in the default namespace", async () => {
    const cluster = await open(CRD);
    expect(cluster.kind).toBe("simulator");
    expect(cluster.namespace).toBe(DEFAULT_NAMESPACE);
    expect(cluster.namespace).toBe("conformance");
    expect(cluster.crd).toEqual(CRD);
    const config = await cluster.kubeConfig();
    expect(config.getCurrentCluster()?.server).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await cluster.list()).toEqual([]);
  });

  it("creates objects in the scenario namespace, with the CRD's apiVersion and kind", async () => {
    const cluster = await open(CRD);
    await cluster.create("w1", { size: 1 });
    await cluster.create("w2", { size: 2, tags: ["a"] });
    const listed = await cluster.list();
    expect(names(listed)).toEqual(["w1", "w2"]);
    const w2 = listed.find((o) => o.metadata.name === "w2");
    expect(w2).toMatchObject({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w2", namespace: "conformance" },
      spec: { size: 2, tags: ["a"] },
    });
    await expect(cluster.create("w1", { size: 9 })).rejects.toMatchObject({ code: 409 });
  });

  it("lists with the list's resourceVersion", async () => {
    const cluster = await open(CRD);
    const empty = await cluster.listWithVersion();
    await cluster.create("w1", {});
    const after = await cluster.listWithVersion();
    expect(names(after.items)).toEqual(["w1"]);
    expect(after.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(after.metadata.resourceVersion).not.toBe(empty.metadata.resourceVersion);
  });

  it("replaceSpec replaces the whole spec: keys absent from the new spec are gone", async () => {
    const cluster = await open(CRD);
    await cluster.create("w1", { size: 1, image: "a", nested: { keep: true, drop: 1 } });
    await cluster.replaceSpec("w1", { size: 2, nested: { keep: false } });
    const listed = await cluster.list();
    expect(specOf(listed, "w1")).toEqual({ size: 2, nested: { keep: false } });
    const w1 = listed[0];
    expect(w1?.metadata.generation).toBe(2);
  });

  it("replaceSpec keeps metadata and status that others wrote", async () => {
    const cluster = await open(CRD);
    await cluster.create("w1", { size: 1 });
    const api = await userApi(cluster);
    const base = { group: CRD.group, version: CRD.version, plural: CRD.plural };
    const current = (await api.getNamespacedCustomObject({
      ...base,
      namespace: cluster.namespace,
      name: "w1",
    })) as KubeObject;
    current.metadata.finalizers = [FINALIZER];
    current.metadata.labels = { owner: "operator" };
    await api.replaceNamespacedCustomObject({
      ...base,
      namespace: cluster.namespace,
      name: "w1",
      body: current,
    });
    await cluster.replaceSpec("w1", { size: 3 });
    const [w1] = await cluster.list();
    expect(w1?.spec).toEqual({ size: 3 });
    expect(w1?.metadata.finalizers).toEqual([FINALIZER]);
    expect(w1?.metadata.labels).toEqual({ owner: "operator" });
  });

  it("replaceSpec of a missing object rejects with the API's 404", async () => {
    const cluster = await open(CRD);
    await expect(cluster.replaceSpec("missing", { size: 1 })).rejects.toMatchObject({
      code: 404,
    });
  });

  it("delete removes an object, and ignores one that is not there", async () => {
    const cluster = await open(CRD);
    await cluster.create("w1", {});
    await cluster.create("w2", {});
    await cluster.delete("w1");
    expect(names(await cluster.list())).toEqual(["w2"]);
    await expect(cluster.delete("w1")).resolves.toBeUndefined();
    await expect(cluster.delete("never-existed")).resolves.toBeUndefined();
    expect(names(await cluster.list())).toEqual(["w2"]);
  });

  it("delete rejects with any error other than 404 that is not transient, and with a transient one that lasts", async () => {
    const simulator = await startSimulator([CRD]);
    const cluster = await open(CRD, { kubeconfig: simulator.kubeconfig(), namespace: "team" });
    await cluster.create("w1", {});
    const forbidden = simulator.faults.status({ code: 403, times: 1, method: "DELETE" });
    await expect(cluster.delete("w1")).rejects.toMatchObject({ code: 403 });
    expect(forbidden.fired).toBe(1);
    const outage = simulator.faults.status({ code: 500, times: Infinity, method: "DELETE" });
    await expect(cluster.delete("w1")).rejects.toMatchObject({ code: 500 });
    // Retried as a user would (a few seconds), then given up: never taken for "already gone".
    expect(outage.fired).toBeGreaterThan(1);
    outage.remove();
    expect(names(await cluster.list())).toEqual(["w1"]);
  });

  it("delete retries a 404 that names no object (a restarted API server not serving the resource yet), and the object goes; an object already gone is done", async () => {
    const simulator = await startSimulator([CRD]);
    const cluster = await open(CRD, { kubeconfig: simulator.kubeconfig(), namespace: "team" });
    await cluster.create("w1", {});
    const unserved = simulator.faults.status({ code: 404, times: 2, method: "DELETE" });
    await cluster.delete("w1");
    expect(unserved.fired).toBe(2);
    expect(names(await cluster.list())).toEqual([]);
    // The object's own 404 (details name it) is not retried: it is already gone.
    const before = simulator.requests().length;
    await cluster.delete("w1");
    expect(simulator.requests().length - before).toBe(1);
  });

  it("delete retries a transient 500 as a user would, and the object goes", async () => {
    const simulator = await startSimulator([CRD]);
    const cluster = await open(CRD, { kubeconfig: simulator.kubeconfig(), namespace: "team" });
    await cluster.create("w1", {});
    const fault = simulator.faults.status({ code: 500, times: 1, method: "DELETE" });
    await cluster.delete("w1");
    expect(fault.fired).toBe(1);
    expect(names(await cluster.list())).toEqual([]);
  });

  it("replaceSpec retries on 409 Conflict, reading the object again each time", async () => {
    const simulator = await startSimulator([CRD]);
    const cluster = await open(CRD, { kubeconfig: simulator.kubeconfig(), namespace: "team" });
    await cluster.create("w1", { size: 1, old: true });
    const fault = simulator.faults.conflicts({ times: 3, verbs: ["update"] });
    await cluster.replaceSpec("w1", { size: 2 });
    expect(fault.fired).toBe(3);
    expect(simulator.getObject({ ...CRD, namespace: "team", name: "w1" })?.spec).toEqual({
      size: 2,
    });
    const gets = simulator
      .requests()
      .filter((r) => r.method === "GET" && r.path.endsWith("/widgets/w1"));
    expect(gets).toHaveLength(4);
  });

  it("replaceSpec gives up on a conflict that never ends", async () => {
    const simulator = await startSimulator([CRD]);
    const cluster = await open(CRD, { kubeconfig: simulator.kubeconfig(), namespace: "team" });
    await cluster.create("w1", { size: 1 });
    const fault = simulator.faults.conflicts({ times: Infinity, verbs: ["update"] });
    await expect(cluster.replaceSpec("w1", { size: 2 })).rejects.toMatchObject({ code: 409 });
    expect(fault.fired).toBe(20);
    expect(simulator.getObject({ ...CRD, namespace: "team", name: "w1" })?.spec).toEqual({
      size: 1,
    });
  });

  it("delete of an object with a finalizer only marks it for deletion", async () => {
    const simulator = await startSimulator([CRD]);
    const cluster = await open(CRD, { kubeconfig: simulator.kubeconfig(), namespace: "team" });
    await cluster.create("w1", {});
    simulator.updateObject({ ...CRD, namespace: "team", name: "w1" }, (o) => {
      o.metadata.finalizers = [FINALIZER];
    });
    await cluster.delete("w1");
    const [w1] = await cluster.list();
    expect(w1?.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect(w1?.metadata.finalizers).toEqual([FINALIZER]);
  });

  it("cleanup removes finalizers, deletes everything and resolves once the namespace is empty", async () => {
    const cluster = await open(CRD);
    const api = await userApi(cluster);
    const base = { group: CRD.group, version: CRD.version, plural: CRD.plural };
    await cluster.create("plain", { size: 1 });
    await cluster.create("held", { size: 2 });
    await cluster.create("held-deleting", { size: 3 });
    for (const name of ["held", "held-deleting"]) {
      const object = (await api.getNamespacedCustomObject({
        ...base,
        namespace: cluster.namespace,
        name,
      })) as KubeObject;
      object.metadata.finalizers = [FINALIZER, "example.com/other"];
      await api.replaceNamespacedCustomObject({
        ...base,
        namespace: cluster.namespace,
        name,
        body: object,
      });
    }
    await cluster.delete("held-deleting");
    const before = await cluster.list();
    expect(names(before)).toEqual(["held", "held-deleting", "plain"]);
    const deleting = before.find((o) => o.metadata.name === "held-deleting");
    expect(typeof deleting?.metadata.deletionTimestamp).toBe("string");

    await cluster.cleanup();
    expect(await cluster.list()).toEqual([]);
  });

  it("cleanup of an empty namespace resolves at once", async () => {
    const cluster = await open(CRD);
    await expect(cluster.cleanup()).resolves.toBeUndefined();
    expect(await cluster.list()).toEqual([]);
  });

  it("cleanup leaves other namespaces alone", async () => {
    const simulator = await startSimulator([CRD]);
    simulator.createObject(widget("neighbour", "elsewhere", [FINALIZER]));
    const cluster = await open(CRD, { kubeconfig: simulator.kubeconfig(), namespace: "team" });
    await cluster.create("mine", {});
    simulator.updateObject({ ...CRD, namespace: "team", name: "mine" }, (o) => {
      o.metadata.finalizers = [FINALIZER];
    });
    await cluster.cleanup();
    expect(simulator.listObjects(CRD, "team")).toEqual([]);
    const left = simulator.listObjects(CRD, "elsewhere");
    expect(names(left)).toEqual(["neighbour"]);
    expect(left[0]?.metadata.finalizers).toEqual([FINALIZER]);
    expect(left[0]?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("key() is namespace/name for a namespaced CRD", async () => {
    const cluster = await open(CRD);
    expect(cluster.namespaced).toBe(true);
    expect(cluster.key("w1")).toBe("conformance/w1");
  });

  it("works with a cluster-scoped CRD: key() is the name, objects have no namespace", async () => {
    const cluster = await open(CLUSTER_CRD);
    expect(cluster.namespaced).toBe(false);
    expect(cluster.key("g1")).toBe("g1");
    await cluster.create("g1", { size: 1, extra: "x" });
    await cluster.create("g2", { size: 2 });
    await cluster.replaceSpec("g1", { size: 5 });
    const listed = await cluster.list();
    expect(names(listed)).toEqual(["g1", "g2"]);
    expect(listed.every((o) => o.metadata.namespace === undefined)).toBe(true);
    expect(specOf(listed, "g1")).toEqual({ size: 5 });
    await cluster.delete("g2");
    await cluster.delete("g2");
    expect(names(await cluster.list())).toEqual(["g1"]);
    await cluster.cleanup();
    expect(await cluster.list()).toEqual([]);
  });

  it("kubeConfig() puts the scenario namespace in the current context", async () => {
    const cluster = await open(CRD);
    const config = await cluster.kubeConfig();
    expect(config.getContextObject(config.getCurrentContext())?.namespace).toBe("conformance");
    // the text is the simulator's own (namespace default): the scenario namespace is set apart
    expect(cluster.kubeconfigText).toContain('"namespace": "default"');
  });

  it("stop() stops the simulator it started", async () => {
    const cluster = await open(CRD);
    await cluster.create("w1", {});
    await cluster.stop();
    await expect(cluster.list()).rejects.toThrow();
  });
});

describe("ScenarioCluster on the caller's cluster", () => {
  it("throws naming the CRD to install when the cluster does not serve it", async () => {
    const simulator = await startSimulator([OTHER_CRD]);
    const failure = ScenarioCluster.open(CRD, { kubeconfig: simulator.kubeconfig() });
    await expect(failure).rejects.toThrow(Error);
    await expect(failure).rejects.toThrow(/install the CRD/);
    await expect(failure).rejects.toThrow("widgets.example.com/v1");
  });

  it("throws naming the objects already in the namespace", async () => {
    const simulator = await startSimulator([CRD]);
    for (const name of ["left-a", "left-b"]) {
      simulator.createObject(widget(name, "team"));
    }
    const failure = ScenarioCluster.open(CRD, {
      kubeconfig: simulator.kubeconfig(),
      namespace: "team",
    });
    await expect(failure).rejects.toThrow(Error);
    await expect(failure).rejects.toThrow(/left-a, left-b/);
    await expect(failure).rejects.toThrow(/namespace team/);
    // nothing was touched
    expect(names(simulator.listObjects(CRD, "team"))).toEqual(["left-a", "left-b"]);
  });

  it("throws naming the status when the cluster refuses the list", async () => {
    const simulator = new KubernetesApiSimulator({ crds: [CRD], token: "right-token" });
    simulators.push(simulator);
    await simulator.start();
    const kubeconfig = simulator.kubeconfig().replace("right-token", "wrong-token");
    expect(kubeconfig).toContain("wrong-token");
    const failure = ScenarioCluster.open(CRD, { kubeconfig, namespace: "team" });
    await expect(failure).rejects.toThrow("cannot list widgets.example.com in team: 401");
    await expect(failure).rejects.not.toThrow(/install the CRD/);
  });

  it("throws for a single object in the namespace too", async () => {
    const simulator = await startSimulator([CRD]);
    simulator.createObject(widget("only-one", "team"));
    const failure = ScenarioCluster.open(CRD, {
      kubeconfig: simulator.kubeconfig(),
      namespace: "team",
    });
    await expect(failure).rejects.toThrow(/already holds widgets\.example\.com only-one/);
  });

  it("opens on a clean namespace even when other namespaces hold objects of the kind", async () => {
    const simulator = await startSimulator([CRD]);
    simulator.createObject(widget("neighbour", "elsewhere"));
    const kubeconfig = simulator.kubeconfig({ namespace: "default" });
    const cluster = await open(CRD, { kubeconfig, namespace: "team" });
    expect(cluster.kind).toBe("cluster");
    expect(cluster.namespace).toBe("team");
    expect(cluster.kubeconfigText).toBe(kubeconfig);
    await cluster.create("w1", { size: 1 });
    expect(names(simulator.listObjects(CRD, "team"))).toEqual(["w1"]);
    expect(simulator.getObject({ ...CRD, namespace: "team", name: "w1" })?.spec).toEqual({
      size: 1,
    });
  });

  it("uses the default namespace of the suite when the caller names none", async () => {
    const simulator = await startSimulator([CRD]);
    const cluster = await open(CRD, { kubeconfig: simulator.kubeconfig() });
    expect(cluster.namespace).toBe(DEFAULT_NAMESPACE);
    await cluster.create("w1", {});
    expect(names(simulator.listObjects(CRD, DEFAULT_NAMESPACE))).toEqual(["w1"]);
    expect(simulator.listObjects(CRD, "default")).toEqual([]);
  });

  it("kubeConfig() overrides the kubeconfig's namespace with the scenario namespace", async () => {
    const simulator = await startSimulator([CRD]);
    const cluster = await open(CRD, {
      kubeconfig: simulator.kubeconfig({ namespace: "default" }),
      namespace: "team",
    });
    const config = await cluster.kubeConfig();
    expect(config.getContextObject(config.getCurrentContext())?.namespace).toBe("team");
    expect(config.getCurrentCluster()?.server).toBe(simulator.url);
  });

  it("stop() leaves the caller's simulator running", async () => {
    const simulator = await startSimulator([CRD]);
    const cluster = await open(CRD, { kubeconfig: simulator.kubeconfig(), namespace: "team" });
    await cluster.create("w1", {});
    await cluster.stop();
    expect(names(await cluster.list())).toEqual(["w1"]);
    const response = await fetch(`${simulator.url}/apis/example.com/v1/namespaces/team/widgets`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: KubeObject[] };
    expect(names(body.items)).toEqual(["w1"]);
  });
});
