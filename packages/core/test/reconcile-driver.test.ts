/**
 * The reconcile driver's own decisions: an action withheld by `mayAct`, the finalizer and
 * requeue when it stops, the queue time it records on a launched job, signals read once,
 * and what a tracer is told about the reconcile (issue 21: behaviours the mutation run
 * showed unpinned in reconcile.ts).
 */
import { describe, expect, it } from "vitest";
import {
  AbortedError,
  JobState,
  MAX_TIMING_OFFSET_MS,
  configVersion,
  latestJob,
  providerSet,
  reconcile,
  type JobRecord,
  type JobTraceInfo,
  type JobTracer,
  type Provider,
  type ProvisioningStatus,
  type ResourceObject,
} from "@provisionkit/core";
import { T0, V1, iso, job, status } from "./support/fixtures.js";

const resource: ResourceObject = {
  metadata: { name: "r", namespace: "ns", generation: 5 },
  spec: {},
};
const deleted: ResourceObject = {
  metadata: { ...resource.metadata, deletionTimestamp: iso(T0) },
  spec: {},
};

function fake(over: Partial<Provider> = {}): Provider {
  const never = () => Promise.reject(new Error("not scripted"));
  return {
    name: "memory",
    triggerProvision: () =>
      Promise.resolve({ jobId: "j1", initialState: JobState.Pending, message: "" }),
    getProvisionStatus: never,
    triggerDeprovision: never,
    getDeprovisionStatus: never,
    ...over,
  };
}

function writes() {
  const saved: { status: ProvisioningStatus; reason: string }[] = [];
  const persist = (s: ProvisioningStatus, reason: string) => {
    saved.push({ status: s, reason });
    return Promise.resolve();
  };
  return { saved, persist };
}

/** A tracer that records what the reconcile tells it. */
function recordingTracer() {
  const log: string[] = [];
  const tracer: JobTracer = {
    startLaunch: () => ({
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      end: () => undefined,
    }),
    jobEnded: (key, j) => log.push(`jobEnded ${key} ${j.type}:${j.jobId}`),
    startReconcile: (key, at) => {
      log.push(`start ${key} ${at - T0}`);
      return {
        link: (tp) => log.push(`link ${String(tp).slice(0, 10)}`),
        step: (action, jobId) => log.push(`step ${action}${jobId ? ` ${jobId}` : ""}`),
        end: (at, error) =>
          log.push(`end ${at - T0}${error instanceof Error ? ` ${error.message}` : ""}`),
      };
    },
  };
  return { tracer, log };
}

