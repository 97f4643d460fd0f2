/**
 * One operator scenario's world: a Kubernetes API simulator serving the user's CRD, a memory
 * backend in real time, the user's controllers, and an observer of the objects.
 *
 * @module
 */
import { configVersion, type EngineOptionsInput, type JobType } from "@provisionkit/core";
import { systemClock } from "../../clock.js";
import { KubernetesApiSimulator } from "../../kubernetes/simulator.js";
import type { KubeObject, ObjectRef } from "../../kubernetes/types.js";
import { shortVersion } from "../driver/world.js";
import { memoryBackend } from "../memory/harness.js";
import type {
  ConformanceBackend,
  ConformanceJob,
  ConformanceJobScript,
  RuleId,
  TimelineMark,
} from "../types.js";
import { loadKubeConfig } from "./kubeconfig.js";
import { ObjectObserver, SAMPLE_INTERVAL_MS } from "./observer.js";
import type { OperatorConformanceOptions, OperatorController } from "./types.js";

/** Real-time duration of a job unless scripted, ms. */
export const JOB_MS = 200;
/** Real-time delay of a cancel, ms. */
export const CANCEL_MS = 50;
/** The namespace of every operator scenario object. */
export const OPERATOR_NAMESPACE = "conformance";

/** Fast engine timings handed to the operator factory (`env.engine`). */
export const FAST_ENGINE: EngineOptionsInput = Object.freeze({
  pollIntervalMs: 20,
  pendingLaunchGraceMs: 300,
  provisionBackoff: { initialMs: 100, maxMs: 1000 },
  deprovisionBackoff: { initialMs: 100, maxMs: 1000 },
  errorBackoff: { initialMs: 50, maxMs: 500 },
});

/** A goal not reached in time: becomes a violation of `rule`. */
export class GoalTimeout extends Error {
  /**
   * @param rule - the rule the goal is about.
   * @param message - what was awaited and what was seen instead (without the rule id).
   */
  constructor(
    readonly rule: RuleId,
    message: string,
  ) {
    super(message);
    this.name = "GoalTimeout";
  }
}

/** A scenario's simulator, backend, controllers and observations. */
export class OperatorWorld {
  /** When the scenario started (epoch ms). */
  readonly start = Date.now();
  /** The backend (its ledger is the truth the checks read). */
  readonly backend: ConformanceBackend;
  /** Spec writes (create and patches) and deletions, per object key, epoch ms. */
  readonly userWrites = new Map<string, number[]>();
  /** Marks for the timelines, per object key. */
  readonly marks = new Map<string, TimelineMark[]>();
  /** The objects' observer. */
  readonly observer: ObjectObserver;
  readonly #controllers: OperatorController[] = [];
  /** The ledger as it was when the world closed (a stopped backend may forget its jobs). */
  #closedLedger: ConformanceJob[] | undefined;
  readonly #deadline: number;

  private constructor(
    readonly kube: KubernetesApiSimulator,
    backend: ConformanceBackend,
    readonly options: OperatorConformanceOptions,
    readonly reconciled: (object: KubeObject) => string | undefined,
    readonly desired: (object: KubeObject) => string,
  ) {
    this.backend = backend;
    this.observer = new ObjectObserver(kube, options.finalizer, reconciled);
    this.#deadline = this.start + (options.timeoutMs ?? 8_000);
  }

  /** Start a world for `options`. */
  static async open(options: OperatorConformanceOptions): Promise<OperatorWorld> {
    const kube = new KubernetesApiSimulator({
      crds: [{ ...options.crd, statusSubresource: true }],
    });
    await kube.start();
    const backend =
      options.backend?.() ?? memoryBackend({ defaultDurationMs: JOB_MS, cancelDelayMs: CANCEL_MS });
    const { group, version, plural, kind } = options.crd;
    try {
      await backend.start({
        clock: systemClock,
        kubernetes: kube,
        resource: { group, version, plural, kind },
      });
    } catch (error) {
      await kube.stop();
      throw error;
    }
    const world = new OperatorWorld(
      kube,
      backend,
      options,
      options.reconciledVersion ?? defaultReconciledVersion,
      options.desiredVersion ?? ((object) => configVersion(object.spec ?? {})),
    );
    world.observer.start();
    return world;
  }

  /** Ms since the scenario started, for messages: `123 ms`. */
  t(at: number | undefined): string {
    return at === undefined ? "never" : `${at - this.start} ms`;
  }

  /** Mark a moment on an object's timeline. */
  mark(key: string, label: string): void {
    const list = this.marks.get(key) ?? [];
    list.push({ at: Date.now() - this.start, label });
    this.marks.set(key, list);
  }

  /** A new controller from the user's factory, started. */
  async startController(): Promise<OperatorController> {
    const kubeConfig = await loadKubeConfig(
      this.kube.kubeconfig({ namespace: OPERATOR_NAMESPACE }),
    );
    const controller = this.options.operator({
      kubeConfig,
      provider: this.backend.provider(),
      namespace: OPERATOR_NAMESPACE,
      engine: structuredClone(FAST_ENGINE),
    });
    this.#controllers.push(controller);
    await controller.start();
    return controller;
  }

