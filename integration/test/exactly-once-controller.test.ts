/**
 * Issue 13 at the controller level (ProvisioningController, real `@kubernetes/client-node`,
 * AapProvider over loopback to the AapSimulator, in real time): a launch AAP carries out
 * after the client gave up ends with exactly one job, and a job id or pending marker copied
 * from another resource into an object's status never leads to a status read written into
 * it, an adoption, or a cancel of the other resource's job.
 *
 * Timings are scaled down: client timeout 200 ms, the engine's pending-launch grace 300 ms
 * (the suite's controllerOptions), the provider's `launchSettleMs` 3 s, and a launch
 * carried out 1.5 s after it arrived — longer than the client timeout and the grace, as the
 * reported duplicate (31 s against 30 s defaults) was.
 */
import { CustomObjectsApi } from "@kubernetes/client-node";
import {
  JobState,
  configVersion,
  type JobRecord,
  type ProvisioningStatus,
} from "@provisionkit/core";
import { AapProvider } from "@provisionkit/provider-aap";
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  CRD,
  MERGE_PATCH,
  describeOnClusters,
  type Instance,
  type TestCluster,
} from "../support/cluster.ts";
import { CREATE, World, aapClientOptions } from "../support/world.ts";

const WAIT = { timeout: 20_000, interval: 25 };

function provisioning(object: Instance | undefined): ProvisioningStatus | undefined {
  return object?.status?.provisioning as ProvisioningStatus | undefined;
}

/** Write `status.provisioning` as a hand (or another object's copy) would. */
async function forgeStatus(
  cluster: TestCluster,
  namespace: string,
  name: string,
  status: Partial<ProvisioningStatus>,
): Promise<void> {
  const api = cluster.kubeConfig().makeApiClient(CustomObjectsApi);
  await api.patchNamespacedCustomObjectStatus(
    {
      group: CRD.group,
      version: CRD.version,
      plural: CRD.plural,
      namespace,
      name,
      body: { status: { provisioning: status } },
    },
    MERGE_PATCH,
  );
}

describeOnClusters("exactly-once launches through the controller (issue 13)", (cluster) => {
  let world: World;
  let tests = 0;
  beforeEach(async () => {
    world = await World.start(cluster(), `once-${++tests}`);
  });
  afterEach(async () => {
    await world.stop();
  });

  const provider = () =>
    new AapProvider({
      client: { ...aapClientOptions(world.aap), timeoutMs: 200 },
      launchSettleMs: 3_000,
    });
  const ready = async (name: string) => {
    await expect
      .poll(async () => {
        const object = await world.users.get(name);
        const conditions = (object?.status?.conditions ?? []) as { type: string; status: string }[];
        return conditions.some((c) => c.type === "Ready" && c.status === "True");
      }, WAIT)
      .toBe(true);
    return (await world.users.get(name))!;
  };

  it("a launch carried out after the client's timeout and the grace: one job, adopted, Ready", async () => {
    world.aap.faults.inject({ operation: "launch", action: { type: "delay", ms: 1_500 } });
    await world.controller({ provider: provider() });
    await world.users.create("vm-1", { cores: 2 });
    const object = await ready("vm-1");
    const jobs = world.jobs("vm-1");
    expect(jobs).toHaveLength(1);
    expect(provisioning(object)?.jobs.map((j) => j.jobId)).toEqual([`job:${jobs[0]!.id}`]);
  });

  it("a job id copied from another resource is never read into status nor canceled", async () => {
    world.aap.scriptNext(CREATE, { pendingMs: 10, waitingMs: 10, runMs: 120_000 });
    const first = await world.controller({ provider: provider() });
    await world.users.create("vm-1", { cores: 1 });
    await expect.poll(() => world.jobs("vm-1").length, WAIT).toBe(1);
    const victim = world.jobs("vm-1")[0]!;
    await expect
      .poll(async () => provisioning(await world.users.get("vm-1"))?.jobs.length ?? 0, WAIT)
      .toBe(1);
    const record = provisioning(await world.users.get("vm-1"))!.jobs[0]!;
    await first.stop();

    // vm-2 claims vm-1's running job, then is deleted: the engine would cancel a running
    // provision job of its own (P5).
    await world.users.create("vm-2", { cores: 1 });
    const forged: JobRecord = {
      ...record,
      state: JobState.Running,
      configVersion: configVersion({ cores: 1 }),
    };
    await forgeStatus(cluster(), world.namespace, "vm-2", { jobs: [forged] });
    await world.controller({ provider: provider() });
    await expect
      .poll(async () => {
        const jobs = provisioning(await world.users.get("vm-2"))?.jobs ?? [];
        return jobs.find((j) => j.jobId === record.jobId)?.reason;
      }, WAIT)
      .toBe("JobNotOwned");
    await world.users.delete("vm-2");
    await expect.poll(async () => (await world.users.get("vm-2")) === undefined, WAIT).toBe(true);
    expect(world.aap.job(victim.id)?.status).toBe("running");
    expect(world.aap.requests().some((r) => r.path.includes(`/jobs/${victim.id}/cancel`))).toBe(
      false,
    );
  });

  it("a pending marker copied from another resource is never adopted", async () => {
    const first = await world.controller({ provider: provider() });
    await world.users.create("vm-1", { cores: 1 });
    await ready("vm-1");
    const record = provisioning(await world.users.get("vm-1"))!.jobs[0]!;
    await first.stop();
    await world.users.create("vm-2", { cores: 1 });
    await forgeStatus(cluster(), world.namespace, "vm-2", {
      jobs: [],
      pendingLaunch: {
        type: "provision",
        correlationId: record.correlationId,
        provider: record.provider,
        configVersion: configVersion({ cores: 1 }),
        attempt: 1,
        createdAt: new Date().toISOString(),
      },
    });
    await world.controller({ provider: provider() });
    const object = await ready("vm-2");
    const own = world.jobs("vm-2");
    expect(own).toHaveLength(1);
    expect(provisioning(object)?.jobs.map((j) => j.jobId)).toEqual([`job:${own[0]!.id}`]);
    expect(world.jobs("vm-1")).toHaveLength(1);
  });
});
