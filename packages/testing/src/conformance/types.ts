/**
 * Public types of the conformance suites: the backend harness a provider author supplies,
 * the capability manifest, and the report.
 *
 * @module
 */
import type { JobType, Provider, ResourceObject } from "@provisionkit/core";
import type { Clock } from "../clock.js";
import type { OperatorSoakFigures } from "./operator/types.js";

/**
 * The rules of DESIGN.md: P1–P8 and P10 for providers, E1–E6 for the engine driving them,
 * and L1 (liveness, the suites' check of P9): every provider call returns or throws within
 * its deadline.
 */
export type RuleId =
  | "P1"
  | "P2"
  | "P3"
  | "P4"
  | "P5"
  | "P6"
  | "P7"
  | "P8"
  | "P10"
  | "E1"
  | "E2"
  | "E3"
  | "E4"
  | "E5"
  | "E6"
  | "L1";

/** Every rule id, in report order. */
export const RULE_IDS: readonly RuleId[] = Object.freeze([
  "P1",
  "P2",
  "P3",
  "P4",
  "P5",
  "P6",
  "P7",
  "P8",
  "P10",
  "E1",
  "E2",
  "E3",
  "E4",
  "E5",
  "E6",
  "L1",
]);

/** How a job ended in the backend. */
export type ConformanceOutcome = "succeeded" | "failed" | "canceled";

/**
 * One job as the backend itself records it: the out-of-band truth the checks read (like a
 * database read in an adapter test suite), never what the provider reports.
 */
export interface ConformanceJob {
  /**
   * The backend's id of the job (any text; unique within the backend). The suite matches a
   * provider's job id to a ledger job by {@link ConformanceJob.correlationId} first, then by
   * the job the backend created during the launch call, and only then by `id` itself, so the
   * provider may encode ids its own way (`job:42` for the ledger's `42`).
   */
  id: string;
  /** `namespace/name` of the resource the job was for. */
  resourceKey: string;
  /** Provision or deprovision. */
  operation: JobType;
  /** For a provision: the config version it applies, when the backend can tell. */
  configVersion?: string;
  /**
   * For a provision: the config version of the spec the job actually received, when the
   * backend can show it (the AAP backends: `configVersion` of the extra vars'
   * `ansible_eda.event.payload.spec`). P4 compares it with {@link ConformanceJob.configVersion},
   * the version label: an old spec sent under the right label shows here.
   */
  appliedConfigVersion?: string;
  /**
   * The correlation id it was launched with, when the backend can tell. Strongly advised:
   * it is how the suite matches the provider's job ids to the ledger and finds a job twice
   * launched (E5).
   */
  correlationId?: string;
  /** When the backend created it (virtual epoch ms). */
  createdAt: number;
  /** When it reached its end (virtual epoch ms); absent while it is active. */
  finishedAt?: number;
  /** How it ended; absent while it is active. */
  outcome?: ConformanceOutcome;
  /**
   * When a cancel was first asked for, if ever. P5 (a provider that can cancel asks the
   * backend to cancel a running provision job) is checked against it.
   */
  cancelRequestedAt?: number;
  /** When it was purged (answers "not found" from then on), if it was. */
  purgedAt?: number;
}

/** How the next job of an operation plays out in the backend. */
export interface ConformanceJobScript {
  /** How it ends (default `succeeded`). */
  outcome?: "succeeded" | "failed";
  /** Virtual time from creation to its end (default: the backend's own). */
  durationMs?: number;
  /**
   * Virtual time the launch waits queued in the backend before {@link durationMs} starts
   * counting (default 0): the launch is taken and answered as usual, but its job is created
   * or started that much later. Where the backend queues work may or may not be visible to
   * the provider: AAP shows such a job `pending`; an EDA activation keeps the event in its
   * queue, so no AAP job exists yet. Needs {@link BackendControls.queuedJobs}.
   */
  queuedMs?: number;
  /** It never ends by itself (only a cancel ends it). Needs {@link BackendControls.neverFinishes}. */
  neverFinishes?: boolean;
  /**
   * With `outcome: "failed"`: which of the backend's other failure states the job ends in,
   * one of {@link BackendControls.failureKinds} (default the backend's plain failure).
   */
  failureKind?: string;
}

