/**
 * What every story of the demo shares: the console, an embedded Kubernetes API server with
 * the ComputeInstance CRD, kubectl, the observer, the operator's logger and metrics hooks,
 * and the helpers a story is written with (`until`, `isReady`…). Each story adds its
 * automation backend (AAP, or EDA in front of AAP) and its operator.
 */
import { KubeConfig } from "@kubernetes/client-node";
import {
  ConditionType,
  configVersion,
  type EngineOptionsInput,
  type Logger,
} from "@provisionkit/core";
import {
  createPrometheusMetrics,
  type ControllerMetrics,
  type PrometheusMetrics,
} from "@provisionkit/core/kubernetes";
import { KubernetesApiSimulator } from "@provisionkit/testing";
import { JobRecorder } from "./breakdown.js";
import { DemoConsole, type Output, type Tone } from "./console.js";
import { Kubectl } from "./kubectl.js";
import {
  Observer,
  brief,
  conditionIsTrue,
  provisioningOf,
  type ObserverOptions,
} from "./observer.js";
import { COMPUTE_INSTANCE, type ComputeInstanceSpec } from "./operator.js";
import type { Milestones } from "./summary.js";

/** A story that did not reach a step in time. */
export class StoryTimeout extends Error {}

/** The message of an error that ended a story early. */
export function storyFailure(error: unknown): string {
  return error instanceof StoryTimeout ? error.message : `the story failed: ${String(error)}`;
}

/** Counters the operator's metrics hooks fill. */
export interface Counters {
  launched: number;
  finished: number;
  reconciles: number;
  conflicts: number;
}

/** The shared world; see {@link createWorld}. */
export interface DemoWorld {
  readonly startedAt: number;
  readonly milestones: Milestones;
  readonly out: DemoConsole;
  readonly kube: KubernetesApiSimulator;
  readonly kubeConfig: KubeConfig;
  readonly kubectl: Kubectl;
  readonly observer: Observer;
  /** A pino-shaped logger that prints into the demo's log. */
  readonly logger: Logger;
  /** The operator's metrics hooks: {@link DemoWorld.counters} and {@link DemoWorld.prometheus}. */
  readonly metrics: ControllerMetrics;
  /**
   * The Prometheus metrics every operator instance of the story reports to (one registry
   * across instances, so that the scrape at the end covers the whole story; a real
   * process restart starts from zero).
   */
  readonly prometheus: PrometheusMetrics;
  /** The operator's job tracer: keeps every job record seen to end, for the breakdown. */
  readonly recorder: JobRecorder;
  /** Engine timings for a demo: real AAP jobs take minutes, these take seconds. */
  readonly engine: EngineOptionsInput;
  readonly counters: Counters;
  /** Time to Ready and to deletion, as the metrics hooks reported them (ms). */
  readonly readyMs: number[];
  readonly deletionMs: number[];
  /** The last spec the story gave each resource, in creation order. */
  readonly specs: Map<string, ComputeInstanceSpec>;
  /** `namespace/name` of a resource, as the ledgers key it. */
  keyOf: (name: string) => string;
  /** Waits until `check` holds; throws {@link StoryTimeout} after `timeoutMs` or the story deadline. */
  until: (
    what: string,
    check: () => boolean | Promise<boolean>,
    timeoutMs?: number,
  ) => Promise<void>;
  /** Ready, with the config version of the last spec the story gave it. */
  isReady: (name: string) => Promise<boolean>;
  /** Gone from the API (its finalizers released). */
  isGone: (name: string) => Promise<boolean>;
  /**
   * The user's `kubectl create`: the spec remembered, the resource tracked, the command
   * shown with `note` (what the backend will do) after it.
   */
  userCreates: (name: string, spec: ComputeInstanceSpec, note: string) => Promise<void>;
  /** The user's `kubectl patch` of a resource's spec (remembered as its last spec). */
  userPatchesSpec: (name: string, patch: Partial<ComputeInstanceSpec>) => Promise<void>;
}

/** How a story sets the world up. */
export interface WorldOptions {
  /** The whole story must end within this (ms); default 60 s. */
  deadlineMs?: number;
  /** Operator log lines that the operator's events already say. */
  quiet: readonly RegExp[];
  /** What the observer shows besides the default columns. */
  observer?: Omit<ObserverOptions, "intervalMs">;
  /** Where the story is told; default the process's standard output. */
  output?: Output;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise<void>((resolve) => setTimeout(resolve, ms));

export const describeSpec = (spec: ComputeInstanceSpec): string =>
  `image=${spec.image} cores=${spec.cores} memoryGiB=${spec.memoryGiB}`;

/** Starts the Kubernetes API simulator and builds everything around it. */
export async function createWorld(options: WorldOptions): Promise<DemoWorld> {
  const startedAt = Date.now();
  const milestones: Milestones = { startedAt };
  const out = new DemoConsole(options.output ?? process.stdout, startedAt);
  if (options.output === undefined) {
    process.on("exit", () => out.close()); // the cursor comes back whatever happens
    process.on("SIGINT", () => process.exit(130));
  }

  const kube = new KubernetesApiSimulator({
    crds: [{ ...COMPUTE_INSTANCE, scope: "Namespaced", statusSubresource: true }],
    coreEvents: true,
  });
  await kube.start();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeconfig());
  const kubectl = new Kubectl(kubeConfig);
  const observer = new Observer(kubectl, out, options.observer);

