import { CustomObjectsApi } from "@kubernetes/client-node";
import { ConditionType } from "@provisionkit/core";
import { ProvisioningController } from "@provisionkit/core/kubernetes";
import { AapProvider } from "@provisionkit/provider-aap";
import { AapSimulator } from "@provisionkit/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLUSTER_CRD, condition, describeOnClusters, type TestObject } from "../support/cluster.ts";
import { FAST, overlaps } from "../support/world.ts";

// The runtime's cluster-scoped paths (no namespace in any URL), on both API servers.

const WAIT = { timeout: 15_000, interval: 20 };
const ref = { group: CLUSTER_CRD.group, version: CLUSTER_CRD.version, plural: CLUSTER_CRD.plural };

describeOnClusters("cluster-scoped resources", (cluster) => {
  let aap: AapSimulator;
  let controller: ProvisioningController;
  beforeAll(async () => {
    aap = new AapSimulator({ defaultScript: { ...FAST, runMs: 400 } });
    aap.addJobTemplate({ name: "create-host-pool", allowSimultaneous: true });
    aap.addJobTemplate({ name: "delete-host-pool", allowSimultaneous: true });
    const url = await aap.start();
    controller = new ProvisioningController({
      kubeConfig: cluster().kubeConfig(),
      resource: { ...ref, kind: CLUSTER_CRD.kind, namespaced: false },
      provider: new AapProvider({
        client: { url, auth: { type: "bearer", token: "sim-token" } },
      }),
      finalizer: "example.com/provisioning",
      engine: { pollIntervalMs: 50, pendingLaunchGraceMs: 300 },
      resyncIntervalMs: 0,
    });
    await controller.start();
  });
  afterAll(async () => {
    await controller?.stop();
    await aap?.stop();
  });

  it("provisions, then deprovisions and releases a cluster-scoped object", async () => {
    const api = cluster().kubeConfig().makeApiClient(CustomObjectsApi);
    await api.createClusterCustomObject({
      ...ref,
      body: {
        apiVersion: `${ref.group}/${ref.version}`,
        kind: CLUSTER_CRD.kind,
        metadata: { name: "pool-1" },
        spec: { hosts: 3 },
      },
    });
    const read = async () => {
      try {
        return (await api.getClusterCustomObject({ ...ref, name: "pool-1" })) as TestObject;
      } catch (error) {
        if ((error as { code?: number }).code === 404) return undefined;
        throw error;
      }
    };
    await expect
      .poll(async () => condition(await read(), ConditionType.Ready)?.status, WAIT)
      .toBe("True");
    expect((await read())?.metadata.finalizers).toEqual(["example.com/provisioning"]);
    expect(aap.ledger().map((j) => j.resourceKey)).toEqual(["pool-1"]);
    await api.deleteClusterCustomObject({ ...ref, name: "pool-1" });
    await expect.poll(async () => (await read()) === undefined, WAIT).toBe(true);
    const jobs = aap.ledger();
    expect(jobs.map((j) => [j.templateName, j.status])).toEqual([
      ["create-host-pool", "successful"],
      ["delete-host-pool", "successful"],
    ]);
    expect(overlaps(jobs)).toEqual([]);
  });
});
