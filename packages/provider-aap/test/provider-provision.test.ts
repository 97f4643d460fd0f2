import { JobState, configVersion, isProviderError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { readProvisionkitVars } from "../src/index.ts";
import { API_FORMS, call, computeInstance, hostPool, startAap } from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });

describe.each(API_FORMS)("provision through %s", (api) => {
  it("launches the kind's job template with the resource as ansible_eda.event.payload", async () => {
    const fx = await startAap({ api });
    const resource = computeInstance("vm-1");
    const result = await fx.provider.triggerProvision(resource, {
      ...call("corr-vm-1"),
      configVersion: V1,
    });
    expect(result.jobId).toMatch(/^job:\d+$/);
    expect(result.initialState).toBe(JobState.Pending);
    expect(result.message).toContain(V1);

    const [job] = fx.sim.ledger();
    expect(job).toBeDefined();
    expect(`job:${job!.id}`).toBe(result.jobId);
    expect(job!.templateName).toBe("create-compute-instance");
    expect(job!.resourceKey).toBe("default/vm-1");
    const eda = job!.extraVars.ansible_eda as { event: { payload: Record<string, unknown> } };
    // The same annotations an EDA event carries (docs/eda-protocol.md): one playbook for both paths.
    expect(eda.event.payload).toEqual({
      apiVersion: "example.com/v1",
      kind: "ComputeInstance",
      metadata: {
        ...resource.metadata,
        annotations: {
          ...resource.metadata.annotations,
          "provisionkit.io/correlation-id": "corr-vm-1",
          "provisionkit.io/operation": "provision",
          "provisionkit.io/config-version": V1,
          "provisionkit.io/resource-uid": "uid-vm-1",
        },
      },
      spec: { cores: 2 },
    });
    expect(resource.metadata.annotations?.["provisionkit.io/operation"]).toBeUndefined();
    expect(readProvisionkitVars(job!.extraVars)).toEqual({
      correlationId: "corr-vm-1",
      operation: "provision",
      configVersion: V1,
    });
    expect(job!.ignoredFields).toEqual({});
  });

  it("polls a workflow job under workflow_jobs/ and never under jobs/", async () => {
    const fx = await startAap({ api });
    const resource = hostPool("pool-1");
    const { jobId } = await fx.provider.triggerProvision(resource, {
      ...call(),
      configVersion: V1,
    });
    expect(jobId).toMatch(/^workflow_job:\d+$/);
    const id = jobId.split(":")[1];
    fx.clock.advance(60_000);
    const status = await fx.provider.getProvisionStatus(resource, jobId, call());
    expect(status.state).toBe(JobState.Succeeded);
    expect(status.reconciledVersion).toBe(V1);
    const paths = fx.sim.requests().map((r) => r.path);
    expect(paths.some((p) => p.endsWith(`/workflow_jobs/${id}/`))).toBe(true);
    expect(paths.some((p) => p.endsWith(`/jobs/${id}/`) && !p.includes("workflow_jobs"))).toBe(
      false,
    );
  });
});