/** What a backend's test controls can do. A scenario that needs a missing one is skipped, with the reason in the report. */
export interface BackendControls {
  /** Jobs can be scripted to fail. */
  failures: boolean;
  /** A job can be scripted never to finish. */
  neverFinishes: boolean;
  /** A job can be purged (the backend then answers "not found" for it). */
  purge: boolean;
  /** The backend can answer the next launch requests with a rate limit. */
  rateLimit: boolean;
  /** The backend can answer the next requests with a transient failure (HTTP 503). */
  transientFailure: boolean;
  /**
   * The backend can carry out a launch and then lose its answer (the caller cannot know
   * whether the job was created): {@link ConformanceBackend.loseNextAnswer}. Optional, so
   * that harnesses written before it still compile; absent means no.
   */
  loseAnswers?: boolean;
  /**
   * The backend can create a job outside any provider, launched like one of a resource's
   * jobs under another correlation id: {@link ConformanceBackend.launchStray}. Optional;
   * absent means no.
   */
  strays?: boolean;
  /**
   * The backend can create jobs on a resource's template outside any provider and carrying
   * no launch record a provider wrote, or a malformed one, as a person launching the
   * template by hand or another tool leaves them: {@link ConformanceBackend.launchByHand}.
   * Optional; absent means no.
   */
  handLaunches?: boolean;
  /**
   * The backend's other terminal failure states, beyond its plain failure, that a provider
   * must report as Failed (P3): AWX's `error`, for a job AAP could not run at all, beside
   * `failed`. A job is scripted to end in one with {@link ConformanceJobScript.failureKind};
   * the scenario `failure-kinds` ends a provision job in each. Optional; absent or empty
   * means none, and that scenario is skipped.
   */
  failureKinds?: readonly string[];
  /**
   * The backend can answer the next read requests (a job's status, a lookup), and only
   * those, with a transient failure (HTTP 503) while launches go through:
   * {@link ConformanceBackend.failNextReads}. Optional; absent means no.
   */
  readFailures?: boolean;
  /**
   * The backend can answer the next cancel requests, and only those, with a transient
   * failure (HTTP 503) while reads and launches go through:
   * {@link ConformanceBackend.failNextCancels}. Optional; absent means no.
   */
  cancelFailures?: boolean;
  /**
   * The backend can hold the next requests of a kind unanswered, as a hung backend does,
   * until the scenario releases them: {@link ConformanceBackend.holdNext}. The suite then
   * aborts the provider call waiting on one, which must settle (P9: a call honours its
   * `AbortSignal`).
   * Optional; absent means no.
   */
  holds?: boolean;
  /**
   * Jobs can be scripted to wait queued in the backend before they run
   * ({@link ConformanceJobScript.queuedMs}). Optional; absent means no.
   */
  queuedJobs?: boolean;
}

/** What a scenario asks of the provider {@link ConformanceBackend.providerWith} builds. */
export interface ProviderVariant {
  /** The `blockDeletionOnFailure` its deprovisions declare. */
  blockDeletionOnFailure?: boolean;
  /**
   * For a provider that gives up on a job it cannot see end (reports it `Failed` once this
   * long has passed since its launch, as EdaProvider's `provisionTimeoutMs` and
   * `deprovisionTimeoutMs` do): that timeout, in ms. A provider that reads its jobs' real end
   * from the backend has no such timeout and ignores it.
   */
  jobTimeoutMs?: number;
}

/**
 * Which requests {@link ConformanceBackend.holdNext} holds:
 * - `read`: a job's status read or a lookup (a list of jobs);
 * - `cancel`: a cancel request;
 * - `template`: a read a launch makes before it sends anything (the AAP templates);
 * - `launch`: a launch request. A held launch is never carried out: {@link
 *   ConformanceBackend.releaseHeld} drops it unanswered (carried out after its caller gave
 *   up, it would make a job no provider can know of).
 */
export type HeldRequestKind = "read" | "cancel" | "template" | "launch";

/** A Kubernetes API a backend can reach: its kubeconfig (a simulator is one). */
export interface KubernetesEndpoint {
  /** Kubeconfig text (YAML or JSON) for the API, with credentials. */
  kubeconfig(): string;
}

