import { ConfigurationError, JobState, type ResourceObject } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  ANNOTATION_APPLIED_CONFIG_VERSION as APPLIED,
  ANNOTATION_APPLIED_CORRELATION_ID as APPLIED_BY,
  ANNOTATION_PLAYBOOK_FAILURE as FAILURE,
  FINALIZER_AAP,
} from "../src/index.ts";
import { call, computeInstance, thrown, withMeta } from "./harness.ts";
import { startProvider, type ProviderFixture } from "./provider-fixture.ts";

const V1 = "sha256:v1";
const V0 = "sha256:v0";
const MIN = 60_000;

function failure(correlationId: string, message = "boom", operation?: string): string {
  return JSON.stringify({ correlationId, message, ...(operation ? { operation } : {}) });
}

async function provision(f: ProviderFixture, correlationId = "corr-1"): Promise<string> {
  const result = await f.provider.triggerProvision(computeInstance(), {
    ...call(correlationId),
    configVersion: V1,
  });
  return result.jobId;
}

async function status(f: ProviderFixture, resource: ResourceObject, jobId: string) {
  return f.provider.getProvisionStatus(resource, jobId, call());
}

describe("getProvisionStatus from the resource", () => {
  it("Succeeded with reconciledVersion when applied version and correlation id match", async () => {
    const fx = await startProvider();
    const jobId = await provision(fx);
    fx.clock.advance(3 * MIN);
    const s = await status(
      fx,
      withMeta(computeInstance(), { [APPLIED]: V1, [APPLIED_BY]: "corr-1" }),
      jobId,
    );
    expect(s).toMatchObject({
      jobId,
      state: JobState.Succeeded,
      reconciledVersion: V1,
      startTime: new Date(fx.clock.value - 3 * MIN).toISOString(),
      endTime: new Date(fx.clock.value).toISOString(),
    });
  });

  it("Succeeded on the version alone when the playbook writes no correlation id", async () => {
    const fx = await startProvider();
    const jobId = await provision(fx);
    const s = await status(fx, withMeta(computeInstance(), { [APPLIED]: V1 }), jobId);
    expect(s.state).toBe(JobState.Succeeded);
    expect(s.reconciledVersion).toBe(V1);
  });

  it("Running, saying what is awaited, while the applied version is stale or absent", async () => {
    const fx = await startProvider();
    const jobId = await provision(fx);
    const stale = await status(fx, withMeta(computeInstance(), { [APPLIED]: V0 }), jobId);
    expect(stale.state).toBe(JobState.Running);
    expect(stale.reconciledVersion).toBeUndefined();
    expect(stale.message).toContain(`${APPLIED}=${V1}`);
    expect(stale.message).toContain(`${APPLIED} is ${V0}`);
    const none = await status(fx, computeInstance(), jobId);
    expect(none.state).toBe(JobState.Running);
    expect(none.message).toContain(`no ${APPLIED} yet`);
    expect(none.message).toContain("times out at");
  });

  it("an older run of the same version (other applied correlation id) does not count", async () => {
    const fx = await startProvider();
    const jobId = await provision(fx, "corr-new");
    const s = await status(
      fx,
      withMeta(computeInstance(), { [APPLIED]: V1, [APPLIED_BY]: "corr-old" }),
      jobId,
    );
    expect(s.state).toBe(JobState.Running);
    expect(s.message).toContain("applied by correlation id corr-old");
  });

  it("Failed when the failure annotation names this job, with its message", async () => {
    const fx = await startProvider();
    const jobId = await provision(fx);
    const s = await status(
      fx,
      withMeta(computeInstance(), { [FAILURE]: failure("corr-1", "quota exceeded", "provision") }),
      jobId,
    );
    expect(s.state).toBe(JobState.Failed);
    expect(s.message).toContain("quota exceeded");
    expect(s.errorDetails).toBe("quota exceeded");
    expect(s.reconciledVersion).toBeUndefined();
  });

  it("this job's failure wins over an applied version without correlation id (an older run)", async () => {
    const fx = await startProvider();
    const jobId = await provision(fx);
    const s = await status(
      fx,
      withMeta(computeInstance(), { [APPLIED]: V1, [FAILURE]: failure("corr-1") }),
      jobId,
    );
    expect(s.state).toBe(JobState.Failed);
  });

  it("ignores a failure annotation naming another job or another operation", async () => {
    const fx = await startProvider();
    const jobId = await provision(fx);
    for (const value of [failure("corr-other"), failure("corr-1", "x", "deprovision")]) {
      const s = await status(fx, withMeta(computeInstance(), { [FAILURE]: value }), jobId);
      expect(s.state, value).toBe(JobState.Running);
    }
  });

  it("ignores a malformed failure annotation with one logged warning", async () => {
    const fx = await startProvider();
    const jobId = await provision(fx);
    const vm = withMeta(computeInstance(), { [FAILURE]: "corr-1 failed!" });
    expect((await status(fx, vm, jobId)).state).toBe(JobState.Running);
    expect((await status(fx, vm, jobId)).state).toBe(JobState.Running);
    const warnings = fx.lines.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain("malformed playbook failure annotation");
    expect(warnings[0]!.fields.reason).toBe("not JSON");
  });

  it("Failed at the timeout (default 60 min, from the send time in the job id), naming what was awaited", async () => {
    const fx = await startProvider();
    const jobId = await provision(fx);
    fx.clock.advance(60 * MIN - 1);
    expect((await status(fx, computeInstance(), jobId)).state).toBe(JobState.Running);
    fx.clock.advance(1);
    const s = await status(fx, withMeta(computeInstance(), { [APPLIED]: V0 }), jobId);
    expect(s.state).toBe(JobState.Failed);
    expect(s.message).toContain("timed out after 60 min");
    expect(s.message).toContain(`${APPLIED}=${V1}`);
  });

  it("states a timeout that is not whole minutes exactly", async () => {
    const fx = await startProvider({ provisionTimeoutMs: 1200 });
    const jobId = await provision(fx);
    fx.clock.advance(1200);
    const s = await status(fx, computeInstance(), jobId);
    expect(s.state).toBe(JobState.Failed);
    expect(s.message).toContain("timed out after 1.2 s");
    expect(s.endTime).toBe(new Date(fx.clock.value).toISOString());
  });

  it("a success after the timeout is still a success", async () => {
    const fx = await startProvider({ provisionTimeoutMs: 5 * MIN });
    const jobId = await provision(fx);
    fx.clock.advance(10 * MIN);
    const s = await status(fx, withMeta(computeInstance(), { [APPLIED]: V1 }), jobId);
    expect(s.state).toBe(JobState.Succeeded);
  });

  it("honours custom annotation names", async () => {
    const fx = await startProvider({
      annotations: {
        appliedConfigVersion: "example.com/applied",
        appliedCorrelationId: "example.com/by",
      },
    });
    const jobId = await provision(fx);
    expect((await status(fx, withMeta(computeInstance(), { [APPLIED]: V1 }), jobId)).state).toBe(
      JobState.Running,
    );
    const s = await status(
      fx,
      withMeta(computeInstance(), { "example.com/applied": V1, "example.com/by": "corr-1" }),
      jobId,
    );
    expect(s.state).toBe(JobState.Succeeded);
    const sent = JSON.parse(fx.server.requests[0]!.body) as ResourceObject;
    expect(sent.metadata.annotations).toHaveProperty("provisionkit.io/correlation-id", "corr-1");
  });

  it("rejects a deprovision id and a foreign id", async () => {
    const fx = await startProvider();
    await expect(status(fx, computeInstance(), "eda:deprovision:c:1")).rejects.toThrow(
      /not a provision job/,
    );
    expect(await thrown(status(fx, computeInstance(), "job:42"))).toBeInstanceOf(
      ConfigurationError,
    );
  });
});

