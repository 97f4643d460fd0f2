/**
 * What `execute` records and reports for each action: the events a user reads, the
 * launch's trace outcome, the job record's timing, and the decisions it leaves alone
 * (issue 21: behaviours the mutation run showed unpinned in execute.ts).
 */
import { describe, expect, it } from "vitest";
import {
  JobState,
  decide,
  execute,
  latestJob,
  providerSet,
  type Decision,
  type DecideInput,
  type JobTraceInfo,
  type JobTracer,
  type LaunchTraceOutcome,
  type Provider,
  type ProviderSet,
  type ResourceObject,
} from "@provisionkit/core";
import {
  T0,
  V1,
  V2,
  caps,
  directory,
  input,
  iso,
  job,
  pending,
  status,
} from "./support/fixtures.js";

const resource: ResourceObject = {
  metadata: { name: "r", namespace: "ns", uid: "uid-1" },
  spec: {},
};

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

/** A tracer that records what the engine tells it. */
function recordingTracer() {
  const started: JobTraceInfo[] = [];
  const ended: LaunchTraceOutcome[] = [];
  const tracer: JobTracer = {
    startLaunch: (info) => {
      started.push(info);
      return {
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        end: (outcome) => ended.push(outcome),
      };
    },
    jobEnded: () => undefined,
    startReconcile: () => ({ link: () => undefined, step: () => undefined, end: () => undefined }),
  };
  return { tracer, started, ended };
}

async function step(
  provider: Provider | ProviderSet,
  decideInput: DecideInput = input(),
  extra: { tracer?: JobTracer; reconcileTiming?: { queuedAt?: number; startedAt?: number } } = {},
) {
  const providers = "directory" in provider ? provider : providerSet(provider);
  const full = { ...decideInput, providers: providers.directory };
  return execute(decide(full), full, {
    resource,
    providers,
    clock: () => T0,
    signal: new AbortController().signal,
    ...extra,
  });
}

/** Executes a decision made elsewhere (a directory that disagrees with the providers). */
function run(decision: Decision, provider: Provider, decideInput: DecideInput = input()) {
  return execute(decision, decideInput, {
    resource,
    providers: providerSet(provider),
    clock: () => T0,
    signal: new AbortController().signal,
  });
}

const endedProvision = () =>
  job({ state: JobState.Succeeded, finishedAt: iso(T0 - 60_000), updatedAt: iso(T0 - 60_000) });

describe("execute: a decision with nothing to do", () => {
  it("calls no provider and records no event when the desired version is applied", async () => {
    const calls: string[] = [];
    const provider = fake({
      triggerProvision: () => {
        calls.push("triggerProvision");
        return Promise.reject(new Error("unexpected"));
      },
    });
    const s = status({ jobs: [endedProvision()], reconciledConfigVersion: V1 });
    const out = await step(provider, input({ status: s }));
    expect(calls).toEqual([]);
    expect(out.events).toEqual([]);
    expect(out.status.jobs).toEqual(s.jobs);
    expect(out.status.launchFailure).toBeUndefined();
  });
});

describe("execute: a decision the providers cannot carry out changes nothing", () => {
  const decision = (action: Decision["action"], s = status()): Decision => ({
    action,
    status: s,
    persistFirst: false,
    finalizer: "keep",
    events: [],
  });

  it("a poll of a job whose provider is not in the set", async () => {
    const s = status({ jobs: [job({ provider: "gone" })] });
    const out = await run(decision({ kind: "poll", job: s.jobs[0]! }, s), fake());
    expect(out.events).toEqual([]);
    expect(out.status.jobs[0]?.statusError).toBeUndefined();
    expect(out.status.jobs[0]?.state).toBe(JobState.Running);
  });

  it("a cancel through a provider without cancelJob (declared able to cancel elsewhere)", async () => {
    const s = status({ jobs: [job()] });
    const out = await run(
      decision({ kind: "cancel", job: s.jobs[0]!, reason: "spec-change" }, s),
      fake(),
      input({ status: s, providers: directory(caps("memory", true, true)) }),
    );
    expect(out.events).toEqual([]);
    expect(out.status.jobs[0]?.statusError).toBeUndefined();
    expect(out.status.jobs[0]?.cancelRequestedAt).toBeUndefined();
  });

  it("a lookup through a provider without findJob keeps the pending launch as it was", async () => {
    const marker = pending({ correlationId: "c-lost", createdAt: iso(T0 - 60_000) });
    const s = status({ pendingLaunch: marker });
    const out = await run(decision({ kind: "adopt", pending: marker }, s), fake());
    expect(out.events).toEqual([]);
    expect(out.status.pendingLaunch).toEqual(marker);
  });
});