/** What a backend harness is given when a scenario starts. */
export interface BackendContext {
  /**
   * The scenario's clock: every backend time must come from it. The provider suite runs on
   * a `VirtualClock` it moves itself; the operator suite runs in real time (`systemClock`).
   */
  clock: Clock;
  /**
   * The Kubernetes API the scenario's resources live in (started): a
   * `KubernetesApiSimulator` in the provider suite, the simulator or the caller's cluster in
   * the operator suite. Backends whose jobs write back onto the resource (EDA playbooks)
   * write there, with its kubeconfig.
   */
  kubernetes: KubernetesEndpoint;
  /** The custom resource the scenario uses. */
  resource: { group: string; version: string; plural: string; kind: string };
}

/** The rate-based faults a soak asks a backend for (see {@link ConformanceBackend.injectFaults}). */
export interface BackendFaultPlan {
  /**
   * About this share of the requests the provider makes is faulted, in [0, 1]: each fault
   * kind fires on a request it matches with probability `rate / kinds`.
   */
  rate: number;
  /** The seed of the simulators' fault generators: the same seed and requests, the same faults. */
  seed: number;
  /**
   * How long a slow answer takes, real ms: longer than the provider client's timeout, the
   * client gives up while the work goes on.
   */
  slowAnswerMs: number;
}

/** The faults a backend injects for a soak, and what fired. */
export interface InjectedFaults {
  /** How many times each fault kind fired so far, by kind (`aap-5xx`, `eda-429`, …). */
  counts(): Record<string, number>;
  /** Removes the rules: no fault fires any more. */
  remove(): void;
}

/**
 * A backend as the conformance suite drives it: one per scenario, started and stopped by
 * the suite. Ready-made ones exist for the AAP and EDA simulators; write one for your own
 * backend (a loopback simulator of it, or a sandbox of the real thing).
 */
export interface ConformanceBackend {
  /** Shown in reports, e.g. `AAP simulator`. */
  readonly name: string;
  /** What its test controls can do. */
  readonly controls: BackendControls;
  /** Start it for one scenario. */
  start(context: BackendContext): Promise<void>;
  /** Stop it; idempotent. */
  stop(): Promise<void>;
  /**
   * A new provider talking to this backend. Called once per simulated process: after a
   * crash the suite asks for a fresh one, so no in-memory state survives a restart.
   */
  provider(): Provider;
  /**
   * A new provider built with the options a scenario asks for (see {@link ProviderVariant}),
   * where the provider has such options; an option it has not is ignored. Without
   * `providerWith`, the failed-deprovision scenario of the flag the provider does not declare
   * by default is skipped (with that reason in the report), and `slow-provision-after-timeout`
   * runs the default provider, whose own timeout (if any) may outlast the scenario's job.
   */
  providerWith?(options: ProviderVariant): Provider;
  /**
   * Let the work due at `clock.now()` happen (deliver queued events, write back). Called
   * after every clock move and before every reconcile. Default: nothing to do.
   */
  settle?(): Promise<void>;
  /** Every job the backend ever created, evaluated at `clock.now()`. */
  ledger(): ConformanceJob[];
  /** How the next job of `operation` (for any resource) plays out. */
  scriptNext(operation: JobType, script: ConformanceJobScript): void;
  /** Purge a job. Needs {@link BackendControls.purge}. */
  purge?(job: ConformanceJob): void;
  /**
   * Inject rate-based, seeded faults of every kind the backend's simulators model (server
   * errors, resets, answers lost after the work was done, slow answers, rate limits) into
   * the requests of its providers, until removed: the operator soak does, for the whole
   * soak. Optional: without it, a soak injects Kubernetes faults only.
   */
  injectFaults?(plan: BackendFaultPlan): InjectedFaults;
  /** Answer the next `count` launch requests with a rate limit. Needs {@link BackendControls.rateLimit}. */
  rateLimitNext?(count: number, retryAfterMs: number): void;
  /** Answer the next `count` requests with a transient failure. Needs {@link BackendControls.transientFailure}. */
  failNext?(count: number): void;
  /**
   * Answer the next `count` read requests (status reads and lookups; not launches or
   * cancels) with a transient failure. Needs {@link BackendControls.readFailures}.
   */
  failNextReads?(count: number): void;
  /**
   * Answer the next `count` cancel requests (and nothing else) with a transient failure.
   * Needs {@link BackendControls.cancelFailures}.
   */
  failNextCancels?(count: number): void;
  /**
   * Hold the next `count` requests of `kind` from the provider unanswered, as a hung backend
   * does (the connection stays open, nothing is processed), until {@link
   * ConformanceBackend.releaseHeld} or `stop`, and call `onHeld` as each one is held (the
   * suite then aborts the provider call waiting on it). Later requests go through. A held
   * read, cancel or template read whose caller gave up may still be carried out once
   * released (its answer then goes nowhere); a held launch never is. Hold only the
   * provider's own requests: the backend's own work (write-backs, a rulebook's launches)
   * must not wait on them. Needs {@link BackendControls.holds}.
   */
  holdNext?(kind: HeldRequestKind, count: number, onHeld: () => void): void;
  /** Let every held request go on (carried out and answered). Needs {@link BackendControls.holds}. */
  releaseHeld?(): void;
  /**
   * Carry out the next launch request of `operation` (the backend creates its job), then
   * lose the answer: the connection drops, or a gateway answers 504. Needs
   * {@link BackendControls.loseAnswers}.
   */
  loseNextAnswer?(operation: JobType): void;
  /**
   * Create a job now, outside any provider, launched like `like` (same resource, operation,
   * template and configuration: its extra vars or payload copied) but under `correlationId`,
   * and end it at once as succeeded: a job of the resource whose correlation id only
   * resembles the engine's (`corr-1x` beside `corr-1`), as another tool or an earlier
   * install may leave. It may take a script queued for the operation (the AAP simulator's
   * scripts are per template): script the next jobs after creating strays. Resolves to the
   * new job's ledger entry. Needs {@link BackendControls.strays}.
   */
  launchStray?(like: ConformanceJob, correlationId: string): Promise<ConformanceJob>;
  /**
   * Create jobs now on the template (or whatever the backend launches) `like` was launched
   * on, outside any provider, none of them carrying the record of a launch an engine made:
   * every kind the backend can tell apart (no launch data at all, launch data of the wrong
   * shape where a provider's record would be, a record of a launch no engine made), each
   * ended at once as succeeded. Their ledger entries may name no resource (the resource key
   * `""`, as the AAP backends' do) or `like`'s (the memory backend's); the suite keeps them
   * out of the checks' ledgers either way. They may take scripts queued for the operation:
   * script the next jobs after creating them. Resolves to their ledger entries, oldest first.
   * Needs {@link BackendControls.handLaunches}.
   */
  launchByHand?(like: ConformanceJob): Promise<readonly ConformanceJob[]>;
  /** Secret strings (tokens, keys) that must never appear in provider results or errors (P1). */
  readonly secrets?: readonly string[];
}