describe("reconcile: an action mayAct withholds", () => {
  it("is returned without persisting or calling the provider; the reconcile asks to come back", async () => {
    const calls: string[] = [];
    const { saved, persist } = writes();
    const result = await reconcile({
      resource,
      status: undefined,
      providers: fake({
        triggerProvision: () => {
          calls.push("launch");
          return Promise.reject(new Error("unexpected"));
        },
      }),
      persist,
      clock: () => T0,
      options: { pollIntervalMs: 7_000 },
      mayAct: (action) => action.kind !== "launch",
    });
    expect(calls).toEqual([]);
    expect(saved).toEqual([]);
    expect(result.withheld?.kind).toBe("launch");
    expect(result.finalizer).toBe("ensure");
    expect(result.requeueAfterMs).toBe(7_000);
    expect(result.steps).toBe(0);
    expect(result.status.pendingLaunch).toBeUndefined();
  });

  it("while deleting, the finalizer is kept", async () => {
    const { persist } = writes();
    const result = await reconcile({
      resource: deleted,
      status: status({ jobs: [job({ state: JobState.Succeeded, finishedAt: iso(T0 - 1_000) })] }),
      providers: fake(),
      persist,
      clock: () => T0,
      mayAct: () => false,
    });
    expect(result.withheld?.kind).toBe("launch");
    expect(result.finalizer).toBe("keep");
  });

  it("is not asked about a decision with nothing to do", async () => {
    const asked: string[] = [];
    const { persist } = writes();
    const result = await reconcile({
      resource,
      status: status({
        jobs: [job({ state: JobState.Succeeded, finishedAt: iso(T0 - 1_000) })],
        reconciledConfigVersion: V1,
      }),
      desiredConfigVersion: V1,
      providers: fake(),
      persist,
      clock: () => T0,
      mayAct: (action) => {
        asked.push(action.kind);
        return false;
      },
    });
    expect(asked).toEqual([]);
    expect(result.withheld).toBeUndefined();
    expect(result.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("lets the actions it allows through, and withholds the next one", async () => {
    const { saved, persist } = writes();
    const result = await reconcile({
      resource,
      status: status({ jobs: [job({ nextCheckAt: iso(T0) })], desiredConfigVersion: V1 }),
      desiredConfigVersion: V1,
      providers: fake({
        getProvisionStatus: (_r, jobId) =>
          Promise.resolve({ jobId, state: JobState.Failed, message: "broke" }),
      }),
      persist,
      clock: () => T0,
      options: { provisionBackoff: { initialMs: 0, factor: 1, maxMs: 0 } },
      mayAct: (action) => action.kind === "poll",
    });
    expect(result.steps).toBe(1);
    expect(result.withheld?.kind).toBe("launch");
    expect(saved.map((w) => w.reason)).toEqual(["update"]);
    expect(latestJob(result.status.jobs, "provision")?.state).toBe(JobState.Failed);
  });
});

describe("reconcile: stopping at maxSteps", () => {
  it("while deleting keeps the finalizer and asks to be requeued at once", async () => {
    const { persist } = writes();
    const result = await reconcile({
      resource: deleted,
      status: status({ jobs: [job({ state: JobState.Succeeded, finishedAt: iso(T0 - 1_000) })] }),
      providers: fake({
        triggerDeprovision: () =>
          Promise.resolve({ action: "triggered", jobId: "d1", blockDeletionOnFailure: true }),
      }),
      persist,
      clock: () => T0,
      maxSteps: 1,
    });
    expect(result.steps).toBe(1);
    expect(result.finalizer).toBe("keep");
    expect(result.requeueAfterMs).toBe(0);
    expect(latestJob(result.status.jobs, "deprovision")?.jobId).toBe("d1");
  });
});

describe("reconcile: the queue time recorded on a launched job", () => {
  const launchWith = async (queuedAt: number | undefined, startedAt?: number) => {
    const { persist } = writes();
    const result = await reconcile({
      resource,
      status: undefined,
      providers: fake(),
      persist,
      clock: () => T0,
      maxSteps: 1,
      ...(queuedAt === undefined ? {} : { queuedAt }),
      ...(startedAt === undefined ? {} : { startedAt }),
    });
    return latestJob(result.status.jobs, "provision")?.timing;
  };

  it("is recorded when it precedes the reconcile's start", async () => {
    expect(await launchWith(T0 - 2_000, T0 - 500)).toMatchObject({
      queuedMs: -2_000,
      reconcileMs: -500,
    });
  });

  it("a queue time equal to the start counts; the start defaults to the clock at the call", async () => {
    expect(await launchWith(T0)).toMatchObject({ queuedMs: 0, reconcileMs: 0 });
  });

  it("a queue time after the start (another time base) is not used", async () => {
    const timing = await launchWith(T0 + 1, T0);
    expect(timing && "queuedMs" in timing).toBe(false);
    expect(timing?.reconcileMs).toBe(0);
  });

  it("a queue time further back than a timing offset may reach is not used", async () => {
    const timing = await launchWith(0, T0);
    expect(timing && "queuedMs" in timing).toBe(false);
  });
});

describe("reconcile: completion signals", () => {
  it("a signaled job is read once in a call, not again for the same signal", async () => {
    const reads: string[] = [];
    const { persist } = writes();
    const running = job({ nextCheckAt: iso(T0 + 60_000), updatedAt: iso(T0) });
    const result = await reconcile({
      resource,
      status: status({ jobs: [running], desiredConfigVersion: V1 }),
      desiredConfigVersion: V1,
      providers: fake({
        getProvisionStatus: (_r, jobId) => {
          reads.push(jobId);
          return Promise.resolve({ jobId, state: JobState.Running, message: "still" });
        },
      }),
      persist,
      clock: () => T0,
      signaledJobIds: new Set(["j1"]),
    });
    expect(reads).toEqual(["j1"]);
    expect(result.steps).toBe(1);
    expect(result.requeueAfterMs).toBeGreaterThan(0);
  });
});

describe("reconcile: passes the caller's inputs to the engine", () => {
  it("the resource's generation becomes the conditions' observedGeneration", async () => {
    const { persist } = writes();
    const result = await reconcile({
      resource,
      status: undefined,
      providers: fake(),
      persist,
      clock: () => T0,
      maxSteps: 1,
    });
    for (const c of result.status.conditions) expect(c.observedGeneration, c.type).toBe(5);
  });

  it("expectedDurationMs schedules the first read of a launched job", async () => {
    const { persist } = writes();
    const seen: JobRecord[] = [];
    const result = await reconcile({
      resource,
      status: undefined,
      providers: fake(),
      persist,
      clock: () => T0,
      maxSteps: 1,
      options: { pollIntervalMs: 5_000 },
      expectedDurationMs: (j) => {
        seen.push(j);
        return 600_000;
      },
    });
    expect(seen.length).toBeGreaterThan(0);
    const plain = await reconcile({
      resource,
      status: undefined,
      providers: fake(),
      persist,
      clock: () => T0,
      maxSteps: 1,
      options: { pollIntervalMs: 5_000 },
    });
    expect(latestJob(plain.status.jobs, "provision")?.nextCheckAt).toBe(iso(T0 + 5_000));
    expect(latestJob(result.status.jobs, "provision")?.nextCheckAt).not.toBe(iso(T0 + 5_000));
  });
});

describe("reconcile: what a tracer is told", () => {
  it("the reconcile's start and end, each step, the launched job's link, and a job's end once", async () => {
    const { tracer, log } = recordingTracer();
    const clock = { now: T0 };
    const { persist } = writes();
    const first = await reconcile({
      resource,
      status: undefined,
      providers: fake(),
      persist,
      clock: () => clock.now,
      tracer,
      maxSteps: 1,
    });
    expect(log).toEqual(["start ns/r 0", "step launch provision", "link 00-0af7651", "end 0"]);
    log.length = 0;
    clock.now = T0 + 60_000;
    await reconcile({
      resource,
      status: first.status,
      providers: fake({
        getProvisionStatus: (_r, jobId) =>
          Promise.resolve({ jobId, state: JobState.Succeeded, message: "done" }),
      }),
      persist,
      clock: () => clock.now,
      tracer,
    });
    expect(log).toEqual([
      "start ns/r 60000",
      "step poll j1",
      "link 00-0af7651",
      "jobEnded ns/r provision:j1",
      "end 60000",
    ]);
  });

  it("a reconcile that throws ends its span with the error", async () => {
    const { tracer, log } = recordingTracer();
    await expect(
      reconcile({
        resource,
        status: undefined,
        providers: fake(),
        persist: () => Promise.reject(new Error("conflict")),
        clock: () => T0,
        tracer,
      }),
    ).rejects.toThrow("conflict");
    expect(log.at(-1)).toBe("end 0 conflict");
  });
});

describe("reconcile: more of what a tracer is told", () => {
  it("a launch links only the job it created, not earlier jobs with trace context", async () => {
    const { tracer, log } = recordingTracer();
    const { persist } = writes();
    const earlier = job({
      state: JobState.Failed,
      finishedAt: iso(T0 - 3_600_000),
      traceparent: "00-11111111111111111111111111111111-2222222222222222-01",
      timing: { writtenMs: 1 },
    });
    await reconcile({
      resource,
      status: status({ jobs: [earlier] }),
      desiredConfigVersion: V1,
      providers: fake({
        triggerProvision: () =>
          Promise.resolve({ jobId: "j2", initialState: JobState.Pending, message: "" }),
      }),
      persist,
      clock: () => T0,
      tracer,
      maxSteps: 1,
    });
    expect(log.filter((l) => l.startsWith("link"))).toEqual(["link 00-0af7651"]);
  });

  it("a poll of a job without trace context links nothing; a cancel and a lookup are steps by name", async () => {
    const { tracer, log } = recordingTracer();
    const { persist } = writes();
    await reconcile({
      resource,
      status: status({ jobs: [job({ nextCheckAt: iso(T0) })], desiredConfigVersion: V1 }),
      desiredConfigVersion: V1,
      providers: fake({
        getProvisionStatus: (_r, jobId) =>
          Promise.resolve({ jobId, state: JobState.Running, message: "" }),
      }),
      persist,
      clock: () => T0,
      tracer,
    });
    expect(log).toEqual(["start ns/r 0", "step poll j1", "end 0"]);
    log.length = 0;
    await reconcile({
      resource,
      status: status({ jobs: [job()], desiredConfigVersion: V1 }),
      desiredConfigVersion: "sha256:33333333333333333333333333333333",
      providers: fake({ cancelJob: () => Promise.resolve() }),
      persist,
      clock: () => T0,
      options: { onSpecChangeWhileRunning: "cancel" },
      tracer,
      maxSteps: 1,
    });
    expect(log).toContain("step cancel j1");
    log.length = 0;
    await reconcile({
      resource,
      status: status({
        pendingLaunch: {
          type: "provision",
          correlationId: "c-lost",
          provider: "memory",
          configVersion: V1,
          attempt: 1,
          createdAt: iso(T0 - 3_600_000),
        },
      }),
      desiredConfigVersion: V1,
      providers: fake({
        findJob: () => Promise.resolve({ jobId: "j5", state: JobState.Running, message: "" }),
      }),
      persist,
      clock: () => T0,
      tracer,
      maxSteps: 1,
    });
    expect(log).toContain("step adopt");
  });

  it("a job that had ended before this reconcile is not reported ended again", async () => {
    const { tracer, log } = recordingTracer();
    const { persist } = writes();
    const old = job({ state: JobState.Failed, finishedAt: iso(T0 - 3_600_000) });
    const result = await reconcile({
      resource,
      status: status({ jobs: [old] }),
      desiredConfigVersion: V1,
      providers: fake({
        triggerProvision: () =>
          Promise.resolve({ jobId: "j2", initialState: JobState.Pending, message: "" }),
      }),
      persist,
      clock: () => T0,
      tracer,
      maxSteps: 1,
    });
    expect(log.filter((l) => l.startsWith("jobEnded"))).toEqual([]);
    expect(result.status.jobs.find((j) => j.jobId === "j1")).toEqual(old);
  });
});

describe("reconcile: its own defaults", () => {
  it("the desired config version is the resource spec's", async () => {
    const { persist } = writes();
    const specced: ResourceObject = { ...resource, spec: { cores: 2 } };
    const result = await reconcile({
      resource: specced,
      status: undefined,
      providers: fake(),
      persist,
      clock: () => T0,
      maxSteps: 1,
    });
    expect(latestJob(result.status.jobs, "provision")?.configVersion).toBe(
      configVersion({ cores: 2 }),
    );
    expect(configVersion({ cores: 2 })).not.toBe(configVersion({}));
  });

  it("a desired config version of exactly the status string bound is accepted", async () => {
    const { persist } = writes();
    const result = await reconcile({
      resource,
      status: undefined,
      providers: fake(),
      persist,
      clock: () => T0,
      maxSteps: 1,
      desiredConfigVersion: "v".repeat(253),
    });
    expect(latestJob(result.status.jobs, "provision")?.configVersion).toHaveLength(253);
  });

  it("a provider set: a job of the older provider is read through it", async () => {
    const reads: string[] = [];
    const { persist } = writes();
    const old = fake({
      name: "old",
      getProvisionStatus: (_r, jobId) => {
        reads.push(jobId);
        return Promise.resolve({ jobId, state: JobState.Running, message: "" });
      },
    });
    await reconcile({
      resource,
      status: status({ jobs: [job({ provider: "old" })], desiredConfigVersion: V1 }),
      desiredConfigVersion: V1,
      providers: providerSet(fake({ name: "new" }), old),
      persist,
      clock: () => T0,
      maxSteps: 1,
    });
    expect(reads).toEqual(["j1"]);
  });

  it("stopping at maxSteps while not deleting ensures the finalizer", async () => {
    const { persist } = writes();
    const result = await reconcile({
      resource,
      status: undefined,
      providers: fake(),
      persist,
      clock: () => T0,
      maxSteps: 1,
    });
    expect(result.steps).toBe(1);
    expect(result.finalizer).toBe("ensure");
  });

  it("completion signals do not disturb a launch", async () => {
    const { persist } = writes();
    const result = await reconcile({
      resource,
      status: undefined,
      providers: fake(),
      persist,
      clock: () => T0,
      maxSteps: 1,
      signaledJobIds: new Set(["other"]),
    });
    expect(latestJob(result.status.jobs, "provision")?.jobId).toBe("j1");
  });
});

describe("reconcile: the queue time's reach", () => {
  /** Launches with a tracer; returns the launched job's timing and what the tracer was told. */
  const launch = async (queuedAt: number) => {
    const told: JobTraceInfo[] = [];
    const { persist } = writes();
    const result = await reconcile({
      resource,
      status: undefined,
      providers: fake(),
      persist,
      clock: () => T0,
      maxSteps: 1,
      queuedAt,
      tracer: {
        startLaunch: (info) => {
          told.push(info);
          return { traceparent: undefined, end: () => undefined };
        },
        jobEnded: () => undefined,
        startReconcile: () => ({
          link: () => undefined,
          step: () => undefined,
          end: () => undefined,
        }),
      },
    });
    return { timing: latestJob(result.status.jobs, "provision")?.timing, told };
  };

  it("a queue time exactly as far back as a timing offset reaches is recorded and traced", async () => {
    const { timing, told } = await launch(T0 - MAX_TIMING_OFFSET_MS);
    expect(timing?.queuedMs).toBe(-MAX_TIMING_OFFSET_MS);
    expect(told.map((i) => i.queuedAt)).toEqual([T0 - MAX_TIMING_OFFSET_MS]);
  });

  it("a queue time further back is neither recorded nor given to the tracer", async () => {
    const { timing, told } = await launch(T0 - MAX_TIMING_OFFSET_MS - 1);
    expect(timing?.queuedMs).toBeUndefined();
    expect(told).toHaveLength(1);
    expect(told[0]?.queuedAt).toBeUndefined();
    expect(told[0]?.reconcileStartedAt).toBe(T0);
  });
});

describe("reconcile: completion signals of several jobs", () => {
  it("reading one signaled job does not use up the signal of another", async () => {
    // j1 is signaled and read (it failed); the relaunch creates j2, whose signal came
    // with j1's: j2 is read at once in the same call, not at its scheduled check.
    const reads: string[] = [];
    const { persist } = writes();
    const result = await reconcile({
      resource,
      status: status({ jobs: [job({ nextCheckAt: iso(T0 + 60_000) })], desiredConfigVersion: V1 }),
      desiredConfigVersion: V1,
      providers: fake({
        triggerProvision: () =>
          Promise.resolve({ jobId: "j2", initialState: JobState.Running, message: "" }),
        getProvisionStatus: (_r, jobId) => {
          reads.push(jobId);
          return Promise.resolve({
            jobId,
            state: jobId === "j1" ? JobState.Failed : JobState.Running,
            message: "",
          });
        },
      }),
      persist,
      clock: () => T0,
      options: { pollIntervalMs: 30_000, provisionBackoff: { initialMs: 0, factor: 1, maxMs: 0 } },
      signaledJobIds: new Set(["j1", "j2"]),
    });
    expect(reads).toEqual(["j1", "j2"]);
    expect(latestJob(result.status.jobs, "provision")?.jobId).toBe("j2");
    expect(result.requeueAfterMs).toBeGreaterThan(0);
  });
});

describe("reconcile: an aborted signal", () => {
  it("stops the reconcile with an AbortedError before any provider call or write", async () => {
    const calls: string[] = [];
    const { saved, persist } = writes();
    const controller = new AbortController();
    controller.abort();
    const error = await reconcile({
      resource,
      status: undefined,
      providers: fake({
        triggerProvision: () => {
          calls.push("launch");
          return Promise.reject(new Error("unexpected"));
        },
      }),
      persist,
      clock: () => T0,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as Error).message).toContain("reconcile");
    expect(calls).toEqual([]);
    expect(saved).toEqual([]);
  });
});
