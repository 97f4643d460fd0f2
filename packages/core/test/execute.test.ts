import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  ErrorCode,
  JobState,
  decide,
  execute,
  latestJob,
  providerSet,
  reconcile,
  type Provider,
  type ResourceObject,
} from "@provisionkit/core";
import { T0, V1, input, job, status, thrown } from "./support/fixtures.js";

const resource: ResourceObject = { metadata: { name: "r", namespace: "ns" }, spec: {} };

function fake(over: Partial<Provider> = {}): Provider {
  const never = () => Promise.reject(new Error("not scripted"));
  return {
    name: "memory",
    triggerProvision: never,
    getProvisionStatus: never,
    triggerDeprovision: never,
    getDeprovisionStatus: never,
    ...over,
  };
}

async function step(
  provider: Provider,
  decideInput = input(),
  signal = new AbortController().signal,
) {
  const providers = providerSet(provider);
  const d = decide({ ...decideInput, providers: providers.directory });
  return execute(
    d,
    { ...decideInput, providers: providers.directory },
    { resource, providers, clock: () => T0, signal },
  );
}

describe("execute", () => {
  it("passes the config version and correlation id to triggerProvision and records the job", async () => {
    const seen: unknown[] = [];
    const provider = fake({
      triggerProvision: (_r, o) => {
        seen.push({
          configVersion: o.configVersion,
          correlationId: o.correlationId,
          signal: o.signal instanceof AbortSignal,
        });
        return Promise.resolve({ jobId: "42", initialState: JobState.Pending, message: "ok" });
      },
    });
    const out = await step(provider);
    expect(seen).toEqual([{ configVersion: V1, correlationId: "corr-1", signal: true }]);
    expect(latestJob(out.status.jobs, "provision")).toMatchObject({
      jobId: "42",
      correlationId: "corr-1",
      provider: "memory",
    });
    expect(out.events[0]?.reason).toBe("ProvisionTriggered");
  });

  it("turns a malformed launch answer into a contract violation, keeping the marker (the job may exist)", async () => {
    const provider = fake({
      triggerProvision: () => Promise.resolve({ jobId: "", initialState: "Done" } as never),
    });
    const out = await step(provider);
    expect(out.status.launchFailure).toMatchObject({ code: ErrorCode.ContractViolation });
    expect(out.status.launchFailure?.message).toMatch(/^P3: ProvisionResult.initialState/);
    expect(out.status.pendingLaunch?.correlationId).toBe("corr-1");
    expect(out.status.jobs).toEqual([]);
  });

  it("refuses a job id already in the history (P2) without recording a second job", async () => {
    const provider = fake({
      triggerProvision: () =>
        Promise.resolve({ jobId: "j1", initialState: JobState.Pending, message: "" }),
    });
    const s = status({
      jobs: [job({ state: JobState.Failed, finishedAt: new Date(T0 - 3_600_000).toISOString() })],
    });
    const out = await step(provider, input({ status: s }));
    expect(out.status.jobs).toHaveLength(1);
    expect(out.status.launchFailure?.message).toMatch(/^P2/);
    expect(out.status.pendingLaunch).toBeUndefined();
  });

  it("rejects a deprovision answer without blockDeletionOnFailure (P7)", async () => {
    const provider = fake({
      triggerDeprovision: () => Promise.resolve({ action: "triggered", jobId: "d1" } as never),
    });
    const out = await step(
      provider,
      input({ deleting: true, status: status({ jobs: [job({ state: JobState.Succeeded })] }) }),
    );
    expect(out.status.launchFailure?.message).toMatch(/^P7/);
    expect(out.status.pendingLaunch).toBeDefined();
    expect(latestJob(out.status.jobs, "deprovision")).toBeUndefined();
  });

  it("rethrows when aborted, so a shutdown is not recorded as a failure", async () => {
    const controller = new AbortController();
    const provider = fake({
      triggerProvision: () => {
        controller.abort();
        return Promise.reject(new Error("aborted"));
      },
    });
    await expect(step(provider, input(), controller.signal)).rejects.toThrow("aborted");
  });

  it("providerSet refuses an empty provider name (P1) and a name used twice", () => {
    expect(thrown(() => providerSet(fake({ name: " " })), ConfigurationError).message).toMatch(
      /^P1/,
    );
    expect(thrown(() => providerSet(fake(), fake()), ConfigurationError).message).toMatch(
      /named "memory"/,
    );
    const set = providerSet(fake(), fake({ name: "old", cancelJob: () => Promise.resolve() }));
    expect(set.directory.get("old")).toEqual({ name: "old", canFindJob: false, canCancel: true });
    expect(set.directory.get("nope")).toBeUndefined();
  });

  it("reconcile stops at maxSteps and asks to be requeued at once", async () => {
    let n = 0;
    const provider = fake({
      triggerProvision: () =>
        Promise.resolve({ jobId: `j${++n}`, initialState: JobState.Failed, message: "" }),
    });
    const result = await reconcile({
      resource,
      status: undefined,
      providers: provider,
      persist: () => Promise.resolve(),
      clock: () => T0,
      options: { provisionBackoff: { initialMs: 0, factor: 1, maxMs: 0 } },
      maxSteps: 3,
    });
    expect(result.steps).toBe(3);
    expect(result.requeueAfterMs).toBe(0);
    expect(n).toBe(3);
  });

  it("reconcile persists only when the status changed", async () => {
    const reasons: string[] = [];
    const args = {
      resource,
      providers: fake(),
      persist: (_s: unknown, reason: string) => {
        reasons.push(reason);
        return Promise.resolve();
      },
      clock: () => T0,
    };
    const first = await reconcile({
      ...args,
      status: status({ reconciledConfigVersion: "x", jobs: [] }),
      desiredConfigVersion: "x",
    });
    expect(reasons).toEqual(["update"]);
    await reconcile({ ...args, status: first.status, desiredConfigVersion: "x" });
    expect(reasons).toEqual(["update"]);
  });
});