/**
 * What the suite assumes about the provider under test. Detected from the provider where it
 * can be (`findJob`, `cancelJob`); state the rest. Rules and scenarios that need a missing
 * capability are skipped, and the report says which and why.
 */
export interface ConformanceCapabilities {
  /** The provider implements `findJob` (crash adoption, E5). Detected. */
  findJob: boolean;
  /**
   * The provider can cancel a running job (it implements `cancelJob`, or cancels the
   * provision job itself in `triggerDeprovision`, P5). Detected from `cancelJob`.
   */
  cancel: boolean;
  /**
   * The `blockDeletionOnFailure` its deprovisions declare by default (P7 expects a boolean
   * either way). When the backend has no {@link ConformanceBackend.providerWith}, the
   * failed-deprovision scenario of the other flag is skipped; when this is not stated, both
   * run and the one whose flag the provider turns out not to declare skips itself.
   */
  blockDeletionOnFailure?: boolean;
}

/** One broken rule, as a check saw it. */
export interface Violation {
  /** The rule broken. */
  rule: RuleId;
  /** What was observed: job ids, times, states. Starts with the rule id. */
  message: string;
}

/** The outcome of one scenario. */
export type ScenarioStatus = "passed" | "failed" | "skipped";

/** One job on a resource's timeline, for the report. */
export interface TimelineJob {
  /** Backend job id. */
  id: string;
  /** Provision or deprovision. */
  operation: JobType;
  /** Config version, for provisions. */
  configVersion?: string;
  /** Virtual ms since the scenario started. */
  start: number;
  /** Virtual ms since the scenario started; absent while active at the end. */
  end?: number;
  /** How it ended. */
  outcome?: ConformanceOutcome;
}

/** A moment on a resource's timeline (a spec change, a deletion, a crash, a finalizer release). */
export interface TimelineMark {
  /** Virtual ms since the scenario started. */
  at: number;
  /** What happened. */
  label: string;
}

