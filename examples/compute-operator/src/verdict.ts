/**
 * How every story ends: stop the operator, read the final objects from the API and the
 * backend's truth (the AAP ledger, EDA's event log), stop everything, then print the
 * summary table, the operator's metrics, whether the story reached its expected end, and
 * the invariants. The exit code is 1 if an invariant broke or the story fell short.
 */
import { ConditionType, configVersion } from "@provisionkit/core";
import type { AapLedgerJob, EdaEffectRecord, EdaEventRecord } from "@provisionkit/testing";
import {
  BACKEND_ONLY_NOTE,
  breakdownOf,
  breakdownRows,
  jobsWithoutRecord,
  type RecordedJob,
} from "./breakdown.js";
import { table } from "./console.js";
import type { DemoWorld } from "./demo-world.js";
import { expectationProblems, type Expectation } from "./expectations.js";
import {
  checkInvariants,
  invariantLine,
  operationOf,
  type ObservedResource,
} from "./invariants.js";
import { conditionIsTrue, provisioningOf } from "./observer.js";
import { operationsLines, readOperations, type OperationsReport } from "./operations.js";
import type { ComputeInstance } from "./operator.js";
import type { OperatorInstance } from "./story-kit.js";
import type { ResourceOutcome } from "./summary.js";

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** What the backends knew at the end. */
export interface BackendTruth {
  /** The AAP simulator's ledger. */
  ledger: AapLedgerJob[];
  /** Every event EDA received (EDA story). */
  events?: EdaEventRecord[];
  /** Every playbook write-back (EDA story). */
  effects?: EdaEffectRecord[];
}

/** How a story ended, and what its summary says. */
export interface StoryEnd {
  /** Why the story stopped before its end, if it did. */
  failure: string | undefined;
  /** The operator running at the end, if one started. */
  operator: OperatorInstance | undefined;
  /** The resource whose `provisionkit explain` is shown at the end (if it still exists). */
  explain?: string;
  /**
   * The job id the operator records for an AAP job of the ledger, when its jobs are AAP's
   * own (the AAP story): then every job of the ledger must have a latency breakdown.
   */
  jobIdOf?: (job: AapLedgerJob) => string;
  /** Reads the backends' truth, then stops them. */
  shutdown(): Promise<BackendTruth>;
  /** Where each resource must end. */
  expected: Readonly<Record<string, Expectation>>;
  /** `<operation> <fate>` of the EDA events of a resource (EDA story). */
  eventsOf?: (truth: BackendTruth, key: string) => string[];
  /** The story's own checks on the final state; one sentence per problem. */
  checks?: (
    finals: ReadonlyMap<string, ComputeInstance | undefined>,
    truth: BackendTruth,
  ) => string[];
  /** The summary's title. */
  title: string;
  /** The summary table's lines. */
  table: (outcomes: ResourceOutcome[], truth: BackendTruth) => string[];
  /** What a successful story proved, after "every resource reached its expected end in Ns, ". */
  success: string;
}

const average = (values: number[]): string =>
  values.length === 0
    ? "-"
    : `${(values.reduce((a, b) => a + b, 0) / values.length / 1000).toFixed(1)}s`;

