import { beforeEach, describe, expect, it } from "vitest";
import type { KubeObject } from "@provisionkit/testing";
import { failure, GROUP, raw, VM_PATH, vm, type KubeListBody, withKube } from "./kube-support.js";

const h = withKube();

const names = (list: { items: KubeObject[] }) => list.items.map((i) => i.metadata.name);

describe("Kubernetes API simulator: list selectors", () => {
  beforeEach(async () => {
    await h.vms.create(vm("a", { metadata: { labels: { tier: "web", env: "prod" } } }));
    await h.vms.create(vm("b", { metadata: { labels: { tier: "db", env: "prod" } } }));
    await h.vms.create(vm("c", { metadata: { labels: { tier: "web" } } }));
    await h.vms.create(vm("d"));
  });

  it("selects by label: =, ==, !=, exists, !exists, in, notin, and combinations", async () => {
    const cases: [string, string[]][] = [
      ["tier=web", ["a", "c"]],
      ["tier==db", ["b"]],
      ["tier!=web", ["b", "d"]],
      ["env", ["a", "b"]],
      ["!env", ["c", "d"]],
      ["tier in (web, db)", ["a", "b", "c"]],
      ["tier notin (web)", ["b", "d"]],
      ["tier=web,env=prod", ["a"]],
      ["", ["a", "b", "c", "d"]],
    ];
    for (const [labelSelector, expected] of cases) {
      expect([labelSelector, names(await h.vms.list({ labelSelector }))]).toEqual([
        labelSelector,
        expected,
      ]);
    }
  });

  it("selects by metadata.name and metadata.namespace; other fields are a 400", async () => {
    await h.vms.inNamespace("other").create(vm("a"));
    expect(names(await h.vms.list({ fieldSelector: "metadata.name=b" }))).toEqual(["b"]);
    expect(names(await h.vms.list({ fieldSelector: "metadata.name!=b" }))).toEqual(["a", "c", "d"]);
    const all = await h.vms.listAllNamespaces({ fieldSelector: "metadata.namespace=other" });
    expect(all.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(["other/a"]);
    const bad = await failure(h.vms.list({ fieldSelector: "spec.size=small" }));
    expect([bad.code, bad.status.reason, bad.status.message]).toEqual([
      400,
      "BadRequest",
      "field label not supported: spec.size",
    ]);
    expect((await failure(h.vms.list({ labelSelector: "tier in web" }))).code).toBe(400);
  });

  it("deletes a collection by label selector", async () => {
    const reply = await raw(h.url, `${VM_PATH}?labelSelector=${encodeURIComponent("tier=web")}`, {
      method: "DELETE",
    });
    expect(reply.status).toBe(200);
    expect(names(reply.json as KubeListBody)).toEqual(["a", "c"]);
    expect(names(await h.vms.list())).toEqual(["b", "d"]);
  });
});

describe("Kubernetes API simulator: pagination and list resourceVersion", () => {
  it("pages with limit and continue, keeping the first page's resourceVersion", async () => {
    for (const name of ["e", "b", "d", "a", "c"]) await h.vms.create(vm(name));
    const first = await h.vms.list({ limit: 2 });
    expect(names(first)).toEqual(["a", "b"]);
    expect(first.metadata.remainingItemCount).toBe(3);
    expect(first.metadata.continue).toBeTruthy();
    await h.vms.create(vm("f"));
    const second = await h.vms.list({ limit: 2, _continue: first.metadata.continue });
    expect(names(second)).toEqual(["c", "d"]);
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    const third = await h.vms.list({ limit: 2, _continue: second.metadata.continue });
    // Later pages show objects as they are now (a real server serves its snapshot: "e" only).
    expect(names(third)).toEqual(["e", "f"]);
    expect(third.metadata.continue).toBe("");
    expect(third.metadata.remainingItemCount).toBeUndefined();
    const labelled = await h.vms.list({ limit: 1, labelSelector: "!x" });
    expect(labelled.metadata.remainingItemCount).toBeUndefined();
    expect(labelled.metadata.continue).toBeTruthy();
    expect((await failure(h.vms.list({ _continue: "not-a-token" }))).code).toBe(400);
  });

  it("expires continue tokens older than a compaction with 410", async () => {
    for (const name of ["a", "b", "c"]) await h.vms.create(vm(name));
    const first = await h.vms.list({ limit: 1 });
    await h.vms.create(vm("d"));
    h.sim.faults.compact();
    const { code, status } = await failure(
      h.vms.list({ limit: 1, _continue: first.metadata.continue }),
    );
    expect(code).toBe(410);
    expect(status.reason).toBe("Expired");
    expect(status.message).toMatch(/^The provided continue parameter is too old/);
  });

  it("reports the global resourceVersion, which every write to any resource moves", async () => {
    const empty = await h.vms.list();
    expect(empty).toEqual({
      apiVersion: "example.com/v1",
      kind: "ComputeInstanceList",
      metadata: { resourceVersion: empty.metadata.resourceVersion, continue: "" },
      items: [],
    });
    const created = await h.vms.create(vm("a"));
    expect((await h.vms.list()).metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const net = (await h.api.createClusterCustomObject({
      group: GROUP,
      version: "v1",
      plural: "networks",
      body: { apiVersion: "example.com/v1", kind: "Network", metadata: { name: "n" } },
    })) as KubeObject;
    expect(Number(net.metadata.resourceVersion)).toBe(Number(created.metadata.resourceVersion) + 1);
    expect((await h.vms.list()).metadata.resourceVersion).toBe(net.metadata.resourceVersion);
  });
});
