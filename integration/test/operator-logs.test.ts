import { ConditionType, type Logger } from "@provisionkit/core";
import { AapProvider } from "@provisionkit/provider-aap";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLUSTERS, type TestCluster } from "../support/cluster.ts";
import { World, aapClientOptions, losingFirstLaunch, wrap } from "../support/world.ts";

// Logs a person can act on: what becomes a Kubernetes Event (a failed launch, an adopted
// job, a blocked deletion, a contract violation) is logged at warn/error with the resource
// key, the job id and the correlation id, and never a secret.

const WAIT = { timeout: 15_000, interval: 20 };

interface Entry {
  level: "debug" | "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string;
}

function capturingLogger(): Logger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const at =
    (level: Entry["level"]) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, fields: { ...fields }, message });
    };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

describe("controller logs on the simulator API server", () => {
  let cluster: TestCluster;
  let world: World;
  let tests = 0;
  beforeAll(async () => {
    cluster = await CLUSTERS.find((c) => c.kind === "simulator")!.start();
  });
  afterAll(async () => {
    await cluster.stop();
  });
  afterEach(async () => {
    await world.stop();
  });
  const setUp = async () => {
    world = await World.start(cluster, `logs-${++tests}`);
    return { logger: capturingLogger(), key: (name: string) => `${world.namespace}/${name}` };
  };
  /** The job record of `jobId` in the object's status. */
  const recorded = async (name: string, jobId: string) => {
    const status = (await world.users.get(name))?.status?.provisioning as
      { jobs: { jobId: string; correlationId: string }[] } | undefined;
    return status?.jobs.find((j) => j.jobId === jobId);
  };
  const entry = (logger: { entries: Entry[] }, reason: string) =>
    logger.entries.find((e) => e.fields["reason"] === reason);

  it("a misnamed template: the failed launch is an error with key, correlation id and code", async () => {
    const { logger, key } = await setUp();
    const provider = new AapProvider({
      client: aapClientOptions(world.aap),
      templates: { provision: "create-compute-instanse" },
    });
    await world.controller({ provider, logger });
    await world.users.create("vm-1", { cores: 2 });
    await expect.poll(() => entry(logger, "LaunchFailed"), WAIT).toBeDefined();
    const failed = entry(logger, "LaunchFailed")!;
    const object = await world.users.get("vm-1");
    const stored = (object?.status?.provisioning as { launchFailure?: { code: string } })
      .launchFailure;
    expect(failed.level).toBe("error");
    expect(failed.fields).toMatchObject({
      key: key("vm-1"),
      code: stored?.code,
    });
    expect(stored?.code).toBe("CONFIGURATION");
    expect(failed.fields["correlationId"]).toEqual(expect.any(String));
    expect(failed.message).toContain(failed.fields["correlationId"] as string);
    expect(failed.message).toContain("create-compute-instanse");
    expect(JSON.stringify(logger.entries)).not.toContain("sim-token");
  });

  it("an adopted job is a warning with its job id and correlation id", async () => {
    const { logger, key } = await setUp();
    const first = await world.controller({ provider: losingFirstLaunch(world.provider()) });
    await world.users.create("vm-1", { cores: 2 });
    await expect.poll(() => world.jobs("vm-1").length, WAIT).toBe(1);
    await expect
      .poll(async () => {
        const status = (await world.users.get("vm-1"))?.status?.provisioning as
          { pendingLaunch?: unknown } | undefined;
        return status?.pendingLaunch !== undefined;
      }, WAIT)
      .toBe(true);
    await first.stop();
    await world.controller({ logger });
    await expect.poll(() => entry(logger, "JobAdopted"), WAIT).toBeDefined();
    const adopted = entry(logger, "JobAdopted")!;
    const job = world.jobs("vm-1")[0]!;
    expect(adopted.level).toBe("warn");
    expect(adopted.fields).toMatchObject({
      key: key("vm-1"),
      jobId: `job:${job.id}`,
      correlationId: (await recorded("vm-1", `job:${job.id}`))?.correlationId,
    });
    expect(adopted.fields["correlationId"]).toEqual(expect.any(String));
  });

  it("a blocked deletion is a warning naming the failed deprovision job", async () => {
    const { logger, key } = await setUp();
    world.aap.scriptNext("delete-compute-instance", {
      outcome: "failed",
      jobExplanation: "cloud API down",
    });
    await world.controller({ logger });
    await world.users.create("vm-1", { cores: 2 });
    await expect
      .poll(() => world.users.conditionStatus("vm-1", ConditionType.Ready), WAIT)
      .toBe("True");
    await world.users.delete("vm-1");
    await expect.poll(() => entry(logger, "DeletionBlocked"), WAIT).toBeDefined();
    const blocked = entry(logger, "DeletionBlocked")!;
    const teardown = world.jobs("vm-1").find((j) => j.templateName === "delete-compute-instance")!;
    expect(blocked.level).toBe("warn");
    expect(blocked.fields).toMatchObject({
      key: key("vm-1"),
      jobId: `job:${teardown.id}`,
      correlationId: (await recorded("vm-1", `job:${teardown.id}`))?.correlationId,
    });
    expect(blocked.fields["correlationId"]).toEqual(expect.any(String));
    expect(blocked.message).toMatch(/^deletion blocked: /);
    const failedJob = entry(logger, "DeprovisionFailed")!;
    expect([failedJob.level, failedJob.fields["jobId"]]).toEqual(["warn", `job:${teardown.id}`]);
  });

  it("a contract violation (P4: another reconciled version reported) is an error", async () => {
    const { logger, key } = await setUp();
    const honest = world.provider();
    const lying = wrap(honest, {
      async getProvisionStatus(resource, jobId, options) {
        const status = await honest.getProvisionStatus(resource, jobId, options);
        return status.state === "Succeeded" ? { ...status, reconciledVersion: "v-other" } : status;
      },
    });
    await world.controller({ provider: lying, logger });
    await world.users.create("vm-1", { cores: 2 });
    await expect.poll(() => entry(logger, "ReconciledVersionMismatch"), WAIT).toBeDefined();
    const violation = entry(logger, "ReconciledVersionMismatch")!;
    const job = world.jobs("vm-1")[0]!;
    expect(violation.level).toBe("error");
    expect(violation.fields).toMatchObject({
      key: key("vm-1"),
      jobId: `job:${job.id}`,
      correlationId: (await recorded("vm-1", `job:${job.id}`))?.correlationId,
      contractViolation: true,
    });
    expect(violation.fields["correlationId"]).toEqual(expect.any(String));
    expect(violation.message).toContain("P4 violated");
  });
});
