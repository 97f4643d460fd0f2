/**
 * What a scenario run records: every provider call, every persisted status, every
 * finalizer release, injected faults, crashes and marks. The checks read it together with
 * the backend's ledger.
 *
 * @module
 */
import type {
  EngineOptions,
  JobType,
  PendingLaunch,
  PersistReason,
  ProvisioningStatus,
  LaunchResolution,
} from "@provisionkit/core";
import type { ConformanceCapabilities, ConformanceJob, RuleId, TimelineMark } from "../types.js";
import type { AfterAbort, LateCall } from "./deadline.js";

/** The provider methods the recording proxy sees. */
export type ProviderMethod =
  | "triggerProvision"
  | "getProvisionStatus"
  | "triggerDeprovision"
  | "getDeprovisionStatus"
  | "findJob"
  | "cancelJob";

/** A thrown error, as far as the checks care. */
export interface ErrorFacts {
  /** Class name. */
  name: string;
  /** Message. */
  message: string;
  /** A `ProviderError` (of either build). */
  typed: boolean;
  /** Its code, when typed. */
  code?: string;
  /** Its retryable flag, when typed. */
  retryable?: boolean;
  /** A `RateLimitError`. */
  rateLimit: boolean;
  /** For rate limits: the wait asked for. */
  retryAfterMs?: number;
  /** Everything serialisable about it (for the secret scan). */
  text: string;
}

/** One provider call. */
export interface CallRecord {
  /** Order of the call within the run. */
  seq: number;
  /** The simulated process that made it. */
  process: string;
  /** The name the engine knows the provider by. */
  provider: string;
  /** The provider object's own `name` at the time of the call. */
  innerName: unknown;
  /** Which method. */
  method: ProviderMethod;
  /** `namespace/name`. */
  resourceKey: string;
  /** Virtual time of the call. */
  at: number;
  /** For status reads and cancels: the job asked about. */
  jobId?: string;
  /** For cancels and lookups: the job type. */
  jobType?: JobType;
  /** For `triggerProvision`: the config version. */
  configVersion?: string;
  /** For launches and lookups: the correlation id. */
  correlationId?: string;
  /** The answer, or the error. */
  outcome: { ok: true; value: unknown } | { ok: false; error: ErrorFacts };
  /**
   * Set when the suite aborted the call (it waited on a request the backend held, see
   * `ConformanceBackend.holdNext`) and it settled within the grace, as P9 asks: how soon,
   * and what it threw.
   */
  aborted?: AfterAbort;
  /** For launches: the ledger just before and just after the call. */
  ledgerBefore?: ConformanceJob[];
  /** For launches: the ledger just after the call. */
  ledgerAfter?: ConformanceJob[];
}

/** One status write. */
export interface PersistRecord {
  /** Virtual time. */
  at: number;
  /** The process that wrote it. */
  process: string;
  /** `namespace/name`. */
  resourceKey: string;
  /** Why the engine persisted. */
  reason: PersistReason;
  /** What was written. */
  status: ProvisioningStatus;
  /** Whether the resource was being deleted. */
  deleting: boolean;
}

/** A finalizer release. */
export interface ReleaseRecord {
  /** Virtual time. */
  at: number;
  /** The releasing process. */
  process: string;
  /** `namespace/name`. */
  resourceKey: string;
  /** The status the release was decided on. */
  status: ProvisioningStatus;
}

/** An injected fault. */
export interface FaultRecord {
  /** Virtual time of the injection. */
  at: number;
  /** What was injected (`hold`: requests held unanswered, see `ConformanceBackend.holdNext`). */
  kind: "rateLimit" | "transient" | "purge" | "hold";
  /** How many requests it affects. */
  count: number;
  /** For rate limits. */
  retryAfterMs?: number;
  /** For purges: the ledger job purged. */
  jobId?: string;
}

/**
 * A job a scenario had the backend create outside any provider call (see
 * `ConformanceBackend.launchStray`): launched like one of the resource's jobs, under a
 * correlation id similar to one of the engine's. The checks leave it out of the ledger (it
 * is no job of the engine's: never lost, never a duplicate, never an overlap); E5 checks
 * that `findJob` never answers it.
 */
