import {
  JobState,
  explainResource,
  renderExplain,
  type JobRecord,
  type ResourceObject,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

function object(
  provisioning: Record<string, unknown> | undefined,
  extra: { annotations?: Record<string, string>; deleting?: boolean; conditions?: unknown[] } = {},
): ResourceObject {
  return {
    apiVersion: "example.com/v1",
    kind: "ComputeInstance",
    metadata: {
      name: "vm-1",
      namespace: "default",
      ...(extra.annotations && { annotations: extra.annotations }),
      ...(extra.deleting && { deletionTimestamp: iso(T0) }),
    },
    spec: {},
    ...(provisioning && {
      status: { provisioning, conditions: extra.conditions ?? [] },
    }),
  };
}

function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId: "job:7",
    type: "provision",
    state: JobState.Running,
    message: "running",
    provider: "aap",
    correlationId: "c-1",
    launchedAt: iso(T0),
    updatedAt: iso(T0),
    attempt: 1,
    configVersion: "v1",
    ...overrides,
  };
}

const at = (ms: number) => ({ now: T0 + ms });
const cond = (type: string, status: string, reason = "R", message = "m") => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: iso(T0),
});

describe("what the controller waits for, derived from status", () => {
  it.each([
    ["no status yet", object(undefined), /^a first reconcile/],
    [
      "paused",
      object({ jobs: [] }, { annotations: { "provisionkit.io/paused": "true" } }),
      /^nothing: paused by annotation provisionkit\.io\/paused/,
    ],
    [
      "a launch under way",
      object({
        jobs: [],
        pendingLaunch: {
          type: "provision",
          correlationId: "c-9",
          provider: "aap",
          attempt: 1,
          createdAt: iso(T0),
        },
      }),
      /^the provision launch c-9, under way since/,
    ],
    [
      "a launch whose outcome a human must give",
      object(
        {
          jobs: [],
          pendingLaunch: {
            type: "provision",
            correlationId: "c-9",
            provider: "aap",
            attempt: 1,
            createdAt: iso(T0),
          },
        },
        { conditions: [cond("LaunchOutcomeUnknown", "True")] },
      ),
      /^a human: .*provisionkit\.io\/launch-resolution/,
    ],
    [
      "a running job",
      object({ jobs: [job({ nextCheckAt: iso(T0 + 90_000) })] }),
      /^provision job job:7 \(aap\), Running for 1m00s; next check at .* \(in 30\.0s\)/,
    ],
    [
      "a launch failure's retry",
      object({
        jobs: [],
        launchFailure: {
          type: "provision",
          code: "TemplateNotFound",
          message: "no template",
          count: 3,
          at: iso(T0),
          retryAt: iso(T0 + 120_000),
        },
      }),
      /^a retry of the failed provision launch \(TemplateNotFound, 3× in a row\) at .* \(in 1m00s\)/,
    ],
    [
      "a blocked deletion",
      object(
        { jobs: [job({ type: "deprovision", state: JobState.Failed, finishedAt: iso(T0) })] },
        {
          deleting: true,
          conditions: [cond("DeletionBlocked", "True", "DeprovisionFailed", "cloud API down")],
        },
      ),
      /^deletion blocked \(DeprovisionFailed\): cloud API down/,
    ],
    [
      "a provision still to launch",
      object({ jobs: [], desiredConfigVersion: "v2", reconciledConfigVersion: "v1" }),
      /^a provision of config version v2/,
    ],
    [
      "nothing",
      object({
        jobs: [job({ state: JobState.Succeeded })],
        desiredConfigVersion: "v1",
        reconciledConfigVersion: "v1",
      }),
      /^nothing: Ready, config version v1 applied/,
    ],
  ])("%s", (_name, resource, expected) => {
    expect(explainResource(resource, at(60_000)).waitingFor).toMatch(expected);
  });
});

describe("the timeline", () => {
  it("shows each phase's duration, an ongoing one up to now, and fits 80 columns", () => {
    const done = job({
      state: JobState.Succeeded,
      finishedAt: iso(T0 + 649_000),
      timing: {
        queuedMs: -2000,
        reconcileMs: -50,
        launchStartMs: 10,
        launchEndMs: 900,
        createdMs: 800,
        startedMs: 480_800,
        finishedMs: 640_800,
        seenMs: 649_000,
        writtenMs: 649_030,
      },
    });
    const running = job({
      jobId: "job:8",
      launchedAt: iso(T0 + 700_000),
      timing: { launchStartMs: 5, launchEndMs: 305 },
    });
    const old = job({ jobId: "job:6", state: JobState.Failed, finishedAt: iso(T0) });
    const report = explainResource(object({ jobs: [old, done, running] }), at(760_000));
    const [o, d, r] = report.jobs;
    expect(o!.phases).toEqual([]);
    expect(d!.phases.map((p) => [p.name, p.durationMs, p.ongoing])).toEqual([
      ["queued", 1950, false],
      ["prepare", 60, false],
      ["launch", 890, false],
      ["backend-queued", 480_000, false],
      ["running", 160_000, false],
      ["detection", 8200, false],
      ["status-write", 30, false],
    ]);
    expect(d!.totalMs).toBe(651_030);
    expect(r!.phases.map((p) => [p.name, p.durationMs, p.ongoing])).toEqual([
      ["launch", 300, false],
      ["backend", 59_695, true],
    ]);
    const text = renderExplain(report);
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(text).toContain("(no timing recorded");
    expect(text).toMatch(/^ {2}backend-queued +\+800ms +8m00s {2}\|/m);
    expect(text).toMatch(/^ {2}backend +\+305ms +59\.7s… {2}\|/m);
  });
});