/** What happened to one resource during a scenario. */
export interface ResourceTimeline {
  /** `namespace/name`. */
  resourceKey: string;
  /** Its jobs, from the backend's ledger. */
  jobs: TimelineJob[];
  /** Moments worth drawing. */
  marks: TimelineMark[];
}

/**
 * An error a provider capability threw during a scenario (a call of the provider under
 * test, recorded by the suite), with its message redacted of the backend's secrets. Errors
 * are reported whether or not a rule was broken: a 403 from `findJob` or an untyped error
 * from `cancelJob` is visible even when a check files the failure under another rule.
 */
export interface ProviderCallError {
  /** The provider method, e.g. `findJob`. */
  method: string;
  /** `namespace/name` of the resource the call was about. */
  resourceKey: string;
  /** Virtual ms since the scenario started, of the first such error. */
  at: number;
  /** The error's class name, e.g. `ConfigurationError`. */
  name: string;
  /** Its code, when it is a typed provider error. */
  code?: string;
  /** Whether it was a typed provider error (`ProviderError` of either build). */
  typed: boolean;
  /** Its message, secrets replaced by `[redacted]`, at most 500 characters. */
  message: string;
  /** How many calls threw this error (same method, class, code and message). */
  count: number;
}

/** The result of one scenario. */
export interface ScenarioResult {
  /** Stable id, e.g. `delete-while-provisioning`. */
  id: string;
  /** Human title. */
  title: string;
  /** The rules the scenario is about (every check runs in every scenario regardless). */
  rules: RuleId[];
  /** Passed, failed or skipped. */
  status: ScenarioStatus;
  /** Why it was skipped (a missing capability or control). */
  skipReason?: string;
  /** Every violation found. */
  violations: Violation[];
  /** An error that ended the scenario early (not a rule violation), if any. */
  error?: string;
  /**
   * Errors the provider's calls threw during the scenario (absent when none), first seen
   * first, at most {@link MAX_PROVIDER_ERRORS} distinct ones.
   */
  providerErrors?: ProviderCallError[];
  /** For randomized scenarios: the seed and the shrunk counterexample, to replay it. */
  counterexample?: { seed: number; path?: string; steps: string };
  /** Real time taken, ms. */
  durationMs: number;
  /** Virtual time covered, ms. */
  virtualMs: number;
  /** Per-resource job timelines. */
  timelines: ResourceTimeline[];
}

/** At most this many distinct provider errors are kept per scenario. */
export const MAX_PROVIDER_ERRORS = 20;

/**
 * The verdict on a rule: `inconclusive` when no scenario saw it broken but a scenario about
 * it failed (on other rules, or with an error), so the run cannot show that it holds.
 */
export type RuleStatus = ScenarioStatus | "inconclusive";

/** The verdict of one rule over a whole run. */
export interface RuleResult {
  /** The rule. */
  rule: RuleId;
  /**
   * Failed when any scenario saw it broken; inconclusive when none did but a scenario about
   * it failed; skipped when no scenario that checks it ran; passed otherwise.
   */
  status: RuleStatus;
  /** Scenarios that saw it broken. */
  failedIn: string[];
  /**
   * Scenarios about the rule that failed without a violation of it (set when the rule is
   * not failed and there are any): the rule is never shown as passed while one of its
   * scenarios failed.
   */
  inconclusiveIn?: string[];
  /** Scenarios about it (listing it in their `rules`) that ran. Always set by {@link runConformance}. */
  checkedIn?: string[];
  /** Why it could not be checked, when skipped; why it is inconclusive, when it is. */
  skipReason?: string;
}

/** What {@link runConformance} returns. */
export interface ConformanceReport {
  /** The suite: `provider` (for operator suites, `operator`). */
  suite: "provider" | "operator";
  /** What was tested, e.g. `AapProvider on the AAP simulator`. */
  subject: string;
  /** The capabilities the run assumed. */
  capabilities: ConformanceCapabilities;
  /** When the run started (real ISO-8601). */
  startedAt: string;
  /** Real time taken, ms. */
  durationMs: number;
  /** One entry per scenario. */
  scenarios: ScenarioResult[];
  /** One entry per rule. */
  rules: RuleResult[];
  /** True when no scenario failed. */
  passed: boolean;
  /** The soak's figures, when the operator suite ran its soak (`runOperatorConformance({ soak })`). */
  soak?: OperatorSoakFigures;
}

/** Read access to the resources of a scenario, for checks and backends. */
export type ResourceReader = (key: string) => ResourceObject | undefined;
