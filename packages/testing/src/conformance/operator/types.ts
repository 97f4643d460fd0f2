/**
 * Public types of the operator conformance suite.
 *
 * @module
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { EngineOptionsInput, Provider } from "@provisionkit/core";
import type { KubeObject } from "../../kubernetes/types.js";
import type { CrdDefinition } from "../../kubernetes/types.js";
import type { ConformanceProgressEvent } from "../runner.js";
import type { ConformanceBackend } from "../types.js";

/**
 * What the suite hands the operator factory for one controller: build the controller the
 * way your operator does, on these.
 */
export interface OperatorEnv {
  /**
   * A client-node `KubeConfig` for the scenario's Kubernetes API (the simulator, or the
   * `cluster` option's), through a relay of this controller's own: the suite crashes a
   * controller by cutting it. Its current context's namespace is `namespace`.
   */
  kubeConfig: KubeConfig;
  /**
   * The provider to use: the `backend` option's provider, or a contract-keeping
   * `MemoryProvider` on an in-memory backend (short real-time jobs). Pass it as the
   * controller's `provider`.
   */
  provider: Provider;
  /** The namespace the scenario's objects live in (the kubeconfig's context namespace too). */
  namespace: string;
  /**
   * The engine options to build the controller with, as they are: `engine: env.engine`. They
   * are the suite's `engine` option (your operator's options: policies, job timeout,
   * backoffs) over the suite's fast timings (`FAST_ENGINE`: a 20 ms poll, backoffs from
   * 100 ms), so that what runs is what the suite checks against (the retry backoff, E2
   * and E4). Do not spread other options over them: the suite would check timings that do
   * not run.
   */
  engine: EngineOptionsInput;
}

/** What the operator factory returns: a `ProvisioningController` (only start and stop are used). */
export interface OperatorController {
  /** Start watching and reconciling. */
  start(): Promise<void>;
  /** Stop; resolves once in-flight reconciles ended. */
  stop(): Promise<void>;
}

/** A Kubernetes cluster the operator suite runs on (see {@link OperatorConformanceOptions.cluster}). */
export interface OperatorCluster {
  /** Kubeconfig text (YAML or JSON); its current context is used. */
  kubeconfig: string;
  /** The namespace of the scenarios' objects; it must exist (default `conformance`). */
  namespace?: string;
}

/**
 * A soak (see {@link OperatorConformanceOptions.soak}): how many lifecycles, how many faults,
 * which seed.
 */
export interface OperatorSoakOptions {
  /**
   * How many objects are taken through a lifecycle, each drawn (seeded) from: create and
   * delete; a spec change; spec A→B→A at once; deletion while the provision job runs; a spec
   * change while it runs. Each ends with the object deleted and released.
   */
  lifecycles: number;
  /**
   * About this share of the requests to each simulator is faulted, in [0, 1], split evenly
   * among the fault kinds it models: Kubernetes 409s and 500s, dropped watches and
   * compactions (on the suite's Kubernetes API simulator, not on a `cluster`), and what the
   * backend's `injectFaults` injects (the ready-made backends: AAP 500s, resets, launch
   * answers lost after the job was created, slow answers, 429s; EDA webhook 503s and 429s).
   */
  faultRate: number;
  /** Seed of the lifecycles drawn, the controller churn and every simulator's fault rules. */
  seed: number;
  /** Lifecycles in flight at once (default 8). */
  concurrency?: number;
  /**
   * How long a slow backend answer takes, real ms (default 1 500): make it longer than your
   * provider client's timeout to soak "the client gave up, the work was done".
   */
  slowAnswerMs?: number;
  /** Each lifecycle's budget, real ms (default 30 000): past it the object counts as stuck. */
  lifecycleTimeoutMs?: number;
}

/** What a soak did and found: the `soak` of the operator suite's report. */
export interface OperatorSoakFigures {
  /** Lifecycles asked for. */
  lifecycles: number;
  /** Lifecycles that reached their end (the object deleted and released). */
  completed: number;
  /** The seed. */
  seed: number;
  /** The fault rate. */
  faultRate: number;
  /** Faults injected, by kind (`kube-409`, `aap-reset`, …). */
  faults: Record<string, number>;
  /** Faults injected, all kinds. */
  faultsInjected: number;
  /**
   * Controllers started, restarts (the older of two stopped), crashes (cut off right after a
   * launch), and how long two controllers ran at once, real ms.
   */
  controllers: { started: number; restarts: number; crashes: number; twoAtOnceMs: number };
  /** Jobs the backend created. */
  jobs: { provision: number; deprovision: number };
  /** Duplicate launches: violations of E2 (a second success, or a launch after one) and E5 (a correlation id launched twice). */
  duplicates: number;
  /** Overlapping jobs of one object (E1). */
  overlaps: number;
  /** Objects released while the backend still held something of theirs. */
  orphans: number;
  /** Objects whose lifecycle did not end within its budget. */
  stuck: number;
  /** Reconciled versions wrong (E3, the stuck objects aside). */
  wrongVersions: number;
  /** Provider calls past their deadline (L1). */
  lateCalls: number;
  /**
   * Provider calls that threw something other than a `ProviderError` (calls aborted through
   * their signal and a crashed controller's aside): each is a provider defect, since the
   * engine cannot tell a transient failure from a permanent one without a typed error.
   */
  untypedErrors: number;
  /** Violations of any rule, before the report leaves repeats out. */
  violations: number;
  /** Real time the lifecycles took, ms. */
  durationMs: number;
  /** The process's peak V8 heap while the soak ran, bytes. */
  peakHeapBytes: number;
  /**
   * How late the process's event loop ran while the soak ran (`monitorEventLoopDelay`), ms:
   * the controllers, the simulators and the suite share it, so seconds here mean every
   * reconcile, answer and timer waited that long, and a lifecycle can run past its budget
   * for that alone.
   */
  eventLoopDelayMs: SoakEventLoopDelay;
}