describe("getDeprovisionStatus from the resource", () => {
  async function deprovision(f: ProviderFixture, correlationId = "del-1"): Promise<string> {
    const vm = withMeta(computeInstance(), {}, [FINALIZER_AAP]);
    const result = await f.provider.triggerDeprovision(vm, [], call(correlationId));
    if (result.action !== "triggered") throw new Error(`expected triggered, got ${result.action}`);
    return result.jobId;
  }
  const get = (f: ProviderFixture, r: ResourceObject, id: string) =>
    f.provider.getDeprovisionStatus(r, id, call());

  it("Running while the finalizer is there; Succeeded once it is gone", async () => {
    const fx = await startProvider();
    const jobId = await deprovision(fx);
    const running = await get(fx, withMeta(computeInstance(), {}, ["other", FINALIZER_AAP]), jobId);
    expect(running.state).toBe(JobState.Running);
    expect(running.message).toContain(`finalizer ${FINALIZER_AAP} to be removed`);
    const done = await get(fx, withMeta(computeInstance(), {}, ["other"]), jobId);
    expect(done.state).toBe(JobState.Succeeded);
    expect(done.reconciledVersion).toBeUndefined();
  });

  it("Succeeded on the playbook's acknowledgement (applied correlation id = this job's)", async () => {
    const fx = await startProvider();
    const jobId = await deprovision(fx);
    const acked = await get(fx, withMeta(computeInstance(), { [APPLIED_BY]: "del-1" }), jobId);
    expect(acked.state).toBe(JobState.Succeeded);
    expect(acked.message).toContain(APPLIED_BY);
  });

  it("a gone finalizer is not success while the applied correlation id names another run", async () => {
    // A provision that ended after the deletion began could not add the finalizer
    // (the API server refuses it): "no finalizer" must not read as a finished teardown.
    const fx = await startProvider();
    const jobId = await deprovision(fx);
    const vm = withMeta(computeInstance(), { [APPLIED]: V1, [APPLIED_BY]: "corr-provision" });
    const s = await get(fx, vm, jobId);
    expect(s.state).toBe(JobState.Running);
    expect(s.message).toContain(`${APPLIED_BY}=del-1`);
    expect(s.message).toContain("the finalizer is gone, but");
  });

  it("Failed when the failure annotation names this job", async () => {
    const fx = await startProvider();
    const jobId = await deprovision(fx);
    const s = await get(
      fx,
      withMeta(computeInstance(), { [FAILURE]: failure("del-1", "vm busy", "deprovision") }, [
        FINALIZER_AAP,
      ]),
      jobId,
    );
    expect(s.state).toBe(JobState.Failed);
    expect(s.errorDetails).toBe("vm busy");
  });

  it("Failed, not Succeeded, when a failed playbook removed the finalizer (block-deletion-on-failure false)", async () => {
    // With blockDeletionOnFailure false the failed deprovision playbook writes the failure
    // and removes the finalizer; a playbook that writes no acknowledgement leaves the
    // applied correlation id unset, so only the failure tells this from a success.
    const fx = await startProvider({ blockDeletionOnFailure: false });
    const jobId = await deprovision(fx);
    const vm = withMeta(
      computeInstance(),
      { [APPLIED]: V1, [FAILURE]: failure("del-1", "vm busy", "deprovision") },
      [],
    );
    const s = await get(fx, vm, jobId);
    expect(s.state).toBe(JobState.Failed);
    expect(s.errorDetails).toBe("vm busy");
    expect(s.message).toContain("the deprovision playbook reported a failure: vm busy");
    // The same with the provision's acknowledgement still on the object.
    const acked = withMeta(vm, { [APPLIED_BY]: "corr-provision" }, []);
    expect((await get(fx, acked, jobId)).state).toBe(JobState.Failed);
    // Another job's failure next to a gone finalizer is still this job's success.
    const other = withMeta(vm, { [FAILURE]: failure("del-0", "old", "deprovision") }, []);
    expect((await get(fx, other, jobId)).state).toBe(JobState.Succeeded);
    // This job's acknowledgement wins over everything.
    const done = withMeta(vm, { [APPLIED_BY]: "del-1" }, []);
    expect((await get(fx, done, jobId)).state).toBe(JobState.Succeeded);
  });

  it("Failed at the deprovision timeout (default 30 min)", async () => {
    const fx = await startProvider();
    const jobId = await deprovision(fx);
    const vm = withMeta(computeInstance(), {}, [FINALIZER_AAP]);
    fx.clock.advance(30 * MIN - 1);
    expect((await get(fx, vm, jobId)).state).toBe(JobState.Running);
    fx.clock.advance(1);
    const s = await get(fx, vm, jobId);
    expect(s.state).toBe(JobState.Failed);
    expect(s.message).toContain("timed out after 30 min");
    expect(s.message).toContain(FINALIZER_AAP);
  });

  it("honours a custom finalizer", async () => {
    const fx = await startProvider({ finalizer: "example.com/infra" });
    const vm = withMeta(computeInstance(), {}, ["example.com/infra"]);
    const result = await fx.provider.triggerDeprovision(vm, [], call("d"));
    expect(result.action).toBe("triggered");
    if (result.action !== "triggered") return;
    const s = await get(fx, withMeta(computeInstance(), {}, [FINALIZER_AAP]), result.jobId);
    expect(s.state).toBe(JobState.Succeeded);
  });
});
