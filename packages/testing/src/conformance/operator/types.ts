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
  /** Only these scenario ids (default all). */
  scenarios?: string[];
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