  const printed = new Set<string>();
  function operatorLog(tone: Tone, fields: Record<string, unknown>, message: string): void {
    if (options.quiet.some((pattern) => pattern.test(message))) return;
    const key = typeof fields.key === "string" ? fields.key : undefined;
    const details = Object.entries(fields)
      .filter(
        ([name, value]) => name !== "key" && ["string", "number", "boolean"].includes(typeof value),
      )
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(" ");
    const subject = key ? (key.split("/").pop() ?? key) : "operator";
    const text = brief(`log: ${message}${details ? ` (${details})` : ""}`);
    if (printed.has(`${subject} ${text}`) && tone === "dim") return; // a repeated cancel request, say
    printed.add(`${subject} ${text}`);
    out.event(subject, text, tone);
  }
  const logger: Logger = {
    debug: () => {},
    info: (fields, message) => operatorLog("dim", fields, message),
    warn: (fields, message) => operatorLog("busy", fields, message),
    error: (fields, message) => operatorLog("bad", fields, message),
  };

  const counters: Counters = { launched: 0, finished: 0, reconciles: 0, conflicts: 0 };
  const readyMs: number[] = [];
  const deletionMs: number[] = [];
  const prometheus = await createPrometheusMetrics({
    controller: "computeinstance",
    defaultMetrics: false,
  });
  const hooks = prometheus.hooks;
  const metrics: ControllerMetrics = {
    ...hooks,
    jobLaunched: (labels) => {
      counters.launched++;
      hooks.jobLaunched?.(labels);
    },
    jobFinished: (labels, ms) => {
      counters.finished++;
      hooks.jobFinished?.(labels, ms);
    },
    timeToReady: (labels, ms) => {
      readyMs.push(ms);
      hooks.timeToReady?.(labels, ms);
    },
    deletionCompleted: (ms) => {
      deletionMs.push(ms);
      hooks.deletionCompleted?.(ms);
    },
    reconciled: (labels, ms) => {
      counters.reconciles++;
      if (labels.outcome === "conflict") counters.conflicts++;
      hooks.reconciled?.(labels, ms);
    },
  };
  const storyDeadline = startedAt + (options.deadlineMs ?? 60_000);
  async function until(
    what: string,
    check: () => boolean | Promise<boolean>,
    timeoutMs = 20_000,
  ): Promise<void> {
    const deadline = Math.min(Date.now() + timeoutMs, storyDeadline);
    while (!(await check())) {
      if (Date.now() > deadline) {
        throw new StoryTimeout(`${what}: not reached by ${out.clock().trim()}`);
      }
      await sleep(100);
    }
  }

  const specs = new Map<string, ComputeInstanceSpec>();
  async function isReady(name: string): Promise<boolean> {
    const object = await kubectl.get(name);
    const spec = specs.get(name);
    return (
      conditionIsTrue(object, ConditionType.Ready) &&
      spec !== undefined &&
      provisioningOf(object)?.reconciledConfigVersion === configVersion(spec)
    );
  }

  return {
    startedAt,
    milestones,
    out,
    kube,
    kubeConfig,
    kubectl,
    observer,
    logger,
    metrics,
    prometheus,
    recorder: new JobRecorder(),
    engine: {
      pollIntervalMs: 500,
      provisionBackoff: { initialMs: 1000, maxMs: 2000 },
      deprovisionBackoff: { initialMs: 1500, maxMs: 3000 },
      errorBackoff: { initialMs: 500, maxMs: 2000 },
      pendingLaunchGraceMs: 2000,
    },
    counters,
    readyMs,
    deletionMs,
    specs,
    keyOf: (name) => `${kubectl.namespace}/${name}`,
    until,
    isReady,
    isGone: async (name) => (await kubectl.get(name)) === undefined,
    userCreates: async (name, spec, note) => {
      specs.set(name, spec);
      observer.track(name);
      out.event(name, `$ kubectl create  ${describeSpec(spec)}   [${note}]`, "user");
      await kubectl.create(name, spec);
    },
    userPatchesSpec: async (name, patch) => {
      const spec = specs.get(name);
      if (spec) specs.set(name, { ...spec, ...patch });
      out.event(
        name,
        `$ kubectl patch --type merge -p '{"spec":${JSON.stringify(patch)}}'`,
        "user",
      );
      await kubectl.patchSpec(name, patch);
    },
  };
}
