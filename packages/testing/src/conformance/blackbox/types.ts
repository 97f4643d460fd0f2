/**
 * Public types of the black-box operator suite: the operator under test as a process, the
 * status map that says where its status keeps what the checks read, and the suite's options.
 *
 * @module
 */
import type { CrdDefinition } from "../../kubernetes/types.js";
import type { ConformanceProgressEvent } from "../runner.js";
import type { RuleId } from "../types.js";

/** A black-box scenario, as `blackBoxScenarios()` lists it. */
export interface BlackBoxScenarioInfo {
  /** Stable id (also the name of its object). */
  id: string;
  /** What it does. */
  title: string;
  /** The rules it is about (every check runs after every scenario regardless). */
  rules: RuleId[];
  /** It kills and restarts the operator (skipped for an already-running operator). */
  restarts: boolean;
}

/**
 * Where an operator keeps, in its objects and its AAP jobs, what the black-box suite reads:
 * a small JSON-able description (dotted paths, as `status.provisioning.reconciledConfigVersion`).
 * Every field but `finalizer` has a default: provisionkit's own mapping.
 *
 * The suite cannot know how an operator hashes a spec into a config version, so it never
 * computes one: it compares the operator's own tokens. A provision job's version is what the
 * operator put in its extra vars (`job.configVersion`); the reconciled version is what the
 * operator wrote into its status (`reconciledVersion`); the desired version is the operator's
 * own `desiredVersion` field, trusted only while `observedGeneration` equals the object's
 * `metadata.generation` (otherwise the operator has not caught up with the latest spec, and
 * the desired version is unknown: it differs from any reconciled version).
 */
export interface StatusMap {
  /** The operator's finalizer, held until the teardown is done (no default). */
  finalizer: string;
  /** Path of the reconciled config version. Default `status.provisioning.reconciledConfigVersion`. */
  reconciledVersion?: string;
  /** Path of the desired config version. Default `status.provisioning.desiredConfigVersion`. */
  desiredVersion?: string;
  /** Path of the generation the status was written for. Default `status.observedGeneration`. */
  observedGeneration?: string;
  /** Path of a phase field, shown on the timelines (optional; provisionkit has none). */
  phase?: string;
  /** Path of the conditions list. Default `status.conditions`. */
  conditions?: string;
  /** The condition type that means Ready (E3: Ready iff desired == reconciled). Default `Ready`. */
  readyCondition?: string;
  /** The condition type that means deletion is blocked (E4). Default `DeletionBlocked`. */
  deletionBlockedCondition?: string;
  /**
   * Where the operator's AAP jobs name their object and version: paths into a job's
   * `extra_vars`. Defaults: AapProvider's (`ansible_eda.event.payload.metadata` and
   * `provisionkit.{resource.key, config_version, correlation_id}`).
   */
  job?: StatusMapJob;
}

/** Paths into a job's `extra_vars` (see {@link StatusMap.job}). */
export interface StatusMapJob {
  /** The object's name, e.g. `resource.name`. */
  resourceName?: string;
  /** The object's namespace, e.g. `resource.namespace`. */
  resourceNamespace?: string;
  /** The config version a provision job applies, e.g. `config_version`. */
  configVersion?: string;
  /** A correlation id unique per launch attempt, if the operator sends one (E5). */
  correlationId?: string;
}

/** The operator under test as a command the suite starts (and kills, and starts again). */
export interface BlackBoxOperatorCommand {
  /** The executable, e.g. `python3`. */
  command: string;
  /** Its arguments. */
  args?: string[];
  /** Extra environment, over the suite's contract ({@link BlackBoxEnv}) and the suite's own. */
  env?: Record<string, string>;
  /** Working directory (default the suite's). */
  cwd?: string;
}

/**
 * The environment contract: what the suite sets for the operator process (and hands
 * `onEnvironment` for an operator that is already running). All values are strings.
 */
export interface BlackBoxEnv {
  /** Path of a kubeconfig file (JSON, which is YAML too) whose current context's namespace is the scenarios'. */
  KUBECONFIG: string;
  /** The namespace of the scenarios' objects. */
  OPERATOR_NAMESPACE: string;
  /** The custom resource: group. */
  CRD_GROUP: string;
  /** The custom resource: version. */
  CRD_VERSION: string;
  /** The custom resource: plural. */
  CRD_PLURAL: string;
  /** The custom resource: kind. */
  CRD_KIND: string;
  /** The AAP simulator's base URL (speaks `/api/v2/` and `/api/controller/v2/`). */
  AAP_URL: string;
  /** A bearer token with write scope. */
  AAP_TOKEN: string;
  /** The job template to launch for a provision. */
  AAP_PROVISION_TEMPLATE: string;
  /** The job template to launch for a teardown. */
  AAP_DEPROVISION_TEMPLATE: string;
  /** A hint: the suite's jobs last a few hundred ms; poll (or resync) about this often. */
  POLL_INTERVAL_MS: string;
}

/** Options of {@link runBlackBoxConformance}. */
export interface BlackBoxConformanceOptions {
  /** The custom resource the operator manages (served with the status subresource). */
  crd: CrdDefinition;
  /**
   * The operator: a command the suite starts for each scenario with the environment contract
   * ({@link BlackBoxEnv}), SIGKILLs and starts again in the crash scenarios, and stops with
   * SIGTERM at the end; or `"already-running"`: the caller runs it (given the environment
   * through `onEnvironment`); the crash scenarios are then skipped.
   */
  operator: BlackBoxOperatorCommand | "already-running";
  /** Where the operator keeps what the checks read. */
  statusMap: StatusMap;
  /**
   * A real cluster's kubeconfig text (the CRD installed, `namespace` existing and empty);
   * default a Kubernetes API simulator.
   */
  kubeconfig?: string;
  /** The namespace of the scenarios' objects (default `conformance`). */
  namespace?: string;
  /** Two distinct valid specs, A and B (default `{ size: 1 }`, `{ size: 2 }`). */
  specs?: [Record<string, unknown>, Record<string, unknown>];
  /** The AAP simulator's templates (default `provision` / `deprovision`) and job length. */
  aap?: BlackBoxAapOptions;
  /** Only these scenario ids (default all). */
  scenarios?: string[];
  /** Real-time budget of each scenario's goals, ms (default 10 000). */
  timeoutMs?: number;
  /**
   * How soon after a provision succeeded the reconciled version must say so, ms (default
   * 5 000): it includes starting the operator again after a crash, which takes a process
   * with a Kubernetes client seconds on a loaded machine.
   */
  reconcileWithinMs?: number;
  /** Poll interval suggested to the operator (`POLL_INTERVAL_MS`), ms (default 50). */
  pollIntervalMs?: number;
  /** What was tested, for the report (default `black-box operator on <kind>: <command>`). */
  subject?: string;
  /** Called as scenarios start and end. */
  onProgress?(event: ConformanceProgressEvent): void;
  /** Called once the simulators run, with the environment contract (start an already-running operator here). */
  onEnvironment?(env: BlackBoxEnv): void | Promise<void>;
  /** The operator's stdout and stderr lines, as they come (default: kept for the report only). */
  onOutput?(line: string): void;
}

/** The AAP side of a black-box run (see {@link BlackBoxConformanceOptions.aap}). */
export interface BlackBoxAapOptions {
  /** Job template names (default `provision`, `deprovision`). */
  templates?: { provision?: string; deprovision?: string };
  /** How long a job runs unless a scenario scripts it, ms (default 300). */
  jobMs?: number;
}
