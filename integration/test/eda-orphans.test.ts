import {
  configVersion,
  isTerminal,
  type DeprovisionResult,
  type JobRecord,
  type ResourceObject,
  type TriggerDeprovisionOptions,
} from "@provisionkit/core";
import type { ProvisioningControllerOptions } from "@provisionkit/core/kubernetes";
import {
  ANNOTATION_APPLIED_CONFIG_VERSION,
  EdaProvider,
  FINALIZER_AAP,
  decodeEdaJobId,
} from "@provisionkit/provider-eda";
import {
  edaSimulatorBackend,
  runConformance,
  runOperatorConformance,
  type AapLedgerJob,
  type EdaBackendEndpoint,
} from "@provisionkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import { aapProvider } from "../conformance/builtin.mjs";
import { OPERATOR_BACKENDS, operatorSubject } from "../conformance/operator.mjs";
import { condition, describeOnClusters, type Instance } from "../support/cluster.ts";
import { CREATE, DELETE, EdaWorld, type EdaWorldOptions } from "../support/eda-world.ts";
import { overlaps } from "../support/world.ts";

// Issue 14 at the controller level: ProvisioningController + EdaProvider → EdaSimulator →
// AapSimulator → playbook write-backs (late or lost, EdaPlaybookOptions.writeBack), with the
// AAP ledger as the truth. One test per defect, then the operator suite's late-completion
// scenarios on the built-in EDA configurations, and proof that they catch the old skip rule.

const WAIT = { timeout: 20_000, interval: 20 };

function records(object: Instance | undefined): JobRecord[] {
  const provisioning = object?.status?.provisioning as { jobs?: JobRecord[] } | undefined;
  return provisioning?.jobs ?? [];
}

/** Write-back faults for the first job of `template` only. */
function firstOf(template: string, fault: { delayMs: number } | { lost: true }) {
  let seen = false;
  return (job: AapLedgerJob) => {
    if (job.templateName !== template || seen) return undefined;
    seen = true;
    return fault;
  };
}

/** The engine's test timings, with a provision retry far enough out to look at what came before. */
function slowRetry(initialMs: number): Partial<ProvisioningControllerOptions> {
  return {
    engine: {
      pollIntervalMs: 50,
      pendingLaunchGraceMs: 300,
      provisionBackoff: { initialMs, maxMs: initialMs },
      deprovisionBackoff: { initialMs: 100, maxMs: 1000 },
      errorBackoff: { initialMs: 50, maxMs: 500 },
    },
  };
}