describe("execute: cancel events say why the job is canceled", () => {
  it("after the job timeout", async () => {
    const canceled: string[] = [];
    const provider = fake({
      cancelJob: (_r, jobId) => {
        canceled.push(jobId);
        return Promise.resolve();
      },
    });
    const late = status({ jobs: [job({ launchedAt: iso(T0 - 120_000) })] });
    const out = await step(provider, input({ status: late, options: { jobTimeoutMs: 60_000 } }));
    expect(canceled).toEqual(["j1"]);
    const event = out.events.find((e) => e.reason === "CancelRequested");
    expect(event?.type).toBe("Normal");
    expect(event?.message).toContain("provision job j1");
    expect(event?.message).toContain("job timeout");
    expect(event?.message).not.toContain("spec changed");
  });

  it("when the resource is being deleted (a job another provider launched)", async () => {
    const old = fake({ cancelJob: () => Promise.resolve() });
    const out = await step(
      providerSet(fake({ name: "new" }), old),
      input({ status: status({ jobs: [job()] }), deleting: true }),
    );
    const event = out.events.find((e) => e.reason === "CancelRequested");
    expect(event?.type).toBe("Normal");
    expect(event?.message).toContain("being deleted");
    expect(event?.message).not.toContain("spec changed");
  });

  it("a failed cancel after a timeout is a warning naming the job and the error", async () => {
    const provider = fake({ cancelJob: () => Promise.reject(new Error("refused by backend")) });
    const late = status({ jobs: [job({ launchedAt: iso(T0 - 120_000) })] });
    const out = await step(provider, input({ status: late, options: { jobTimeoutMs: 60_000 } }));
    const event = out.events.find((e) => e.reason === "CancelFailed");
    expect(event?.type).toBe("Warning");
    expect(event?.message).toContain("j1");
    expect(event?.message).toContain("refused by backend");
  });
});

