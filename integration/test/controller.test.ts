import { ConditionType, configVersion, type Condition } from "@provisionkit/core";
import { OBSERVE_ONLY_ANNOTATION, PAUSE_ANNOTATION } from "@provisionkit/core/kubernetes";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLUSTERS, condition, describeOnClusters, type Instance } from "../support/cluster.ts";
import { FINALIZER, World, losingFirstLaunch, overlaps } from "../support/world.ts";

// One file, two API servers: the Kubernetes API simulator and a real apiextensions-apiserver
// (when the tier is provisioned). A difference between them shows up as a failing test here.

const WAIT = { timeout: 15_000, interval: 20 };

function conditions(object: Instance | undefined): Condition[] {
  return ((object?.status?.conditions as Condition[] | undefined) ?? []).filter(Boolean);
}
function provisioning(object: Instance | undefined): Record<string, unknown> | undefined {
  return object?.status?.provisioning as Record<string, unknown> | undefined;
}

// One API server for the whole suite (a real one takes seconds to start); each test works in a
// namespace of its own and its controllers watch only that namespace.
describeOnClusters("ProvisioningController", (cluster) => {
  let world: World;
  let tests = 0;
  beforeEach(async () => {
    world = await World.start(cluster(), `test-${++tests}`);
  });
  afterEach(async () => {
    await world.stop();
  });

  const ready = async (name: string, version?: string) => {
    await expect
      .poll(async () => {
        const object = await world.users.get(name);
        const isReady = condition(object, ConditionType.Ready)?.status === "True";
        const reconciled = provisioning(object)?.reconciledConfigVersion;
        return isReady && (version === undefined || reconciled === version);
      }, WAIT)
      .toBe(true);
    return (await world.users.get(name))!;
  };
  const gone = async (name: string) => {
    await expect.poll(async () => (await world.users.get(name)) === undefined, WAIT).toBe(true);
  };

  it("adds the finalizer before launching, provisions to Ready, records observedGeneration", async () => {
    await world.controller();
    const spec = { cores: 2 };
    await world.users.create("vm-1", spec);
    const object = await ready("vm-1", configVersion(spec));
    expect(object.metadata.finalizers).toContain(FINALIZER);
    expect(world.finalizerAtLaunch).toEqual([true]);
    expect(object.status?.observedGeneration).toBe(object.metadata.generation);
    for (const c of conditions(object))
      expect(c.observedGeneration).toBe(object.metadata.generation);
    expect(condition(object, ConditionType.Provisioned)?.status).toBe("True");
    const jobs = provisioning(object)?.jobs as { state: string }[];
    expect(jobs.map((j) => j.state)).toEqual(["Succeeded"]);
    expect(world.jobs("vm-1")).toHaveLength(1);
    expect(world.metrics).toEqual(expect.arrayContaining(["launched provision", "ready creation"]));
  });

  it("re-provisions on a spec change and reports the new version", async () => {
    await world.controller();
    await world.users.create("vm-1", { cores: 2 });
    await ready("vm-1", configVersion({ cores: 2 }));
    await world.users.patch("vm-1", { spec: { cores: 4 } });
    const object = await ready("vm-1", configVersion({ cores: 4 }));
    expect(object.metadata.generation).toBe(2);
    expect(condition(object, ConditionType.Ready)?.observedGeneration).toBe(2);
    expect(world.jobs("vm-1").map((j) => j.status)).toEqual(["successful", "successful"]);
    expect(overlaps(world.jobs("vm-1"))).toEqual([]);
  });

  it("deletes while the provision job runs: cancel, wait, tear down, release (P5, E1, E4)", async () => {
    world.aap.scriptNext("create-compute-instance", { runMs: 60_000, cancelDelayMs: 200 });
    await world.controller();
    await world.users.create("vm-1", { cores: 2 });
    await expect.poll(() => world.jobs("vm-1")[0]?.status, WAIT).toBe("running");
    await world.users.delete("vm-1");
    await gone("vm-1");
    const jobs = world.jobs("vm-1");
    expect(jobs.map((j) => [j.templateName, j.status])).toEqual([
      ["create-compute-instance", "canceled"],
      ["delete-compute-instance", "successful"],
    ]);
    expect(overlaps(jobs)).toEqual([]);
  });

  it("keeps deletion blocked after a failed teardown and finishes on retry (E4)", async () => {
    world.aap.scriptNext("delete-compute-instance", {
      outcome: "failed",
      jobExplanation: "cloud API down",
    });
    await world.controller();
    await world.users.create("vm-1", { cores: 2 });
    await ready("vm-1");
    await world.users.delete("vm-1");
    await expect
      .poll(() => world.users.conditionStatus("vm-1", ConditionType.DeletionBlocked), WAIT)
      .toBe("True");
    expect((await world.users.get("vm-1"))?.metadata.finalizers).toContain(FINALIZER);
    await gone("vm-1");
    expect(world.jobs("vm-1").map((j) => j.status)).toEqual(["successful", "failed", "successful"]);
    expect(overlaps(world.jobs("vm-1"))).toEqual([]);
  });

  it("two controllers on the same resources never launch a duplicate (E5)", async () => {
    await world.controller();
    await world.controller();
    for (const name of ["vm-1", "vm-2", "vm-3"]) await world.users.create(name, { cores: 1 });
    for (const name of ["vm-1", "vm-2", "vm-3"]) await ready(name);
    for (const name of ["vm-1", "vm-2", "vm-3"]) {
      expect(world.jobs(name)).toHaveLength(1);
    }
    await world.users.delete("vm-2");
    await gone("vm-2");
    expect(world.jobs("vm-2").map((j) => j.templateName)).toEqual([
      "create-compute-instance",
      "delete-compute-instance",
    ]);
  });

  it("adopts a job whose launch answer was lost, after a restart, instead of launching again (E5)", async () => {
    const first = await world.controller({ provider: losingFirstLaunch(world.provider()) });
    await world.users.create("vm-1", { cores: 2 });
    await expect.poll(() => world.jobs("vm-1").length, WAIT).toBe(1);
    await expect
      .poll(
        async () => provisioning(await world.users.get("vm-1"))?.pendingLaunch !== undefined,
        WAIT,
      )
      .toBe(true);
    await first.stop();
    await world.controller();
    const object = await ready("vm-1");
    expect(world.jobs("vm-1")).toHaveLength(1);
    const jobs = provisioning(object)?.jobs as { jobId: string }[];
    expect(jobs[0]?.jobId).toBe(`job:${world.jobs("vm-1")[0]!.id}`);
  });

  it("leaves a paused resource alone until the annotation goes", async () => {
    await world.controller();
    await world.users.create("vm-1", { cores: 2 }, { [PAUSE_ANNOTATION]: "true" });
    await world.users.create("vm-2", { cores: 2 });
    await ready("vm-2");
    expect(world.jobs("vm-1")).toEqual([]);
    expect((await world.users.get("vm-1"))?.metadata.finalizers ?? []).not.toContain(FINALIZER);
    await world.users.patch("vm-1", {
      metadata: { annotations: { [PAUSE_ANNOTATION]: null } },
    });
    await ready("vm-1");
  });

  it("observe-only launches nothing and adds no finalizer", async () => {
    await world.controller({ observeOnly: true });
    await world.users.create("vm-1", { cores: 2 }, { [OBSERVE_ONLY_ANNOTATION]: "true" });
    await world.users.create("vm-2", { cores: 2 });
    await world.controllers[0]!.idle();
    const object = await world.users.get("vm-1");
    expect(object?.metadata.finalizers ?? []).toEqual([]);
    expect(world.aap.ledger()).toEqual([]);
  });

  it("observe-only keeps polling a job already running and records its end, launching nothing", async () => {
    world.aap.scriptNext("create-compute-instance", { runMs: 1500 });
    const first = await world.controller();
    await world.users.create("vm-1", { cores: 2 });
    await expect.poll(() => world.jobs("vm-1")[0]?.status, WAIT).toBe("running");
    await first.stop();
    await world.users.patch("vm-1", { spec: { cores: 3 } });
    await world.controller({ observeOnly: true });
    await expect
      .poll(async () => {
        const jobs = provisioning(await world.users.get("vm-1"))?.jobs as { state: string }[];
        return jobs?.[0]?.state;
      }, WAIT)
      .toBe("Succeeded");
    await world.controllers[1]!.idle();
    // The spec change would need a launch: withheld.
    expect(world.jobs("vm-1")).toHaveLength(1);
    const object = await world.users.get("vm-1");
    expect(provisioning(object)?.reconciledConfigVersion).toBe(configVersion({ cores: 2 }));
    expect(condition(object, ConditionType.Ready)?.status).not.toBe("True");
  });

  it("stop() aborts in-flight provider calls and resolves", async () => {
    world.aap.faults.inject({
      operation: "job-get",
      times: Infinity,
      action: { type: "hang" },
    });
    const controller = await world.controller();
    await world.users.create("vm-1", { cores: 2 });
    await expect
      .poll(() => world.aap.requests().some((r) => r.operation === "job-get"), WAIT)
      .toBe(true);
    await controller.stop();
    expect(controller.started).toBe(false);
    const object = await world.users.get("vm-1");
    expect((provisioning(object)?.jobs as unknown[]).length).toBe(1);
  });
});