describeOnClusters("EDA without orphans (issue 14)", (cluster) => {
  let world: EdaWorld | undefined;
  let tests = 0;
  afterEach(async () => {
    await world?.stop();
    world = undefined;
  });
  const start = async (options?: EdaWorldOptions) => {
    world = await EdaWorld.start(cluster(), `eda-orphans-${++tests}`, options);
    return world;
  };
  const gone = async (w: EdaWorld, name: string) => {
    await expect.poll(async () => (await w.users.get(name)) === undefined, WAIT).toBe(true);
  };
  /** The jobs AAP ran, as `[template, status]`, and the teardown after the provision (no orphan). */
  const tornDown = (w: EdaWorld, name: string) => {
    const jobs = w.jobs(name);
    expect(jobs.map((j) => [j.templateName, j.status])).toEqual([
      [CREATE, "successful"],
      [DELETE, "successful"],
    ]);
    expect(jobs[1]!.startedAt).toBeGreaterThanOrEqual(jobs[0]!.finishedAt!);
    expect(overlaps(jobs)).toEqual([]);
  };

  it("defect 1, AAP mode: a provision AAP reported Succeeded whose write-back is lost is torn down on delete, not skipped", async () => {
    const w = await start({ playbook: { writeBack: firstOf(CREATE, { lost: true }) } });
    await w.controller(w.edaProvider({ aap: true }));
    const spec = { cores: 2 };
    await w.users.create("vm-1", spec);
    await expect
      .poll(async () => {
        const object = await w.users.get("vm-1");
        return (object?.status?.provisioning as { reconciledConfigVersion?: string } | undefined)
          ?.reconciledConfigVersion;
      }, WAIT)
      .toBe(configVersion(spec));
    const object = await w.users.get("vm-1");
    // Nothing from the playbook on the object: the old rule read that as "nothing provisioned".
    expect(object?.metadata.finalizers ?? []).not.toContain(FINALIZER_AAP);
    expect(object?.metadata.annotations?.[ANNOTATION_APPLIED_CONFIG_VERSION]).toBeUndefined();
    await w.users.delete("vm-1");
    await gone(w, "vm-1");
    tornDown(w, "vm-1");
  });

  it("defect 2, webhook only, blockDeletionOnFailure true: a provision that timed out and writes back late is torn down on delete", async () => {
    const w = await start({ playbook: { writeBack: firstOf(CREATE, { delayMs: 2_500 }) } });
    await w.controller(
      w.edaProvider({ provisionTimeoutMs: 800, blockDeletionOnFailure: true }),
      [],
      slowRetry(30_000),
    );
    await w.users.create("vm-1", { cores: 2 });
    await expect
      .poll(async () => records(await w.users.get("vm-1"))[0]?.state, WAIT)
      .toBe("Failed");
    expect(w.jobs("vm-1").map((j) => j.status)).toEqual(["successful"]);
    // Deleted while the write-back is still on its way.
    await w.users.delete("vm-1");
    await gone(w, "vm-1");
    tornDown(w, "vm-1");
  });

  it("defect 3, webhook only: the retry after a timeout follows the earlier event once its late write-back landed: one provision run", async () => {
    const w = await start({ playbook: { writeBack: firstOf(CREATE, { delayMs: 1_200 }) } });
    await w.controller(w.edaProvider({ provisionTimeoutMs: 800 }), [], slowRetry(2_000));
    const spec = { cores: 2 };
    await w.users.create("vm-1", spec);
    await expect
      .poll(async () => condition(await w.users.get("vm-1"), "Ready")?.status, WAIT)
      .toBe("True");
    const [timedOut, followed] = records(await w.users.get("vm-1"));
    expect(timedOut).toMatchObject({ state: "Failed", type: "provision" });
    expect(timedOut!.message).toMatch(/timed out/);
    expect(followed).toMatchObject({ state: "Succeeded", configVersion: configVersion(spec) });
    expect(decodeEdaJobId(followed!.jobId).correlationId).toBe(timedOut!.correlationId);
    expect(followed!.message).toBeDefined();
    expect(w.jobs("vm-1").map((j) => [j.templateName, j.status])).toEqual([[CREATE, "successful"]]);
    expect(w.events("vm-1").filter((e) => e.endpoint === CREATE)).toHaveLength(1);
  });

  it("defect 3, AAP mode: an event EDA launched after the timeout is followed through its AAP job: one provision run", async () => {
    // The event sits in EDA's queue past the provider's timeout, then runs.
    const w = await start({ activation: { eventLatencyMs: 1_200 } });
    await w.controller(w.edaProvider({ aap: true, provisionTimeoutMs: 800 }), [], slowRetry(2_500));
    await w.users.create("vm-1", { cores: 2 });
    await expect
      .poll(async () => condition(await w.users.get("vm-1"), "Ready")?.status, WAIT)
      .toBe("True");
    const [timedOut, followed] = records(await w.users.get("vm-1"));
    expect(timedOut).toMatchObject({ state: "Failed" });
    expect(decodeEdaJobId(followed!.jobId).correlationId).toBe(timedOut!.correlationId);
    expect(w.jobs("vm-1").map((j) => [j.templateName, j.status])).toEqual([[CREATE, "successful"]]);
  });
});

/**
 * The skip rule EdaProvider had before issue 14: skipped whenever neither its finalizer nor
 * the applied version is on the resource (once the latest provision record is terminal).
 */
