/**
 * Issue 15: each new scenario and check is sharp (a broken provider written from the bug's
 * description fails on the rule named) and raises no false alarm (the contract-keeping
 * MemoryProvider, and the correct variations that once failed, pass the same scenarios).
 */
import type { Provider } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  memoryBackend,
  type ConformanceBackend,
  runConformance,
  type ConformanceReport,
  type MemoryBackend,
  type MemoryConformanceOptions,
  type MemoryProviderOptions,
  type RuleId,
} from "../../src/index.js";
import {
  CancelsAndTriggers,
  ContainedFindJob,
  CancelsThenReadsBack,
  FirstJobOfTemplate,
  FirstProvisionJob,
  FlippingBlockFlag,
  GoneMeansDone,
  ReadFailureIsNotFound,
  LookupFailureIsAbsence,
  LostAnswerIsFailure,
  OutageAsConfigurationError,
  PrefixFindJob,
  RetriesThenTransient,
  RetryAfterAsMs,
  SubstringFindJob,
  WaitsOutHeldRequests,
} from "./broken/blind-spots.js";

type Make = new (backend: MemoryBackend, options: Required<MemoryProviderOptions>) => Provider;

function run(
  make: Make | undefined,
  scenarios: string[],
  extra: MemoryConformanceOptions = {},
): Promise<ConformanceReport> {
  const options: MemoryConformanceOptions = { ...extra };
  if (make) options.provider = (backend, settings) => new make(backend, settings);
  return runConformance({ backend: () => memoryBackend(options), scenarios });
}

function failed(report: ConformanceReport): RuleId[] {
  return report.rules.filter((r) => r.status === "failed").map((r) => r.rule);
}

function messages(report: ConformanceReport): string {
  return report.scenarios.flatMap((s) => s.violations.map((v) => v.message)).join("\n");
}

/** A broken provider, the scenarios that reveal it, and the rules it must fail (at least). */
const SHARP: readonly {
  name: string;
  make: Make;
  scenarios: string[];
  rules: RuleId[];
  options?: MemoryConformanceOptions;
}[] = [
  {
    name: "waits out a request the backend holds, ignoring its AbortSignal",
    make: WaitsOutHeldRequests,
    scenarios: ["hung-requests"],
    rules: ["L1"],
  },
  {
    name: "cancels the running provision job and triggers the deprovision at once",
    make: CancelsAndTriggers,
    scenarios: ["delete-while-provisioning"],
    rules: ["P5"],
  },
  {
    name: "looks at the first provision job instead of the latest when deprovisioning",
    make: FirstProvisionJob,
    scenarios: ["delete-during-second-provision"],
    rules: ["P5"],
  },
  {
    name: "reads a 20 s Retry-After as 20 ms",
    make: RetryAfterAsMs,
    scenarios: ["rate-limited-launch"],
    rules: ["P8"],
  },
  {
    name: "reports a purged job as Succeeded (gone means done)",
    make: GoneMeansDone,
    scenarios: ["purged-failed-job"],
    rules: ["E3"],
  },
  {
    name: "turns a lost launch answer into a definite failure",
    make: LostAnswerIsFailure,
    scenarios: ["lost-launch-answer"],
    rules: ["E5"],
  },
  {
    name: "has no findJob and turns a lost launch answer into a definite failure",
    make: LostAnswerIsFailure,
    scenarios: ["lost-launch-answer"],
    rules: ["E5"],
    options: { findJob: false },
  },
  {
    name: "answers no such job when a lookup fails beyond its retries",
    make: LookupFailureIsAbsence,
    scenarios: ["lookup-outage-after-lost-answer"],
    rules: ["E5"],
  },
  {
    name: "turns a read outage beyond its retries into a ConfigurationError",
    make: OutageAsConfigurationError,
    scenarios: ["transient-read-outage"],
    rules: ["P8"],
  },
  {
    name: "reports a status read failing beyond its retries as a job not found (and so relaunches)",
    make: ReadFailureIsNotFound,
    scenarios: ["transient-read-outage"],
    rules: ["E1"],
  },
  {
    name: "adopts the first job of the template, whatever its correlation id and resource",
    make: FirstJobOfTemplate,
    scenarios: ["crash-among-other-jobs"],
    rules: ["E5"],
  },
  {
    name: "finds jobs by a substring of the correlation id, newest first",
    make: SubstringFindJob,
    scenarios: ["crash-among-similar-ids"],
    rules: ["E5"],
  },
  {
    name: "finds jobs by a prefix of the correlation id, oldest first",
    make: PrefixFindJob,
    scenarios: ["crash-among-similar-ids"],
    rules: ["E5"],
  },
  {
    name: "finds jobs whose correlation id is inside the one asked for",
    make: ContainedFindJob,
    scenarios: ["crash-among-similar-ids"],
    rules: ["E5"],
  },
  {
    name: "changes blockDeletionOnFailure between attempts",
    make: FlippingBlockFlag,
    scenarios: ["failed-deprovision-blocking"],
    rules: ["P7"],
  },
];