  /** Stop a controller (as a process that is shut down). */
  async stopController(controller: OperatorController): Promise<void> {
    await controller.stop();
  }

  /** The object's reference. */
  ref(name: string): ObjectRef {
    const { group, version, plural } = this.options.crd;
    const scoped = (this.options.crd.scope ?? "Namespaced") === "Namespaced";
    return scoped
      ? { group, version, plural, name, namespace: OPERATOR_NAMESPACE }
      : { group, version, plural, name };
  }

  /** The key of an object, as the ledger has it (`namespace/name`). */
  key(name: string): string {
    const scoped = (this.options.crd.scope ?? "Namespaced") === "Namespaced";
    return scoped ? `${OPERATOR_NAMESPACE}/${name}` : name;
  }

  /** Create an object with `spec(index)`, as a user would. */
  create(name: string, index: number): string {
    const { group, version, kind } = this.options.crd;
    const spec = this.options.spec(index);
    const metadata: Record<string, string> = { name };
    if ((this.options.crd.scope ?? "Namespaced") === "Namespaced") {
      metadata.namespace = OPERATOR_NAMESPACE;
    }
    this.kube.createObject({ apiVersion: `${group}/${version}`, kind, metadata, spec });
    const key = this.key(name);
    this.observer.track(key, this.ref(name));
    this.#userWrite(key, `created with spec(${index}) (${shortVersion(configVersion(spec))})`);
    return key;
  }

  /** Replace an object's spec with `spec(index)`. */
  setSpec(name: string, index: number): void {
    const spec = this.options.spec(index);
    this.kube.updateObject(this.ref(name), (object) => {
      object.spec = spec;
    });
    this.#userWrite(this.key(name), `spec changed to spec(${index})`);
  }

  /** Ask for the object's deletion. */
  delete(name: string): void {
    this.kube.deleteObject(this.ref(name));
    this.#userWrite(this.key(name), "deletion requested");
  }

  /** The object as stored now. */
  object(name: string): KubeObject | undefined {
    return this.kube.getObject(this.ref(name));
  }

  /** The ledger's jobs of an object (of one operation), oldest first. */
  jobs(key: string, operation?: JobType): ConformanceJob[] {
    return this.ledger()
      .filter((j) => j.resourceKey === key && (!operation || j.operation === operation))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Every job of the backend: live while the world is open, as it was at the close after. */
  ledger(): ConformanceJob[] {
    return this.#closedLedger ?? this.backend.ledger();
  }

  /** A job for messages: `provision job mem-2 (version 1a2b3c4d, 12 ms–215 ms, succeeded)`. */
  label(job: ConformanceJob): string {
    const version = job.configVersion ? `version ${shortVersion(job.configVersion)}, ` : "";
    const end = job.finishedAt === undefined ? "active" : this.t(job.finishedAt);
    return `${job.operation} job ${job.id} (${version}${this.t(job.createdAt)}–${end}, ${job.outcome ?? "active"})`;
  }

  /** Script the next job of an operation. */
  scriptNext(operation: JobType, script: ConformanceJobScript): void {
    this.backend.scriptNext(operation, script);
  }

  /**
   * Poll (every 10 ms) until `reached` returns true; past the scenario's deadline, throw a
   * {@link GoalTimeout} of `rule` with what `seen` describes.
   */
  async until(reached: () => boolean, rule: RuleId, seen: () => string): Promise<void> {
    for (;;) {
      await this.backend.settle?.();
      this.observer.sample();
      if (reached()) return;
      if (Date.now() >= this.#deadline) throw new GoalTimeout(rule, seen());
      await sleep(SAMPLE_INTERVAL_MS);
    }
  }

  /** Keep observing for `ms` (to see what the operator does once it should be quiet). */
  async settle(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await this.backend.settle?.();
      this.observer.sample();
      await sleep(SAMPLE_INTERVAL_MS);
    }
  }

  /** Stop every controller, the observer and the simulator. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#controllers.map((c) => c.stop()));
    this.observer.stop();
    this.#closedLedger = this.backend.ledger();
    await this.backend.stop();
    await this.kube.stop();
  }

  #userWrite(key: string, label: string): void {
    const list = this.userWrites.get(key) ?? [];
    list.push(Date.now());
    this.userWrites.set(key, list);
    this.mark(key, label);
  }
}

/** `status.provisioning.reconciledConfigVersion`, as the default status mapping writes it. */
export function defaultReconciledVersion(object: KubeObject): string | undefined {
  const status = object.status as { provisioning?: { reconciledConfigVersion?: unknown } };
  const value = status?.provisioning?.reconciledConfigVersion;
  return typeof value === "string" ? value : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