const simulator = CLUSTERS.find((c) => c.kind === "simulator")!;

describe("ProvisioningController under faults only a simulator can inject", () => {
  let world: World;
  beforeEach(async () => {
    world = await World.start(await simulator.start(), "faults");
  });
  afterEach(async () => {
    await world.stop();
    await world.cluster.stop();
  });
  /** Creates `name` and waits until it is Ready. */
  const createdReady = async (name: string) => {
    await world.users.create(name, { cores: 2 });
    await expect
      .poll(() => world.users.conditionStatus(name, ConditionType.Ready), WAIT)
      .toBe("True");
  };

  it("goes on after every watch is dropped (informer restart)", async () => {
    await world.controller();
    await createdReady("vm-1");
    expect(world.cluster.faults!.dropWatches()).toBeGreaterThan(0);
    await world.users.patch("vm-1", { spec: { cores: 8 } });
    await expect
      .poll(async () => provisioning(await world.users.get("vm-1"))?.reconciledConfigVersion, WAIT)
      .toBe(configVersion({ cores: 8 }));
  });

  it("converges through a 409 storm on status writes without a duplicate launch", async () => {
    world.cluster.faults!.conflicts({ times: 12, subresource: "status" });
    await world.controller();
    await createdReady("vm-1");
    expect(world.jobs("vm-1")).toHaveLength(1);
  });

  it("recovers when the watch breaks with 5xx errors and restarts it", async () => {
    const controller = await world.controller();
    world.cluster.faults!.status({ code: 503, times: 3, method: "GET", pathIncludes: "watch" });
    world.cluster.faults!.dropWatches();
    await createdReady("vm-1");
    expect(controller.watchRestarts).toBeGreaterThan(0);
  });

  it("records Kubernetes Events on the object", async () => {
    await world.controller();
    await createdReady("vm-1");
    const events = world.cluster.simulator!.coreEvents("faults");
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => (e.involvedObject as { name?: string }).name === "vm-1")).toBe(true);
  });
});