describe("issue 15: the new scenarios and checks are sharp", { timeout: 60_000 }, () => {
  for (const broken of SHARP) {
    it(`a provider that ${broken.name} fails ${broken.rules.join(", ")}`, async () => {
      const report = await run(broken.make, broken.scenarios, broken.options);
      expect(report.passed, messages(report)).toBe(false);
      for (const rule of broken.rules) expect(failed(report), messages(report)).toContain(rule);
    });
  }
});

describe("issue 15: no false alarms on correct providers", { timeout: 60_000 }, () => {
  const scenarios = [
    "delete-while-provisioning",
    "delete-during-second-provision",
    "rate-limited-launch",
    "purged-failed-job",
    "lost-launch-answer",
    "transient-read-outage",
    "crash-among-other-jobs",
    "crash-among-similar-ids",
    "lookup-outage-after-lost-answer",
    "failed-deprovision-blocking",
    "hung-requests",
  ];

  it("the MemoryProvider passes every new scenario", async () => {
    const report = await run(undefined, scenarios);
    expect(messages(report)).toBe("");
    expect(report.passed).toBe(true);
  });

  it("E5: without findJob, a lost launch answer leaves the engine blocked for a human, and that passes", async () => {
    const report = await run(undefined, ["lost-launch-answer"], { findJob: false });
    expect(messages(report)).toBe("");
    expect(report.scenarios[0]?.status).toBe("passed");
    const marks = report.scenarios[0]?.timelines.flatMap((t) => t.marks.map((m) => m.label));
    expect(marks).toContain("LaunchOutcomeUnknown (provision corr-1)");
  });

  it("E2/E4: a wrongly adopted job the engine read as not found times the backoff from that read, not from the real job's end (crash-among-other-jobs: E5 only)", async () => {
    // The engine adopted w2's job for w1 (the broken findJob), read it as not found at
    // t+10s and relaunched after its 30 s backoff at t+40s: the backoff once looked broken
    // when timed from w1's own (never read) job's end at t+30s.
    const report = await run(FirstJobOfTemplate, ["crash-among-other-jobs"]);
    expect(failed(report), messages(report)).toEqual(["E5"]);
  });

  it("crash-among-similar-ids skips, saying why, on a backend whose ledger shows no correlation ids", async () => {
    const inner = memoryBackend();
    const backend: ConformanceBackend = {
      name: "memory backend without correlation ids",
      controls: inner.controls,
      start: (context) => inner.start(context),
      stop: () => inner.stop(),
      provider: () => inner.provider(),
      ledger: () => inner.ledger().map(({ correlationId: _hidden, ...job }) => job),
      scriptNext: (operation, script) => inner.scriptNext(operation, script),
      launchStray: (like, id) => inner.launchStray!(like, id),
    };
    const report = await runConformance({
      backend: () => backend,
      scenarios: ["crash-among-similar-ids"],
    });
    expect(report.scenarios[0]?.status, messages(report)).toBe("skipped");
    expect(report.scenarios[0]?.skipReason).toMatch(/no correlation id/);
  });

  it("a provider retrying 503s like an HTTP client, then throwing TransientError, passes the outage", async () => {
    const report = await run(RetriesThenTransient, [
      "transient-failure",
      "transient-read-outage",
      "lookup-outage-after-lost-answer",
    ]);
    expect(messages(report)).toBe("");
  });

  it("P8: overlapping rate limits (1001 ms, then 1000 ms) answered with the newest wait are no false alarm (MemoryProvider, seed 3, 300 runs)", async () => {
    const report = await runConformance({
      backend: () => memoryBackend(),
      scenarios: ["randomized-interleavings"],
      seed: 3,
      numRuns: 300,
    });
    const p8 = report.scenarios.flatMap((s) => s.violations).filter((v) => v.rule === "P8");
    expect(p8.map((v) => v.message)).toEqual([]);
  });

  it("P5: a deprovision triggered in the call whose cancel ended the provision job passes (AWX cancels a pending job at once)", async () => {
    const report = await run(
      CancelsThenReadsBack,
      ["delete-while-provisioning", "randomized-interleavings"],
      {
        cancelDelayMs: 0,
      },
    );
    expect(messages(report)).toBe("");
  });
});
