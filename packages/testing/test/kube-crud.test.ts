import { describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import {
  KubernetesApiSimulator,
  KubeStatusError,
  VirtualClock,
  type KubeObject,
} from "@provisionkit/testing";
import {
  failure,
  GROUP,
  raw,
  VM_PATH,
  vm,
  type KubeListBody,
  withKube,
  failureStatus,
  vmDetails,
  invalidStatus,
} from "./kube-support.js";

let clock: VirtualClock;
const h = withKube(() => ({ clock: (clock = new VirtualClock()) }));

const VM_REF = { group: GROUP, plural: "computeinstances", namespace: "default" };

describe("Kubernetes API simulator: kubeconfig and discovery", () => {
  it("writes a kubeconfig that client-node loads: server, skipTLSVerify, namespace, user", () => {
    const kc = new KubeConfig();
    kc.loadFromString(h.sim.kubeconfig({ namespace: "team-a", user: "operator" }));
    expect(kc.getCurrentCluster()).toMatchObject({ server: h.url, skipTLSVerify: true });
    expect(kc.getContextObject(kc.getCurrentContext())).toMatchObject({
      namespace: "team-a",
      user: "operator",
    });
    expect(kc.getCurrentUser()?.token).toBeUndefined();
    expect(h.sim.url).toBe(h.url);
  });

  it("serves /version, /apis, /apis/{group} and /apis/{group}/{version} with the status subresource", async () => {
    const version = await raw(h.url, "/version");
    expect(version.json).toMatchObject({ major: "1", minor: "36", gitVersion: "v1.36.4" });
    const apis = await raw(h.url, "/apis");
    expect(apis.json).toMatchObject({
      kind: "APIGroupList",
      groups: [
        {
          name: "example.com",
          preferredVersion: { groupVersion: "example.com/v1", version: "v1" },
        },
        { name: "plain.example.com", versions: [{ groupVersion: "plain.example.com/v1alpha1" }] },
      ],
    });
    expect((await raw(h.url, "/apis/example.com")).json).toMatchObject({
      kind: "APIGroup",
      name: GROUP,
    });
    const resources = (await raw(h.url, "/apis/example.com/v1")).json as {
      groupVersion: string;
      resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[];
    };
    expect(resources.groupVersion).toBe("example.com/v1");
    expect(resources.resources.map((r) => [r.name, r.namespaced, r.kind])).toEqual([
      ["computeinstances", true, "ComputeInstance"],
      ["computeinstances/status", true, "ComputeInstance"],
      ["networks", false, "Network"],
      ["networks/status", false, "Network"],
    ]);
    expect(resources.resources[1]?.verbs).toEqual(["get", "patch", "update"]);
    const plain = (await raw(h.url, "/apis/plain.example.com/v1alpha1")).json as {
      resources: unknown[];
    };
    expect(plain.resources).toHaveLength(1);
    expect((await raw(h.url, "/healthz")).text).toBe("ok");
  });

  it("answers 404 Status for unknown groups, versions, resources and subresources", async () => {
    const generic = failureStatus(
      404,
      "NotFound",
      "the server could not find the requested resource",
      {},
    );
    for (const path of [
      "/apis/nope.io/v1",
      "/apis/example.com/v2",
      `${VM_PATH.replace("computeinstances", "nopes")}`,
      "/nope",
    ]) {
      const reply = await raw(h.url, path);
      expect([path, reply.status, reply.json]).toEqual([path, 404, generic]);
    }
    // The namespaced path of a cluster-scoped resource, and vice versa.
    expect((await raw(h.url, "/apis/example.com/v1/namespaces/default/networks")).status).toBe(404);
    expect((await raw(h.url, "/apis/example.com/v1/computeinstances/vm-1")).status).toBe(404);
    await h.vms.create(vm("vm-1"));
    const scale = await raw(h.url, `${VM_PATH}/vm-1/scale`);
    expect(scale.json).toMatchObject({
      message: 'computeinstances.example.com "vm-1" not found',
      code: 404,
    });
    // A CRD without the status subresource serves no /status.
    expect(
      (await raw(h.url, "/apis/plain.example.com/v1alpha1/namespaces/default/widgets/w/status"))
        .status,
    ).toBe(404);
  });
});

describe("Kubernetes API simulator: namespaced CRUD", () => {
  it("creates with uid, resourceVersion, generation 1, the clock's creationTimestamp; drops status", async () => {
    const created = await h.vms.create(vm("vm-1", { status: { phase: "Ready" } }));
    expect(created).toMatchObject({
      apiVersion: "example.com/v1",
      kind: "ComputeInstance",
      metadata: {
        name: "vm-1",
        namespace: "default",
        generation: 1,
        creationTimestamp: "2026-01-01T00:00:00Z",
      },
      spec: { size: "small" },
    });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.resourceVersion).toMatch(/^[0-9]+$/);
    expect(created.status).toBeUndefined();
    expect(await h.vms.get("vm-1")).toEqual(created);
    expect(h.sim.getObject({ ...VM_REF, name: "vm-1" })).toEqual(created);
  });

  it("answers the real NotFound and AlreadyExists Status bodies", async () => {
    expect(await failure(h.vms.get("vm-1"))).toEqual({
      code: 404,
      status: failureStatus(
        404,
        "NotFound",
        'computeinstances.example.com "vm-1" not found',
        vmDetails(),
      ),
    });
    await h.vms.create(vm("vm-1"));
    expect(await failure(h.vms.create(vm("vm-1")))).toEqual({
      code: 409,
      status: failureStatus(
        409,
        "AlreadyExists",
        'computeinstances.example.com "vm-1" already exists',
        vmDetails(),
      ),
    });
  });

  it("generates names from generateName, and needs a name or generateName", async () => {
    const created = await h.vms.create({ ...vm(""), metadata: { generateName: "vm-" } });
    expect(created.metadata.name).toMatch(/^vm-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(created.metadata.generateName).toBe("vm-");
    // Matched, not equal: the simulator also writes details.name "" (which the real server's
    // omitempty leaves out).
    expect(await failure(h.vms.create({ ...vm(""), metadata: {} }))).toMatchObject(
      invalidStatus(
        { kind: "ComputeInstance", group: "example.com" },
        {
          reason: "FieldValueRequired",
          message: "Required value: name or generateName is required",
          field: "metadata.name",
        },
      ),
    );
  });

  it("validates names, kinds, apiVersions, namespaces and refuses a resourceVersion on create", async () => {
    const badName = await failure(h.vms.create(vm("Bad_Name")));
    expect(badName.code).toBe(422);
    expect(badName.status.message).toContain(
      'ComputeInstance.example.com "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain',
    );
    const badKind = await failure(h.vms.create({ ...vm("vm-1"), kind: "Other" }));
    expect([badKind.code, badKind.status.message]).toEqual([
      422,
      'Other.example.com "vm-1" is invalid: kind: Invalid value: "Other": must be ComputeInstance',
    ]);
    const badVersion = await failure(h.vms.create({ ...vm("vm-1"), apiVersion: "example.com/v2" }));
    expect([badVersion.code, badVersion.status.message]).toEqual([
      400,
      "the API version in the data (example.com/v2) does not match the expected API version (example.com/v1)",
    ]);
    const otherNamespace = await failure(
      h.vms.create(vm("vm-1", { metadata: { namespace: "other" } })),
    );
    expect([otherNamespace.code, otherNamespace.status.message]).toEqual([
      400,
      "the namespace of the provided object does not match the namespace sent on the request",
    ]);
    const withVersion = await failure(
      h.vms.create(vm("vm-1", { metadata: { resourceVersion: "5" } })),
    );
    expect(withVersion).toMatchObject({
      code: 500,
      status: { message: "resourceVersion should not be set on objects to be created" },
    });
    const noKind = await raw(h.url, VM_PATH, { method: "POST", body: { metadata: { name: "x" } } });
    expect([noKind.status, (noKind.json as { message: string }).message]).toEqual([
      400,
      `Object 'Kind' is missing in '{"metadata":{"name":"x"}}'`,
    ]);
    const yaml = await raw(h.url, VM_PATH, {
      method: "POST",
      body: "kind: x",
      contentType: "application/yaml",
    });
    expect(yaml.status).toBe(415);
    expect(h.sim.listObjects(VM_REF)).toEqual([]);
  });

  it("replaces with PUT (full replace, generation + 1); a no-op PUT writes nothing", async () => {
    const created = await h.vms.create(vm("vm-1", { metadata: { labels: { a: "1" } } }));
    const replaced = await h.vms.replace("vm-1", {
      ...vm("vm-1"),
      metadata: { name: "vm-1", resourceVersion: created.metadata.resourceVersion },
      spec: { size: "large" },
    });
    expect(replaced.spec).toEqual({ size: "large" });
    expect(replaced.metadata.labels).toBeUndefined();
    expect(replaced.metadata.generation).toBe(2);
    expect(replaced.metadata.uid).toBe(created.metadata.uid);
    expect(replaced.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
    expect(Number(replaced.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
    const writes = h.sim.history().length;
    const again = await h.vms.replace("vm-1", replaced);
    expect(again).toEqual(replaced);
    expect(h.sim.history()).toHaveLength(writes);
    const renamed = await failure(
      h.vms.replace("vm-1", { ...replaced, metadata: { ...replaced.metadata, name: "vm-2" } }),
    );
    expect([renamed.code, renamed.status.message]).toEqual([
      400,
      "the name of the object (vm-2) does not match the name on the URL (vm-1)",
    ]);
    expect((await failure(h.vms.replace("nope", vm("nope")))).code).toBe(404);
  });

  it("deletes without finalizers at once, answering the real Success Status", async () => {
    const created = await h.vms.create(vm("vm-1"));
    expect(await h.vms.delete("vm-1")).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: {
        name: "vm-1",
        group: "example.com",
        kind: "computeinstances",
        uid: created.metadata.uid,
      },
    });
    expect((await failure(h.vms.get("vm-1"))).code).toBe(404);
    expect((await failure(h.vms.delete("vm-1"))).code).toBe(404);
  });

  it("keeps namespaces apart and lists across all namespaces on the cluster path", async () => {
    const other = h.vms.inNamespace("team-b");
    await h.vms.create(vm("b"));
    await other.create(vm("a"));
    expect((await failure(h.vms.get("a"))).code).toBe(404);
    expect((await h.vms.list()).items.map((i) => i.metadata.name)).toEqual(["b"]);
    const all = await h.vms.listAllNamespaces();
    expect(all.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([
      "default/b",
      "team-b/a",
    ]);
    // The all-namespaces path only lists and watches.
    expect(
      (await raw(h.url, "/apis/example.com/v1/computeinstances", { method: "POST", body: vm("c") }))
        .status,
    ).toBe(404);
  });

  it("honours dryRun=All: answers as a create would, stores nothing", async () => {
    const dry = await h.vms.create(vm("vm-1"), { dryRun: "All" });
    expect(dry.metadata).toMatchObject({ name: "vm-1", generation: 1 });
    expect(dry.metadata.resourceVersion).toBeUndefined();
    expect(h.sim.listObjects(VM_REF)).toEqual([]);
    expect(h.sim.history()).toEqual([]);
  });

  it("answers 405 for verbs a path does not serve", async () => {
    const put = await raw(h.url, VM_PATH, { method: "PUT", body: vm("x") });
    expect([put.status, (put.json as { reason: string }).reason]).toEqual([
      405,
      "MethodNotAllowed",
    ]);
    await h.vms.create(vm("vm-1"));
    const del = await raw(h.url, `${VM_PATH}/vm-1/status`, { method: "DELETE" });
    expect(del.json).toMatchObject({
      code: 405,
      message: 'delete is not supported on resources of kind "computeinstances.example.com"',
    });
  });
});

describe("Kubernetes API simulator: cluster-scoped CRUD", () => {
  const net = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: "example.com/v1",
    kind: "Network",
    metadata: { name },
    spec: { cidr: "10.0.0.0/24" },
    ...extra,
  });
  const params = { group: GROUP, version: "v1", plural: "networks" };

  it("creates, gets, lists, patches, replaces and deletes without a namespace", async () => {
    const created = (await h.api.createClusterCustomObject({
      ...params,
      body: { ...net("n1"), metadata: { name: "n1", namespace: "ignored" } },
    })) as KubeObject;
    expect(created.metadata.namespace).toBeUndefined();
    expect(await h.api.getClusterCustomObject({ ...params, name: "n1" })).toEqual(created);
    const list = (await h.api.listClusterCustomObject(params)) as KubeListBody;
    expect(list).toMatchObject({
      kind: "NetworkList",
      apiVersion: "example.com/v1",
      items: [created],
    });
    const replaced = (await h.api.replaceClusterCustomObject({
      ...params,
      name: "n1",
      body: { ...created, spec: { cidr: "10.1.0.0/24" } },
    })) as KubeObject;
    expect(replaced.metadata.generation).toBe(2);
    const status = (await h.api.patchClusterCustomObjectStatus({
      ...params,
      name: "n1",
      body: [{ op: "add", path: "/status", value: { ready: true } }],
    })) as KubeObject;
    expect(status.status).toEqual({ ready: true });
    expect(h.sim.getObject({ group: GROUP, plural: "networks", name: "n1" })?.status).toEqual({
      ready: true,
    });
    await h.api.deleteClusterCustomObject({ ...params, name: "n1" });
    expect(h.sim.listObjects({ group: GROUP, plural: "networks" })).toEqual([]);
  });
});

describe("Kubernetes API simulator: out-of-band access", () => {
  it("creates, updates, lists and deletes without HTTP, recorded as direct writes", async () => {
    const created = h.sim.createObject(
      vm("vm-1", { metadata: { namespace: "default" } }) as KubeObject,
    );
    expect(created.metadata).toMatchObject({ generation: 1, namespace: "default" });
    clock.advance(1000);
    const updated = h.sim.updateObject({ ...VM_REF, name: "vm-1" }, (o) => {
      o.spec = { size: "large" };
      o.status = { phase: "Ready" };
    });
    expect(updated).toMatchObject({
      spec: { size: "large" },
      status: { phase: "Ready" },
      metadata: { generation: 2 },
    });
    const statusOnly = h.sim.updateObject({ ...VM_REF, name: "vm-1" }, (o) => {
      o.status = { phase: "Failed" };
    });
    expect(statusOnly.metadata.generation).toBe(2);
    expect(await h.vms.get("vm-1")).toEqual(statusOnly);
    expect(h.sim.listObjects(VM_REF, "default").map((o) => o.metadata.name)).toEqual(["vm-1"]);
    expect(h.sim.listObjects(VM_REF, "elsewhere")).toEqual([]);
    h.sim.deleteObject({ ...VM_REF, name: "vm-1" });
    expect(h.sim.getObject({ ...VM_REF, name: "vm-1" })).toBeUndefined();
    expect(h.sim.history().map((w) => [w.verb, w.origin, w.at - clock.now()])).toEqual([
      ["create", "direct", -1000],
      ["update", "direct", 0],
      ["update", "direct", 0],
      ["delete", "direct", 0],
    ]);
    expect(h.sim.requests()).toHaveLength(1);
  });

  it("throws KubeStatusError as the API would, and Error for unknown resources", () => {
    h.sim.createObject(vm("vm-1", { metadata: { namespace: "default" } }) as KubeObject);
    expect(() =>
      h.sim.createObject(vm("vm-1", { metadata: { namespace: "default" } }) as KubeObject),
    ).toThrow(KubeStatusError);
    const thrown = (() => {
      try {
        h.sim.deleteObject({ ...VM_REF, name: "nope" });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(KubeStatusError);
    expect((thrown as KubeStatusError).code).toBe(404);
    expect((thrown as KubeStatusError).status.reason).toBe("NotFound");
    expect(() => h.sim.getObject({ group: "x.io", plural: "things", name: "a" })).toThrow(
      /no served resource/,
    );
    expect(() => h.sim.getObject({ ...VM_REF, namespace: undefined, name: "a" })).toThrow(
      /namespace is required/,
    );
    expect(() => h.sim.createObject({ ...vm("a"), kind: "Nope" } as KubeObject)).toThrow(
      /no served resource/,
    );
  });
});

describe("Kubernetes API simulator: lifecycle", () => {
  it("start is idempotent, stop is idempotent, url throws when not started", async () => {
    const sim = new KubernetesApiSimulator();
    expect(() => sim.url).toThrow(/not started/);
    const url = await sim.start();
    expect(await sim.start()).toBe(url);
    await sim.stop();
    await sim.stop();
    expect(() => sim.url).toThrow(/not started/);
  });

  it("registers CRDs at runtime, idempotently, and refuses clashes and bad definitions", async () => {
    const sim = new KubernetesApiSimulator();
    const url = await sim.start();
    try {
      expect((await raw(url, "/apis/example.com/v1")).status).toBe(404);
      sim.registerCrd({ group: GROUP, version: "v1", plural: "disks", kind: "Disk" });
      sim.registerCrd({ group: GROUP, version: "v1", plural: "disks", kind: "Disk" });
      expect((await raw(url, "/apis/example.com/v1")).status).toBe(200);
      expect(() =>
        sim.registerCrd({
          group: GROUP,
          version: "v1",
          plural: "disks",
          kind: "Disk",
          scope: "Cluster",
        }),
      ).toThrow(/different CRD/);
      expect(() =>
        sim.registerCrd({ group: GROUP, version: "v1", plural: "disks2", kind: "Disk" }),
      ).toThrow(/served as disks/);
      expect(() =>
        sim.registerCrd({ group: GROUP, version: "one", plural: "x", kind: "X" }),
      ).toThrow(TypeError);
      expect(() => new KubernetesApiSimulator({ watchHistoryLimit: -1 })).toThrow(RangeError);
      expect(() => new KubernetesApiSimulator({ bookmarkIntervalMs: 0 })).toThrow(RangeError);
    } finally {
      await sim.stop();
    }
  });
});