export interface StrayRecord {
  /** Its ledger id. */
  jobId: string;
  /** `namespace/name` of the resource it names. */
  resourceKey: string;
  /** Provision or deprovision. */
  operation: JobType;
  /** Its correlation id; absent for a job launched by hand, which carries no launch record. */
  correlationId?: string;
  /** The engine's correlation id it resembles (or, launched by hand, was created beside). */
  resembles: string;
  /** Virtual time it was created. */
  at: number;
}

/** An engine blocked on an unknown launch outcome, and the human's answer. */
export interface BlockRecord {
  /** `namespace/name`. */
  resourceKey: string;
  /** When the driver saw `LaunchOutcomeUnknown` True. */
  at: number;
  /** The launch it is about. */
  pending: PendingLaunch;
  /**
   * Whether the provider named on the launch could settle it without a human: it looks
   * jobs up (`findJob`) and declares `launchSettleMs`, so absence can be shown.
   */
  providerCanFind: boolean;
  /** When the human answered. */
  resolvedAt?: number;
  /** The answer. */
  resolution?: LaunchResolution;
}

/** A goal the scenario did not reach within its budget. */
export interface UnreachedGoal {
  /** What was awaited. */
  goal: string;
  /** The rule that is broken when the provider keeps its contract. */
  rule: RuleId;
  /** When the budget ran out. */
  at: number;
  /** The resource it is about, if one. */
  resourceKey?: string;
}

/** A resource as the run left it. */
export interface FinalState {
  /** Whether the object still exists. */
  exists: boolean;
  /** Whether it is being deleted. */
  deleting: boolean;
  /** The config version its spec asks for. */
  desired?: string;
  /** Its provisioning status. */
  status?: ProvisioningStatus;
}

/** Everything a scenario run recorded. */
export interface Trace {
  /** Virtual start. */
  start: number;
  /** Virtual end. */
  end: number;
  /** The engine options the run used. */
  options: EngineOptions;
  /** The capabilities assumed. */
  capabilities: ConformanceCapabilities;
  /** Strings that must never show up (P1). */
  secrets: readonly string[];
  /** `name` of every provider object the backend made, in order. */
  providerNames: unknown[];
  /** Provider calls. */
  calls: CallRecord[];
  /** Status writes. */
  persists: PersistRecord[];
  /** Finalizer releases. */
  releases: ReleaseRecord[];
  /** Injected faults. */
  faults: FaultRecord[];
  /** Unknown launch outcomes. */
  blocks: BlockRecord[];
  /** Jobs the scenario had the backend create outside the provider (absent: none). */
  strays?: StrayRecord[];
  /** Marks per resource key (`""` for the whole run). */
  marks: Map<string, TimelineMark[]>;
  /** The resources of the run, by key. */
  resources: string[];
  /** The ledger at the end. */
  ledger: ConformanceJob[];
  /** Each resource as the run left it. */
  final: Map<string, FinalState>;
  /** The goal not reached, if any (the run stopped there). */
  unreached?: UnreachedGoal;
  /** Violations the scenario itself found (expectations beyond the generic checks). */
  expectations: { rule: RuleId; message: string }[];
  /** Unexpected errors of the driver or the engine. */
  errors: string[];
  /** Provider calls that missed their deadline (L1); the run stopped at the first. */
  late: LateCall[];
}

/** A trace starting at `start` with nothing recorded yet. */
export function emptyTrace(
  start: number,
  options: EngineOptions,
  capabilities: ConformanceCapabilities,
  secrets: readonly string[] = [],
): Trace {
  return {
    start,
    end: start,
    options,
    capabilities,
    secrets,
    providerNames: [],
    calls: [],
    persists: [],
    releases: [],
    faults: [],
    blocks: [],
    marks: new Map(),
    resources: [],
    ledger: [],
    final: new Map(),
    expectations: [],
    errors: [],
    late: [],
  };
}
