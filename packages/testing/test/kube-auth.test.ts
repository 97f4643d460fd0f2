import { afterEach, describe, expect, it } from "vitest";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import {
  failure,
  raw,
  startHarness,
  VM_PATH,
  vm,
  type Harness,
  failureStatus,
} from "./kube-support.js";

const TOKEN = "s3cr3t-token-value";
let h: Harness | undefined;
afterEach(async () => {
  await h?.sim.stop();
  h = undefined;
});

describe("Kubernetes API simulator: bearer token authentication", () => {
  it("puts the token in the kubeconfig; client-node authenticates with it", async () => {
    h = await startHarness({ token: TOKEN });
    expect(h.kc.getCurrentUser()?.token).toBe(TOKEN);
    const created = await h.vms.create(vm("vm-1"));
    expect(created.metadata.name).toBe("vm-1");
  });

  it("answers the real 401 Status without or with a wrong token, processing nothing", async () => {
    h = await startHarness({ token: TOKEN });
    const unauthorized = failureStatus(401, "Unauthorized", "Unauthorized");
    const none = await raw(h.url, VM_PATH, { method: "POST", body: vm("vm-1") });
    expect([none.status, none.json]).toEqual([401, unauthorized]);
    const wrong = await raw(h.url, "/version", { token: "nope" });
    expect(wrong.status).toBe(401);
    const kc = new KubeConfig();
    kc.loadFromString(h.sim.kubeconfig().replace(TOKEN, "wrong-token"));
    const api = kc.makeApiClient(CustomObjectsApi);
    // client-node 1.4.0 drops the body of a 401 (ApiException "Unauthorized", body undefined).
    const error = (await api
      .listNamespacedCustomObject({
        group: "example.com",
        version: "v1",
        namespace: "default",
        plural: "computeinstances",
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as { code: number; body: unknown };
    expect([error.code, error.body]).toEqual([401, undefined]);
    expect(h.sim.listObjects({ group: "example.com", plural: "computeinstances" })).toEqual([]);
    expect((await raw(h.url, "/version", { token: TOKEN })).status).toBe(200);
  });
});

describe("Kubernetes API simulator: request and write records", () => {
  it("records every request (method, path, query, status, watch, user agent) and never the token", async () => {
    h = await startHarness({ token: TOKEN });
    await h.vms.create(vm("vm-1"), { fieldManager: "provisionkit" });
    await failure(h.vms.get("nope"));
    await h.vms.list({ labelSelector: "a=b", limit: 5 });
    await raw(h.url, VM_PATH);
    const records = h.sim.requests();
    expect(records.map((r) => [r.method, r.path, r.status, r.watch])).toEqual([
      ["POST", VM_PATH, 201, false],
      ["GET", `${VM_PATH}/nope`, 404, false],
      ["GET", VM_PATH, 200, false],
      ["GET", VM_PATH, 401, false],
    ]);
    expect(records[0]?.query).toEqual({ fieldManager: "provisionkit" });
    expect(records[2]?.query).toEqual({ labelSelector: "a=b", limit: "5" });
    expect(records[0]?.userAgent).toMatch(/node-fetch/);
    expect(typeof records[0]?.at).toBe("number");
    expect(JSON.stringify(records)).not.toContain(TOKEN);
    expect(JSON.stringify(h.sim.history())).not.toContain(TOKEN);
  });

  it("records writes with clock time, verb, ref, resourceVersion, generation, field manager, user agent", async () => {
    h = await startHarness();
    const created = await h.vms.create(vm("vm-1"), { fieldManager: "provisionkit" });
    const [write] = h.sim.history();
    expect(write).toEqual({
      at: write?.at,
      verb: "create",
      ref: {
        group: "example.com",
        version: "v1",
        plural: "computeinstances",
        namespace: "default",
        name: "vm-1",
      },
      resourceVersion: created.metadata.resourceVersion,
      generation: 1,
      fieldManager: "provisionkit",
      userAgent: expect.stringMatching(/node-fetch/) as unknown,
      origin: "http",
    });
    // Records are copies.
    h.sim.history()[0]!.verb = "delete";
    expect(h.sim.history()[0]?.verb).toBe("create");
  });
});