describe("provision status", () => {
  it("follows pending → waiting → running → succeeded and reports the launched version (P4)", async () => {
    const fx = await startAap({
      simulator: { defaultScript: { pendingMs: 1000, waitingMs: 1000, runMs: 5000 } },
    });
    const resource = computeInstance("vm-1");
    const { jobId } = await fx.provider.triggerProvision(resource, {
      ...call(),
      configVersion: V1,
    });
    const read = () => fx.provider.getProvisionStatus(resource, jobId, call());

    expect((await read()).state).toBe(JobState.Pending);
    fx.clock.advance(1000);
    expect((await read()).state).toBe(JobState.Waiting);
    fx.clock.advance(1000);
    const running = await read();
    expect(running.state).toBe(JobState.Running);
    expect(running.startTime).toBe(new Date(fx.clock.now()).toISOString());
    expect(running.reconciledVersion).toBeUndefined();
    fx.clock.advance(5000);
    const done = await read();
    expect(done).toMatchObject({
      jobId,
      state: JobState.Succeeded,
      reconciledVersion: V1,
      endTime: new Date(fx.clock.now()).toISOString(),
    });
    expect(done.errorDetails).toBeUndefined();
  });

  it("accepts a playbook-reported config_version only when it agrees (P4)", async () => {
    const fx = await startAap();
    fx.sim.scriptNext("create-compute-instance", { artifacts: { config_version: V1 } });
    fx.sim.scriptNext("create-compute-instance", { artifacts: { config_version: "sha256:other" } });
    const resource = computeInstance("vm-1");
    const agree = await fx.provider.triggerProvision(resource, { ...call("a"), configVersion: V1 });
    const differ = await fx.provider.triggerProvision(resource, {
      ...call("b"),
      configVersion: V1,
    });
    fx.clock.advance(60_000);
    const a = await fx.provider.getProvisionStatus(resource, agree.jobId, call());
    const b = await fx.provider.getProvisionStatus(resource, differ.jobId, call());
    expect(a.reconciledVersion).toBe(V1);
    expect(a.message).not.toContain("ignored");
    expect(b.state).toBe(JobState.Succeeded);
    expect(b.reconciledVersion).toBe(V1);
    expect(b.message).toContain('reported config_version "sha256:other"');
    expect(b.message).toContain("ignored");
  });

  it.each([
    ["failed", JobState.Failed],
    ["error", JobState.Failed],
    ["canceled", JobState.Canceled],
  ] as const)(
    "a job ending %s maps to %s with its explanation and traceback",
    async (outcome, state) => {
      const fx = await startAap();
      fx.sim.scriptNext("create-compute-instance", {
        outcome,
        jobExplanation: "Previous Task Failed",
        resultTraceback: `Traceback (most recent call last):\n${"x".repeat(3000)}\nRuntimeError: boom`,
      });
      const resource = computeInstance("vm-1");
      const { jobId } = await fx.provider.triggerProvision(resource, {
        ...call(),
        configVersion: V1,
      });
      fx.clock.advance(60_000);
      const status = await fx.provider.getProvisionStatus(resource, jobId, call());
      expect(status.state).toBe(state);
      expect(status.reconciledVersion).toBeUndefined();
      expect(status.message).toContain(outcome);
      expect(status.errorDetails).toContain("Previous Task Failed");
      if (outcome !== "canceled") {
        expect(status.errorDetails).toContain("RuntimeError: boom");
        expect(status.errorDetails!.length).toBeLessThan(2100);
      }
    },
  );

  it("gives every launch of a resource its own job id, jobs and workflow jobs alike (P2)", async () => {
    const fx = await startAap();
    const vm = computeInstance("vm-1");
    const pool = hostPool("pool-1");
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await fx.provider.triggerProvision(vm, { ...call(`v${i}`), configVersion: V1 })).jobId,
      );
      ids.push(
        (await fx.provider.triggerProvision(pool, { ...call(`p${i}`), configVersion: V1 })).jobId,
      );
    }
    expect(new Set(ids).size).toBe(6);
    expect(ids.filter((id) => id.startsWith("workflow_job:"))).toHaveLength(3);
  });

  it("maps a status it does not know to Unknown", async () => {
    const fx = await startAap();
    const resource = computeInstance("vm-1");
    const { jobId } = await fx.provider.triggerProvision(resource, {
      ...call(),
      configVersion: V1,
    });
    const id = Number(jobId.split(":")[1]);
    fx.sim.faults.inject({
      operation: "job-get",
      action: {
        type: "malformed",
        body: {
          id,
          type: "job",
          name: "create-compute-instance",
          status: "quarantined",
          failed: false,
          started: null,
          finished: null,
          job_explanation: "",
          result_traceback: "",
          extra_vars: JSON.stringify({
            provisionkit: {
              correlation_id: "corr-1",
              operation: "provision",
              resource: { uid: "uid-vm-1" },
            },
          }),
        },
      },
    });
    const status = await fx.provider.getProvisionStatus(resource, jobId, call());
    expect(status.state).toBe(JobState.Unknown);
    expect(status.message).toContain("quarantined");
  });

  it("turns a purged job into JobNotFoundError", async () => {
    const fx = await startAap();
    const resource = computeInstance("vm-1");
    const { jobId } = await fx.provider.triggerProvision(resource, {
      ...call(),
      configVersion: V1,
    });
    fx.clock.advance(60_000);
    fx.sim.purgeJob(Number(jobId.split(":")[1]));
    const error: unknown = await fx.provider
      .getProvisionStatus(resource, jobId, call())
      .catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("JOB_NOT_FOUND");
  });

  it("turns a malformed job body into InvalidResponseError naming the field", async () => {
    const fx = await startAap();
    const resource = computeInstance("vm-1");
    const { jobId } = await fx.provider.triggerProvision(resource, {
      ...call(),
      configVersion: V1,
    });
    fx.sim.faults.inject({
      operation: "job-get",
      action: { type: "malformed", body: { id: 1, type: "job", status: 7 } },
    });
    const error: unknown = await fx.provider
      .getProvisionStatus(resource, jobId, call())
      .catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("INVALID_RESPONSE");
    expect((error as Error).message).toContain("status");
  });

  it("rejects a job id it did not make", async () => {
    const fx = await startAap();
    const error: unknown = await fx.provider
      .getProvisionStatus(computeInstance("vm-1"), "eda-7f3a", call())
      .catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("CONFIGURATION");
  });
});