/** Ends the story and prints its verdict; sets the exit code. */
export async function finish(world: DemoWorld, story: StoryEnd): Promise<void> {
  const { out, kubectl, specs, counters } = world;
  await world.observer.stop();
  const storyEnd = Date.now();
  const explain = story.explain;
  let operations: OperationsReport | undefined;
  if (story.operator) {
    operations = await readOperations(
      story.operator,
      explain === undefined
        ? undefined
        : {
            target: `computeinstance/${explain} -n ${kubectl.namespace}`,
            read: () => kubectl.get(explain),
          },
    );
    await story.operator.stop();
  }
  const names = [...specs.keys()];
  const finals = new Map<string, ComputeInstance | undefined>();
  for (const name of names) finals.set(name, await kubectl.get(name));
  const truth = await story.shutdown();
  await world.kube.stop();
  const { ledger } = truth;

  const observed: ObservedResource[] = names.map((name) => {
    const object = finals.get(name);
    const status = provisioningOf(object);
    const resource: ObservedResource = {
      key: world.keyOf(name),
      exists: object !== undefined,
      deleting: Boolean(object?.metadata.deletionTimestamp),
      ready: conditionIsTrue(object, ConditionType.Ready),
    };
    if (status?.desiredConfigVersion) resource.desiredConfigVersion = status.desiredConfigVersion;
    if (status?.reconciledConfigVersion) {
      resource.reconciledConfigVersion = status.reconciledConfigVersion;
    }
    return resource;
  });
  const report = checkInvariants(ledger, observed);

  const jobsOf = (name: string): AapLedgerJob[] =>
    ledger
      .filter((job) => job.resourceKey === world.keyOf(name))
      .sort((a, b) => a.createdAt - b.createdAt);
  const storyProblems: string[] = story.failure ? [story.failure] : [];
  storyProblems.push(
    ...expectationProblems(story.expected, (name) => {
      const object = finals.get(name);
      const spec = specs.get(name);
      return {
        jobs: jobsOf(name).map((job) => `${operationOf(job) ?? "?"} ${job.status}`),
        ...(story.eventsOf ? { events: story.eventsOf(truth, world.keyOf(name)) } : {}),
        exists: object !== undefined,
        readyAtLastSpec:
          conditionIsTrue(object, ConditionType.Ready) &&
          spec !== undefined &&
          provisioningOf(object)?.reconciledConfigVersion === configVersion(spec),
      };
    }),
    ...(story.checks?.(finals, truth) ?? []),
  );

  // Every job's record: those seen to end (kept by the operator's tracer, deleted resources'
  // too), and those still on the resources.
  const current: RecordedJob[] = names.flatMap((name) =>
    (provisioningOf(finals.get(name))?.jobs ?? []).map((job) => ({
      resource: world.keyOf(name),
      job,
    })),
  );
  const jobs = world.recorder.jobs(current);
  const jobIdOf = story.jobIdOf;
  if (jobIdOf) {
    const missing = jobsWithoutRecord(ledger, jobs, jobIdOf);
    if (missing.length > 0) {
      storyProblems.push(
        `no job record (latency breakdown) for ${missing.map((job) => jobIdOf(job)).join(", ")}`,
      );
    }
  }

  const breakdown = table(
    breakdownRows(jobs, (key) => key.split("/").pop() ?? key),
    out.paint,
  );

  const outcomes: ResourceOutcome[] = names.map((name) => ({
    name,
    object: finals.get(name),
    jobs: jobsOf(name),
  }));

  out.close();
  out.print([
    "",
    out.paint({ text: story.title, tone: "bold" }),
    "",
    ...story.table(outcomes, truth).map((line) => `  ${line}`),
    "",
    out.paint({
      text: "Latency breakdown of every job, from its record's timing (docs/tracing.md):",
      tone: "bold",
    }),
    ...breakdown.map((line) => `  ${line}`),
    ...(jobs.some(({ job }) => breakdownOf(job).backendOnly)
      ? [out.paint({ text: `  ${BACKEND_ONLY_NOTE}`, tone: "dim" })]
      : []),
    "",
    ...(operations
      ? [
          ...operationsLines(
            operations,
            out.paint,
            world.milestones.restart ? " (one registry across both operator instances)" : "",
          ),
          "",
        ]
      : []),
    `Operator metrics (from its hooks): ${counters.launched} jobs launched, ${counters.finished} seen ` +
      `to finish; Ready ${average(world.readyMs)} after creation or a spec change on average ` +
      `(${count(world.readyMs.length, "time")}); deletion done ${average(world.deletionMs)} after kubectl delete on ` +
      `average (${count(world.deletionMs.length, "time")}); ${counters.reconciles} reconciles, ` +
      `${counters.conflicts} conflicts (409) retried.`,
    storyProblems.length === 0
      ? out.paint({
          text:
            `Story: every resource reached its expected end in ` +
            `${((storyEnd - world.startedAt) / 1000).toFixed(1)}s, ${story.success}`,
          tone: "good",
        })
      : out.paint({ text: `STORY INCOMPLETE: ${storyProblems.join("; ")}`, tone: "bad" }),
    out.paint({ text: invariantLine(report), tone: report.problems.length === 0 ? "good" : "bad" }),
  ]);

  const code = storyProblems.length === 0 && report.problems.length === 0 ? 0 : 1;
  process.exitCode = code;
  // Nothing should be left running; if a socket lingers, do not hang the README command.
  setTimeout(() => process.exit(code), 2000).unref();
}