describe("execute: launches", () => {
  it("a provision launch's event names the job, the config version and the attempt", async () => {
    const provider = fake({
      triggerProvision: () =>
        Promise.resolve({ jobId: "j42", initialState: JobState.Pending, message: "" }),
    });
    const out = await step(provider, input({ desiredConfigVersion: V2 }));
    const event = out.events.find((e) => e.reason === "ProvisionTriggered");
    expect(event?.type).toBe("Normal");
    expect(event?.message).toContain("j42");
    expect(event?.message).toContain(V2);
    expect(event?.message).toContain("attempt 1");
  });

  it("a deprovision is given the provision jobs only", async () => {
    const given: string[][] = [];
    const provider = fake({
      triggerDeprovision: (_r, jobs) => {
        given.push(jobs.map((j) => `${j.type}:${j.jobId}`));
        return Promise.resolve({ action: "triggered", jobId: "d2", blockDeletionOnFailure: true });
      },
    });
    const oldTeardown = job({
      type: "deprovision",
      jobId: "d1",
      correlationId: "c-d1",
      state: JobState.Failed,
      blockDeletionOnFailure: true,
      finishedAt: iso(T0 - 3_600_000),
      configVersion: undefined,
    });
    const out = await step(
      provider,
      input({ status: status({ jobs: [endedProvision(), oldTeardown] }), deleting: true }),
    );
    expect(given).toEqual([["provision:j1"]]);
    expect(latestJob(out.status.jobs, "deprovision")?.jobId).toBe("d2");
  });

  it("refuses a deprovision job id already in the deprovision history (P2)", async () => {
    const provider = fake({
      triggerDeprovision: () =>
        Promise.resolve({ action: "triggered", jobId: "d1", blockDeletionOnFailure: true }),
    });
    const oldTeardown = job({
      type: "deprovision",
      jobId: "d1",
      correlationId: "c-d1",
      state: JobState.Failed,
      blockDeletionOnFailure: true,
      finishedAt: iso(T0 - 3_600_000),
      configVersion: undefined,
    });
    const out = await step(
      provider,
      input({ status: status({ jobs: [endedProvision(), oldTeardown] }), deleting: true }),
    );
    expect(out.status.launchFailure?.message).toMatch(/^P2/);
    expect(out.status.launchFailure?.message).toContain("d1");
    expect(out.status.jobs.filter((j) => j.type === "deprovision")).toHaveLength(1);
  });

  it("records the launch's timing and trace context on a triggered deprovision job", async () => {
    const { tracer } = recordingTracer();
    const provider = fake({
      triggerDeprovision: () =>
        Promise.resolve({ action: "triggered", jobId: "d1", blockDeletionOnFailure: true }),
    });
    const out = await step(
      provider,
      input({ status: status({ jobs: [endedProvision()] }), deleting: true }),
      { tracer, reconcileTiming: { queuedAt: T0 - 2_000, startedAt: T0 - 1_000 } },
    );
    const teardown = latestJob(out.status.jobs, "deprovision");
    expect(teardown?.timing).toEqual({
      queuedMs: -2_000,
      reconcileMs: -1_000,
      launchStartMs: 0,
      launchEndMs: 0,
    });
    expect(teardown?.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
  });
});

describe("execute: what a tracer is told about a launch", () => {
  it("the resource, its uid, the job's type, provider, correlation id, version, attempt and reconcile timing", async () => {
    const { tracer, started, ended } = recordingTracer();
    const provider = fake({
      triggerProvision: () =>
        Promise.resolve({ jobId: "j42", initialState: JobState.Running, message: "" }),
    });
    await step(provider, input(), {
      tracer,
      reconcileTiming: { queuedAt: T0 - 2_000, startedAt: T0 - 1_000 },
    });
    expect(started).toStrictEqual([
      {
        resource: "ns/r",
        resourceUid: "uid-1",
        type: "provision",
        provider: "memory",
        correlationId: "corr-1",
        configVersion: V1,
        attempt: 1,
        launchedAt: T0,
        queuedAt: T0 - 2_000,
        reconcileStartedAt: T0 - 1_000,
      },
    ]);
    expect(ended).toStrictEqual([{ jobId: "j42", state: JobState.Running }]);
  });

  it("without a uid or reconcile timing, those fields are absent, not undefined", async () => {
    const { tracer, started } = recordingTracer();
    const provider = fake({
      triggerProvision: () =>
        Promise.resolve({ jobId: "j42", initialState: JobState.Pending, message: "" }),
    });
    const providers = providerSet(provider);
    const full = { ...input(), providers: providers.directory };
    await execute(decide(full), full, {
      resource: { metadata: { name: "r", namespace: "ns" }, spec: {} },
      providers,
      clock: () => T0,
      signal: new AbortController().signal,
      tracer,
    });
    expect(started).toHaveLength(1);
    const info = started[0]!;
    expect("resourceUid" in info).toBe(false);
    expect("queuedAt" in info).toBe(false);
    expect("reconcileStartedAt" in info).toBe(false);
  });

  it("a deprovision without a version, skipped: no configVersion; the outcome is only the action", async () => {
    const { tracer, started, ended } = recordingTracer();
    const provider = fake({
      triggerDeprovision: () => Promise.resolve({ action: "skipped", reason: "nothing there" }),
    });
    await step(provider, input({ deleting: true }), { tracer });
    expect(started).toHaveLength(1);
    expect(started[0]?.type).toBe("deprovision");
    expect("configVersion" in started[0]!).toBe(false);
    expect(ended).toStrictEqual([{ action: "skipped" }]);
  });

  it("a triggered deprovision: its job id, state and action", async () => {
    const { tracer, ended } = recordingTracer();
    const provider = fake({
      triggerDeprovision: () =>
        Promise.resolve({ action: "triggered", jobId: "d1", blockDeletionOnFailure: true }),
    });
    await step(provider, input({ status: status({ jobs: [endedProvision()] }), deleting: true }), {
      tracer,
    });
    expect(ended).toStrictEqual([{ jobId: "d1", state: JobState.Pending, action: "triggered" }]);
  });

  it("a failed launch: the error's code and message", async () => {
    const { tracer, ended } = recordingTracer();
    const provider = fake({ triggerProvision: () => Promise.reject(new Error("backend down")) });
    const out = await step(provider, input(), { tracer });
    expect(out.status.launchFailure).toBeDefined();
    expect(ended).toHaveLength(1);
    expect(ended[0]?.error?.message).toBe("backend down");
    expect(ended[0]?.error?.code).toBe(out.status.launchFailure?.code);
  });
});

describe("execute: a job's timing from the backend", () => {
  it("a job seen to end without backend times gets no timing field", async () => {
    const provider = fake({
      getProvisionStatus: (_r, jobId) =>
        Promise.resolve({ jobId, state: JobState.Succeeded, message: "done" }),
    });
    const out = await step(provider, input({ status: status({ jobs: [job()] }) }));
    const record = latestJob(out.status.jobs, "provision");
    expect(record?.state).toBe(JobState.Succeeded);
    expect(record && "timing" in record).toBe(false);
  });

  it("keeps the launch timing a job already had when its end is recorded", async () => {
    const provider = fake({
      getProvisionStatus: (_r, jobId) =>
        Promise.resolve({
          jobId,
          state: JobState.Succeeded,
          message: "done",
          endTime: iso(T0 + 5_000),
        }),
    });
    const s = status({ jobs: [job({ timing: { launchStartMs: 0, launchEndMs: 40 } })] });
    const out = await step(provider, input({ status: s }));
    expect(latestJob(out.status.jobs, "provision")?.timing).toStrictEqual({
      launchStartMs: 0,
      launchEndMs: 40,
      finishedMs: 5_000,
    });
  });
});

describe("execute: more of what reaches the provider and the records", () => {
  it("reads, cancels and lookups get the caller's abort signal", async () => {
    const controller = new AbortController();
    const signals: unknown[] = [];
    const provider = fake({
      getProvisionStatus: (_r, jobId, o) => {
        signals.push(o?.signal);
        return Promise.resolve({ jobId, state: JobState.Running, message: "" });
      },
      cancelJob: (_r, _id, _t, o) => {
        signals.push(o?.signal);
        return Promise.resolve();
      },
      findJob: (_r, _q, o) => {
        signals.push(o?.signal);
        return Promise.resolve(undefined);
      },
    });
    const providers = providerSet(provider);
    const env = { resource, providers, clock: () => T0, signal: controller.signal };
    const due = input({ status: status({ jobs: [job({ nextCheckAt: iso(T0) })] }) });
    const changed = input({
      status: status({ jobs: [job()] }),
      desiredConfigVersion: V2,
      options: { onSpecChangeWhileRunning: "cancel" },
    });
    const lost = input({
      status: status({
        pendingLaunch: pending({ correlationId: "c-lost", createdAt: iso(T0 - 3_600_000) }),
      }),
    });
    for (const i of [due, changed, lost]) {
      const full = { ...i, providers: providers.directory };
      await execute(decide(full), full, env);
    }
    expect(signals).toEqual([controller.signal, controller.signal, controller.signal]);
  });

  it("a cancel or a lookup through a provider not in the set changes nothing", async () => {
    const s = status({ jobs: [job({ provider: "gone" })] });
    const cancel = await run(
      {
        action: { kind: "cancel", job: s.jobs[0]!, reason: "spec-change" },
        status: s,
        persistFirst: false,
        finalizer: "keep",
        events: [],
      },
      fake(),
    );
    expect(cancel.events).toEqual([]);
    const marker = pending({ provider: "gone" });
    const adopt = await run(
      {
        action: { kind: "adopt", pending: marker },
        status: status({ pendingLaunch: marker }),
        persistFirst: false,
        finalizer: "keep",
        events: [],
      },
      fake(),
    );
    expect(adopt.events).toEqual([]);
    expect(adopt.status.pendingLaunch).toEqual(marker);
  });

  it("a tracer is told the state of the job the launch created, not of an earlier one", async () => {
    const { tracer, ended } = recordingTracer();
    const provider = fake({
      triggerProvision: () =>
        Promise.resolve({ jobId: "j42", initialState: JobState.Running, message: "" }),
    });
    const earlier = job({ jobId: "j0", state: JobState.Failed, finishedAt: iso(T0 - 3_600_000) });
    await step(provider, input({ status: status({ jobs: [earlier] }) }), { tracer });
    expect(ended).toStrictEqual([{ jobId: "j42", state: JobState.Running }]);
  });

  it("a deprovision job's backend times go on it, not on a provision job of the same id", async () => {
    const provider = fake({
      getDeprovisionStatus: (_r, jobId) =>
        Promise.resolve({
          jobId,
          state: JobState.Succeeded,
          message: "gone",
          endTime: iso(T0 + 2_000),
        }),
    });
    const provisioned = job({ state: JobState.Succeeded, finishedAt: iso(T0 - 60_000) });
    const teardown = job({
      type: "deprovision",
      correlationId: "c-d1",
      blockDeletionOnFailure: true,
      configVersion: undefined,
    });
    const out = await step(
      provider,
      input({
        status: status({ jobs: [provisioned, teardown], reconciledConfigVersion: V1 }),
        deleting: true,
      }),
    );
    const byType = Object.fromEntries(out.status.jobs.map((j) => [j.type, j]));
    expect(byType.deprovision?.timing).toEqual({ finishedMs: 2_000 });
    expect(byType.provision).toEqual(provisioned);
  });
});

describe("execute: a timed-out job's cancel", () => {
  it("leaves the job Failed by the timeout, records the request on it, and no other job", async () => {
    const canceled: string[] = [];
    const provider = fake({
      cancelJob: (_r, jobId) => {
        canceled.push(jobId);
        return Promise.resolve();
      },
    });
    const earlier = job({
      jobId: "j0",
      correlationId: "c-j0",
      state: JobState.Failed,
      launchedAt: iso(T0 - 3_600_000),
      finishedAt: iso(T0 - 3_000_000),
    });
    const late = job({ launchedAt: iso(T0 - 120_000) });
    const out = await step(
      provider,
      input({ status: status({ jobs: [earlier, late] }), options: { jobTimeoutMs: 60_000 } }),
    );
    expect(canceled).toEqual(["j1"]);
    const j1 = out.status.jobs.find((j) => j.jobId === "j1");
    expect(j1?.state).toBe(JobState.Failed);
    expect(j1?.cancelRequestedAt).toBe(iso(T0));
    expect(out.status.jobs.find((j) => j.jobId === "j0")).toEqual(earlier);
  });
});

describe("execute: a tracer and a deprovision job sharing the provision job's id", () => {
  it("is told the state of the deprovision job the launch created", async () => {
    const { tracer, ended } = recordingTracer();
    const provider = fake({
      triggerDeprovision: () =>
        Promise.resolve({ action: "triggered", jobId: "j1", blockDeletionOnFailure: true }),
    });
    await step(provider, input({ status: status({ jobs: [endedProvision()] }), deleting: true }), {
      tracer,
    });
    expect(ended).toStrictEqual([{ jobId: "j1", state: JobState.Pending, action: "triggered" }]);
  });
});
