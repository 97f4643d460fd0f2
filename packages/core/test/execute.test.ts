import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  ErrorCode,
  JobState,
  decide,
  execute,
  capabilitiesOf,
  latestJob,
  providerDeclarations,
  providerSet,
  reconcile,
  type Provider,
  type ProviderSet,
  type ResourceObject,
} from "@provisionkit/core";
import { T0, V1, V2, input, iso, job, pending, status, thrown } from "./support/fixtures.js";

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
  provider: Provider | ProviderSet,
  decideInput = input(),
  signal = new AbortController().signal,
) {
  const providers = "directory" in provider ? provider : providerSet(provider);
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

  it("providerDeclarations carries launchSettleMs to a wrapper, and only when declared", () => {
    const inner = fake({ launchSettleMs: 300_000, findJob: () => Promise.resolve(undefined) });
    const wrapper: Provider = { ...fake(), ...providerDeclarations(inner) };
    expect(capabilitiesOf(wrapper).launchSettleMs).toBe(300_000);
    expect(capabilitiesOf(inner).launchSettleMs).toBe(300_000);
    expect(providerDeclarations(fake({ launchSettleMs: 0 }))).toEqual({ launchSettleMs: 0 });
    const none = providerDeclarations(fake());
    expect(none).toEqual({});
    expect("launchSettleMs" in none).toBe(false);
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

/** `status` with the running provision job `j1` (of V1), due for a poll at T0. */
const running = () => status({ jobs: [job()] });

/** The spec moved to V2 while `j1` runs, under the cancel policy: the engine cancels `j1`. */
const specChangedWhileRunning = () =>
  input({
    status: running(),
    desiredConfigVersion: V2,
    options: { onSpecChangeWhileRunning: "cancel" },
  });

describe("execute: polls, cancels and lookups", () => {
  it("polls a due job through the provider that launched it, and applies the answer", async () => {
    const asked: string[] = [];
    const old = fake({
      getProvisionStatus: (_r, jobId) => {
        asked.push(jobId);
        return Promise.resolve({ jobId, state: JobState.Succeeded, message: "done" });
      },
    });
    const current = fake({ name: "new" });
    const out = await step(providerSet(current, old), input({ status: running() }));
    expect(asked).toEqual(["j1"]);
    expect(out.status.reconciledConfigVersion).toBe(V1);
    expect(out.events.map((e) => e.reason)).toEqual(["ProvisionSucceeded"]);
  });

  it("records a failed poll on the job and keeps its state", async () => {
    const provider = fake({ getProvisionStatus: () => Promise.reject(new Error("reset")) });
    const out = await step(provider, input({ status: running() }));
    expect(latestJob(out.status.jobs, "provision")).toMatchObject({
      state: JobState.Running,
      statusError: { count: 1, message: "reset" },
    });
    expect(out.events.map((e) => e.reason)).toEqual(["StatusReadFailed"]);
  });

  it("checks a status answer (a status of another job is a contract violation)", async () => {
    const provider = fake({
      getProvisionStatus: () =>
        Promise.resolve({ jobId: "other", state: JobState.Succeeded, message: "" }),
    });
    const out = await step(provider, input({ status: running() }));
    expect(out.status.reconciledConfigVersion).toBeUndefined();
    expect(latestJob(out.status.jobs, "provision")?.statusError?.message).toMatch(/^P3/);
  });

  it("asks the provider to cancel a job the new spec replaces, and records the request", async () => {
    const canceled: unknown[] = [];
    const provider = fake({
      cancelJob: (_r, jobId, type) => {
        canceled.push([jobId, type]);
        return Promise.resolve();
      },
    });
    const out = await step(provider, specChangedWhileRunning());
    expect(canceled).toEqual([["j1", "provision"]]);
    expect(latestJob(out.status.jobs, "provision")?.cancelRequestedAt).toBe(iso(T0));
    expect(out.events[0]).toMatchObject({ reason: "CancelRequested" });
    expect(out.events[0]?.message).toMatch(/the spec changed while it ran/);
  });

  it("records a failed cancel as a failed read, except after a timeout, where it is only reported", async () => {
    const provider = fake({ cancelJob: () => Promise.reject(new Error("refused")) });
    const specChange = await step(provider, specChangedWhileRunning());
    expect(latestJob(specChange.status.jobs, "provision")?.statusError?.message).toBe("refused");
    const late = status({ jobs: [job({ launchedAt: iso(T0 - 120_000) })] });
    const timedOut = await step(
      provider,
      input({ status: late, options: { jobTimeoutMs: 60_000 } }),
    );
    expect(timedOut.events.map((e) => e.reason)).toContain("CancelFailed");
    expect(latestJob(timedOut.status.jobs, "provision")?.statusError).toBeUndefined();
  });

  describe("a launch whose outcome is unknown", () => {
    const lost = () =>
      input({
        status: status({
          pendingLaunch: pending({ correlationId: "c-lost", createdAt: iso(T0 - 1_000) }),
        }),
      });

    it("adopts the job findJob finds by correlation id", async () => {
      const queries: unknown[] = [];
      const provider = fake({
        findJob: (_r, query) => {
          queries.push(query);
          return Promise.resolve({ jobId: "j9", state: JobState.Running, message: "" });
        },
      });
      const out = await step(provider, lost());
      expect(queries).toEqual([
        { correlationId: "c-lost", type: "provision", launchedAt: iso(T0 - 1_000) },
      ]);
      expect(out.status.pendingLaunch).toBeUndefined();
      expect(latestJob(out.status.jobs, "provision")).toMatchObject({
        jobId: "j9",
        correlationId: "c-lost",
      });
      expect(out.events[0]?.reason).toBe("JobAdopted");
    });

    it("looks again later when findJob finds nothing within the grace period, or fails", async () => {
      const none = await step(fake({ findJob: () => Promise.resolve(undefined) }), lost());
      expect(none.status.pendingLaunch?.lookupAfter).toBeDefined();
      expect(none.status.jobs).toEqual([]);
      const failing = await step(fake({ findJob: () => Promise.reject(new Error("503")) }), lost());
      expect(failing.status.pendingLaunch?.lookupAfter).toBeDefined();
      expect(failing.events.map((e) => e.reason)).toEqual(["JobLookupFailed"]);
    });

    it("judges absence by when the lookup began, with the provider's launchSettleMs", async () => {
      const ended = status({
        pendingLaunch: pending({ correlationId: "c-lost", requestEndedAt: iso(T0 - 5_000) }),
      });
      const run = async (settle: number, lookupTakesMs: number) => {
        const providers = providerSet(
          fake({ launchSettleMs: settle, findJob: () => Promise.resolve(undefined) }),
        );
        const now = { t: T0 };
        const d = decide({ ...input({ status: ended }), providers: providers.directory });
        return execute(
          d,
          { ...input({ status: ended }), providers: providers.directory },
          {
            resource,
            providers,
            clock: () => {
              const at = now.t;
              now.t += lookupTakesMs;
              return at;
            },
            signal: new AbortController().signal,
          },
        );
      };
      // Began 5 s after the request ended: a settle of 5 s is over, of 6 s it is not —
      // even though this lookup itself ended 10 s later.
      expect((await run(5_000, 10_000)).status.pendingLaunch).toBeUndefined();
      const waiting = await run(6_000, 10_000);
      expect(waiting.status.pendingLaunch?.lookups).toBe(1);
      expect(waiting.events.map((e) => e.reason)).toEqual(["LaunchOutcomeUnknown"]);
    });
  });
});

describe("execute: provision and deprovision ids are separate (P2 is per job type)", () => {
  const ended = () =>
    job({ state: JobState.Succeeded, finishedAt: iso(T0 - 60_000), updatedAt: iso(T0 - 60_000) });

  it("records a deprovision job whose id equals the provision job's, without a P2 refusal", async () => {
    const provider = fake({
      triggerDeprovision: () =>
        Promise.resolve({ action: "triggered", jobId: "j1", blockDeletionOnFailure: true }),
    });
    const out = await step(
      provider,
      input({ status: status({ jobs: [ended()] }), deleting: true }),
    );
    expect(out.status.launchFailure).toBeUndefined();
    expect(out.status.jobs.map((j) => [j.type, j.jobId, j.state])).toEqual([
      ["provision", "j1", JobState.Succeeded],
      ["deprovision", "j1", JobState.Pending],
    ]);
    expect(out.events.map((e) => e.reason)).toContain("DeprovisionTriggered");
  });

  it("a poll of that deprovision job changes the deprovision record only", async () => {
    const asked: string[] = [];
    const provider = fake({
      getDeprovisionStatus: (_r, jobId) => {
        asked.push(jobId);
        return Promise.resolve({ jobId, state: JobState.Failed, message: "teardown broke" });
      },
    });
    const teardown = job({
      type: "deprovision",
      correlationId: "c-d1",
      blockDeletionOnFailure: true,
      configVersion: undefined,
    });
    const out = await step(
      provider,
      input({
        status: status({ jobs: [ended(), teardown], reconciledConfigVersion: V1 }),
        deleting: true,
      }),
    );
    expect(asked).toEqual(["j1"]);
    const byType = Object.fromEntries(out.status.jobs.map((j) => [j.type, j]));
    expect(byType.provision).toMatchObject({ state: JobState.Succeeded, message: "running" });
    expect(byType.deprovision).toMatchObject({ state: JobState.Failed, message: "teardown broke" });
  });

  it("a cancel is recorded on the job of the type it was for", async () => {
    const twin = job({
      type: "deprovision",
      jobId: "j1",
      correlationId: "c-d1",
      state: JobState.Failed,
      finishedAt: iso(T0 - 60_000),
    });
    const provider = fake({ cancelJob: () => Promise.resolve() });
    const spec = specChangedWhileRunning();
    const out = await step(provider, {
      ...spec,
      status: { ...spec.status, jobs: [twin, ...spec.status.jobs] },
    });
    const byType = Object.fromEntries(out.status.jobs.map((j) => [j.type, j]));
    expect(byType.provision?.cancelRequestedAt).toBe(iso(T0));
    expect(byType.deprovision?.cancelRequestedAt).toBeUndefined();
  });
});

describe("execute: conditions", () => {
  it("are computed for the generation the decision saw (observedGeneration)", async () => {
    const provider = fake({
      getProvisionStatus: (_r, jobId) =>
        Promise.resolve({ jobId, state: JobState.Succeeded, message: "done" }),
    });
    const out = await step(provider, input({ status: running(), generation: 7 }));
    expect(out.status.conditions.length).toBeGreaterThan(0);
    for (const c of out.status.conditions) expect(c.observedGeneration, c.type).toBe(7);
  });
});

describe("reconcile: persisting", () => {
  it("persists the pending marker before launching, and launches nothing when that write fails", async () => {
    const order: string[] = [];
    const provider = fake({
      triggerProvision: () => {
        order.push("launch");
        return Promise.resolve({ jobId: "j1", initialState: JobState.Pending, message: "" });
      },
    });
    const args = {
      resource,
      status: undefined,
      providers: provider,
      clock: () => T0,
      maxSteps: 1,
    };
    const failing = reconcile({
      ...args,
      persist: (_s: unknown, reason: string) => {
        order.push(reason);
        return Promise.reject(new Error("conflict"));
      },
    });
    await expect(failing).rejects.toThrow("conflict");
    expect(order).toEqual(["before-launch"]);
    order.length = 0;
    const written: string[] = [];
    const result = await reconcile({
      ...args,
      persist: (s, reason) => {
        order.push(reason);
        if (reason === "before-launch") written.push(s.pendingLaunch?.correlationId ?? "none");
        return Promise.resolve();
      },
    });
    expect(order).toEqual(["before-launch", "launch", "update"]);
    expect(written).toHaveLength(1);
    expect(latestJob(result.status.jobs, "provision")?.correlationId).toBe(written[0]);
  });

  it("passes a human's resolution on to the decision, which adopts the job it names", async () => {
    const lost = pending({ correlationId: "c-lost", createdAt: iso(T0 - 60_000) });
    const provider = fake({
      getProvisionStatus: (_r, jobId) =>
        Promise.resolve({ jobId, state: JobState.Running, message: "" }),
    });
    const result = await reconcile({
      resource,
      status: status({ pendingLaunch: lost }),
      providers: provider,
      clock: () => T0,
      desiredConfigVersion: V1,
      resolution: { correlationId: "c-lost", jobId: "j7" },
      persist: () => Promise.resolve(),
      maxSteps: 1,
    });
    expect(result.status.pendingLaunch).toBeUndefined();
    expect(latestJob(result.status.jobs, "provision")?.jobId).toBe("j7");
  });
});