class SkipsWithoutMarks extends EdaProvider {
  override async triggerDeprovision(
    resource: ResourceObject,
    provisionJobs: readonly JobRecord[],
    options: TriggerDeprovisionOptions,
  ): Promise<DeprovisionResult> {
    const marked =
      (resource.metadata.finalizers ?? []).includes(FINALIZER_AAP) ||
      resource.metadata.annotations?.[ANNOTATION_APPLIED_CONFIG_VERSION] !== undefined;
    if (!marked && (await this.#provisionEnded(resource, provisionJobs.at(-1), options))) {
      return { action: "skipped", reason: "the old rule" };
    }
    return super.triggerDeprovision(resource, provisionJobs, options);
  }

  /** Whether the latest provision job ended, as the old code judged it before its skip rule. */
  async #provisionEnded(
    resource: ResourceObject,
    latest: JobRecord | undefined,
    options: TriggerDeprovisionOptions,
  ): Promise<boolean> {
    if (latest === undefined) return true;
    if (isTerminal(latest.state) && !latest.awaitingEnd) return true;
    const status = await this.getProvisionStatus(resource, latest.jobId, options);
    return isTerminal(status.state);
  }
}

const SCENARIOS = ["provision-write-back-late", "provision-write-back-lost"];

describe("operator suite: the late-completion scenarios", { timeout: 120_000 }, () => {
  for (const name of ["EdaProvider", "EdaProvider in AAP mode"] as const) {
    it(`pass with ${name}`, async () => {
      const report = await runOperatorConformance({
        ...operatorSubject(OPERATOR_BACKENDS[name]),
        scenarios: SCENARIOS,
      });
      const outcome = report.scenarios.map((s) => [
        s.id,
        s.status,
        s.violations.map((v) => v.message),
      ]);
      // Without findJob, a completion that never comes ends only at the provider's own
      // timeout (an hour by default): that scenario skips itself.
      expect(outcome).toEqual([
        ["provision-write-back-late", "passed", []],
        ["provision-write-back-lost", name === "EdaProvider" ? "skipped" : "passed", []],
      ]);
    });
  }

  it("fail, on P6, with the old skip rule in AAP mode (issue 14, defect 1)", async () => {
    const backend = () =>
      edaSimulatorBackend({
        aap: { simulator: { defaultScript: { pendingMs: 20, waitingMs: 20, runMs: 150 } } },
        provider: (endpoint: EdaBackendEndpoint) =>
          new SkipsWithoutMarks({
            target: { type: "webhook", url: endpoint.webhookUrl },
            auth: { type: "hmac", secret: endpoint.hmacSecret },
            aap: aapProvider(endpoint.aap, {
              realTime: true,
              client: { retry: { initialDelayMs: 10 } },
            }),
            pollIntervalMs: 50,
            minEventIntervalMs: 0,
          }),
      });
    const report = await runOperatorConformance({
      ...operatorSubject(backend),
      scenarios: SCENARIOS,
    });
    // The report's rule table has the P6 row, failed in both.
    expect(report.rules.find((r) => r.rule === "P6")).toMatchObject({
      status: "failed",
      failedIn: SCENARIOS,
    });
    for (const scenario of report.scenarios) {
      expect(scenario.status, scenario.id).toBe("failed");
      const p6 = scenario.violations.filter((v) => v.rule === "P6");
      expect(p6, scenario.id).toHaveLength(1);
      expect(p6[0]!.message).toMatch(/^P6: .* released with no teardown after provision/);
    }
  });
});

describe("provider suite: P6 on the EDA simulator", { timeout: 60_000 }, () => {
  it("fails the old skip rule after a failed provision (issue 14), and passes EdaProvider", async () => {
    const backend =
      (make: (options: ConstructorParameters<typeof EdaProvider>[0]) => EdaProvider) => () =>
        edaSimulatorBackend({
          provider: (endpoint: EdaBackendEndpoint) =>
            make({
              target: { type: "webhook", url: endpoint.webhookUrl },
              auth: { type: "hmac", secret: endpoint.hmacSecret },
              now: endpoint.now,
            }),
        });
    const scenarios = ["failed-provision-then-delete"];
    const old = await runConformance({
      backend: backend((options) => new SkipsWithoutMarks(options)),
      scenarios,
    });
    const p6 = old.scenarios.flatMap((s) => s.violations).filter((v) => v.rule === "P6");
    expect(p6).toHaveLength(1);
    expect(p6[0]!.message).toMatch(
      /answered skipped, but the backend ran provision .* ended failed/,
    );
    const fixed = await runConformance({
      backend: backend((options) => new EdaProvider(options)),
      scenarios,
    });
    expect(fixed.scenarios.map((s) => [s.id, s.status, s.violations])).toEqual([
      ["failed-provision-then-delete", "passed", []],
    ]);
  });
});