/** The event loop's delay during a soak, ms (see {@link OperatorSoakFigures.eventLoopDelayMs}). */
export interface SoakEventLoopDelay {
  /** The 99th percentile. */
  p99: number;
  /** The longest. */
  max: number;
}

/** Options of {@link runOperatorConformance}. */
export interface OperatorConformanceOptions {
  /** The custom resource the operator manages, served by the simulator (status subresource on). */
  crd: CrdDefinition;
  /**
   * The operator as its author configures it: a new, not started `ProvisioningController`
   * built on `env` (its CRD, finalizer, status mapping, desired config, and `env.provider`,
   * `env.kubeConfig`, `env.engine`). Called once per controller: twice in the restart and
   * two-controllers scenarios.
   */
  operator: (env: OperatorEnv) => OperatorController;
  /** Distinct valid specs: `spec(0)`, `spec(1)` must differ. */
  spec: (index: number) => Record<string, unknown>;
  /** The operator's finalizer. */
  finalizer: string;
  /**
   * How to read the reconciled config version from an object, through the operator's status
   * mapping. Default `status.provisioning.reconciledConfigVersion`.
   */
  reconciledVersion?: (object: KubeObject) => string | undefined;
  /**
   * The config version the operator should reach for an object, used for the final
   * "Ready iff desired == reconciled" check once nothing runs any more. Default
   * `defaultDesiredVersion` (exported by the package root): the `status.provisioning.desiredConfigVersion` the engine
   * wrote from the operator's own `desiredConfig` (defaults it adds included), when the
   * status was written for the object's current generation; `configVersion(object.spec)`
   * otherwise. Give it when your status mapping keeps the desired version elsewhere.
   */
  desiredVersion?: (object: KubeObject) => string;
  /**
   * Your operator's engine options (policies, `jobTimeoutMs`, backoffs, poll interval,
   * grace): handed to the factory as `env.engine` over the suite's fast timings, and what
   * the retry checks expect (E2, E4: each retry waits at least the configured backoff, and
   * the backoff grows). Keep its timings within the scenarios' budget (`timeoutMs`): backoffs
   * from ~100 ms, a poll of tens of ms. Default: none (the fast timings alone).
   */
  engine?: EngineOptionsInput;
  /**
   * Each provider call's deadline, real ms (L1): a call past it has its `AbortSignal`
   * aborted, is reported as a violation of L1 and ends the scenario. Default: half of
   * `timeoutMs`, at most 5 000.
   */
  callDeadlineMs?: number;
  /**
   * The backend and provider the operator runs with, e.g. `aapSimulatorBackend({ provider,
   * simulator: { defaultScript: { runMs: 150 } } })`: started for each scenario on the real
   * clock with the scenario's Kubernetes API, its `provider()` handed to the factory, its
   * ledger read by the checks, `settle()` called every 10 ms. Give it short jobs (well under
   * a second). Default: the reference memory backend with 200 ms jobs.
   */
  backend?: () => ConformanceBackend;
  /**
   * Run on this Kubernetes cluster instead of a fresh Kubernetes API simulator per scenario:
   * a real API server (kube-apiserver, kind, apiextensions-apiserver) with `crd` installed.
   * The scenarios' objects go into `namespace`, which must hold no other objects of the kind
   * (the operator under test would reconcile them); each scenario deletes its objects at the
   * end, removing the finalizer of any left behind.
   */
  cluster?: OperatorCluster;
  /** Only these scenario ids (default all; ignored with `soak`). */
  scenarios?: string[];
  /**
   * Run the soak instead of the scenarios: `lifecycles` objects through creates, spec
   * changes and deletions while provisioning, `concurrency` at a time, under rate-based,
   * seeded faults, with controllers restarted, crashed right after a launch (a provider with
   * `findJob`) and run two at once; then every check of the suite (E1–E5) over the whole run.
   * The report's `soak` holds its figures. `timeoutMs` still bounds each controller's stop;
   * `soak.lifecycleTimeoutMs` bounds each lifecycle.
   */
  soak?: OperatorSoakOptions;
  /** What was tested, for the report (default `operator on <kind>`). */
  subject?: string;
  /** Called as scenarios start and end. */
  onProgress?(event: ConformanceProgressEvent): void;
  /** Real-time budget of each scenario's goals, ms (default 8 000). */
  timeoutMs?: number;
  /**
   * How soon after a provision job succeeded the reconciled version must say so, and after a
   * deprovision failed with `blockDeletionOnFailure` the status must say deletion is
   * blocked, real ms (default 1 500).
   */
  reconcileWithinMs?: number;
  /**
   * How to read "deletion is blocked" from an object, through the operator's status mapping
   * (E4). Default: `status.conditions` holds `DeletionBlocked` with status `True`.
   */
  deletionBlocked?: (object: KubeObject) => boolean;
}
