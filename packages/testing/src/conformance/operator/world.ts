/**
 * One operator scenario's world: the scenario's Kubernetes API (a fresh simulator serving
 * the user's CRD, or the caller's cluster), a backend in real time, the user's controllers
 * (each on its own cuttable link to the API), and an observer of the objects.
 *
 * @module
 */
import {
  configVersion,
  resolveEngineOptions,
  type EngineOptions,
  type JobType,
} from "@provisionkit/core";
import { systemClock } from "../../clock.js";
import type { KubeObject } from "../../kubernetes/types.js";
import { abortGraceMs, lateCallMessage, type LateCall } from "../driver/deadline.js";
import { shortVersion } from "../driver/world.js";
import { memoryBackend } from "../memory/harness.js";
import type {
  ConformanceBackend,
  ConformanceJob,
  ConformanceJobScript,
  RuleId,
  TimelineMark,
  Violation,
} from "../types.js";
import { ScenarioCluster } from "./cluster.js";
import { ControllerFleet, type StartControllerOptions } from "./controllers.js";
import { ObjectObserver, SAMPLE_INTERVAL_MS } from "./observer.js";
import { CallLate, GoalTimeout, ScenarioSkipped } from "./outcomes.js";
import type { DeprovisionDeclaration, DeprovisionHandover, TapLate } from "./provider-tap.js";
import { CANCEL_MS, JOB_MS, operatorEngine } from "./timings.js";
import type { OperatorConformanceOptions, OperatorController } from "./types.js";

/** How much longer than a call's deadline and grace a controller's stop may take, ms. */
const STOP_SLACK_MS = 2_000;

/** What the backend's providers can do (detected on a provider of the backend). */
export interface ProviderAbilities {
  /** It implements `findJob`. */
  findJob: boolean;
  /** It implements `cancelJob`. */
  cancel: boolean;
  /** The backend can give a provider with a chosen `blockDeletionOnFailure`. */
  chooseBlockDeletion: boolean;
}

/** A scenario's API, backend, controllers and observations. */
export class OperatorWorld {
  /** When the scenario started (epoch ms). */
  readonly start = Date.now();
  /** Spec writes (create and patches) and deletions, per object key, epoch ms. */
  readonly userWrites = new Map<string, number[]>();
  /** Marks for the timelines, per object key. */
  readonly marks = new Map<string, TimelineMark[]>();
  /** The objects' observer. */
  readonly observer: ObjectObserver;
  /** The user's controllers. */
  readonly controllers: ControllerFleet;
  /** The ledger as it was when the world closed (a stopped backend may forget its jobs). */
  #closedLedger: ConformanceJob[] | undefined;
  #closedAt: number | undefined;
  #deadline: number;
  /** The engine options the controllers are handed (`env.engine`), resolved. */
  readonly engine: EngineOptions;
  /** Each provider call's deadline, real ms (L1). */
  readonly callDeadlineMs: number;
  /** Provider calls that missed their deadline (L1). */
  readonly late: LateCall[] = [];
  /** Violations the scenario itself found (beyond the checks run after every scenario). */
  readonly expectations: Violation[] = [];
  /** Controllers whose stop never resolved (L1). */
  readonly #stuck: string[] = [];
  /** The numbers of the crashed controllers {@link OperatorWorld.crashed} gave up on (already reported). */
  readonly #stuckCrashes = new Set<number>();

  private constructor(
    /** The scenario's Kubernetes API. */
    readonly cluster: ScenarioCluster,
    /** The backend (its ledger is the truth the checks read). */
    readonly backend: ConformanceBackend,
    /** What the backend's providers can do. */
    readonly abilities: ProviderAbilities,
    readonly options: OperatorConformanceOptions,
    readonly reconciled: (object: KubeObject) => string | undefined,
    readonly desired: (object: KubeObject) => string,
    /** The scenario's id, for the report. */
    readonly scenario: string | undefined,
  ) {
    this.observer = new ObjectObserver(cluster, {
      finalizer: options.finalizer,
      reconciled,
      deletionBlocked: options.deletionBlocked ?? defaultDeletionBlocked,
    });
    const timeoutMs = options.timeoutMs ?? 8_000;
    this.#deadline = this.start + timeoutMs;
    const engine = operatorEngine(options.engine);
    this.engine = resolveEngineOptions(engine);
    this.callDeadlineMs = options.callDeadlineMs ?? Math.min(5_000, Math.ceil(timeoutMs / 2));
    this.controllers = new ControllerFleet({
      cluster,
      backend,
      options,
      engine,
      deadlineMs: this.callDeadlineMs,
      onLate: (late, controller) => this.#late(late, controller),
      onCrash: () => {
        for (const key of this.userWrites.keys()) this.mark(key, "controller crashed");
      },
    });
  }

  /** What the providers declared about their deprovisions (read by E4). */
  get declarations(): readonly DeprovisionDeclaration[] {
    return this.controllers.declarations;
  }

  /** The providers' `skipped` deprovision answers (read by E4). */
  get skips(): readonly { resourceKey: string; at: number }[] {
    return this.controllers.skips;
  }

  /** The provision jobs each `triggerDeprovision` was handed (read by E5). */
  get handovers(): readonly DeprovisionHandover[] {
    return this.controllers.handovers;
  }

  /** Start a world for `options`. */
  static async open(
    options: OperatorConformanceOptions,
    scenario?: string,
  ): Promise<OperatorWorld> {
    const cluster = await ScenarioCluster.open(options.crd, options.cluster);
    const backend =
      options.backend?.() ?? memoryBackend({ defaultDurationMs: JOB_MS, cancelDelayMs: CANCEL_MS });
    const { group, version, plural, kind } = options.crd;
    try {
      await backend.start({
        clock: systemClock,
        kubernetes: { kubeconfig: () => cluster.kubeconfigText },
        resource: { group, version, plural, kind },
      });
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    const probe = backend.provider();
    const world = new OperatorWorld(
      cluster,
      backend,
      {
        findJob: typeof probe.findJob === "function",
        cancel: typeof probe.cancelJob === "function",
        chooseBlockDeletion: typeof backend.providerWith === "function",
      },
      options,
      options.reconciledVersion ?? defaultReconciledVersion,
      options.desiredVersion ?? defaultDesiredVersion,
      scenario,
    );
    try {
      await world.observer.start();
    } catch (error) {
      await world.close();
      throw error;
    }
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

  /** A new controller from the user's factory, started (see {@link ControllerFleet.start}). */
  startController(options: StartControllerOptions = {}): Promise<OperatorController> {
    return this.controllers.start(options);
  }

  /**
   * Wait until a controller crashed (see {@link StartControllerOptions.crashAfter}) and what
   * was left of it stopped, for at most {@link OperatorWorld.stopLimitMs}.
   *
   * @throws GoalTimeout of L1 when what was left of it had not stopped by then (a reconcile
   *   that never ends: the scenario cannot go on with it half alive).
   * @throws Error when it never connected through its link: cutting it crashed nothing.
   */
  async crashed(controller: OperatorController, rule: RuleId, awaited: string): Promise<void> {
    await this.until(
      () => this.controllers.crashOf(controller).stopped !== undefined,
      rule,
      () =>
        `${rule}: the controller never got to crash: ${awaited} never happened by ${this.t(Date.now())}`,
    );
    const crash = this.controllers.crashOf(controller);
    const crashedAt = Date.now();
    const limitMs = this.stopLimitMs;
    if (!(await settlesWithin(crash.stopped, limitMs))) {
      const number = this.controllers.numberOf(controller);
      this.#stuckCrashes.add(number);
      throw new GoalTimeout(
        "L1",
        `L1: controller ${number} crashed at ${this.t(crashedAt)} (after ${awaited}), but what was left of it had not stopped ${limitMs} ms later: a reconcile never ended, though every provider call the suite hands out has its deadline (a call of the operator's own, or a provider wrapper of its own, that never returns?)`,
      );
    }
    await crash.stopped;
    if (crash.connections === 0) {
      // Then cutting the link crashed nothing: the crash scenario would test a clean restart.
      throw new Error(
        "the controller never connected to the API through env.kubeConfig: build it on env.kubeConfig, or the suite cannot crash it",
      );
    }
  }

  /**
   * Wait until a later controller asked its provider about the job `crashed` launched just
   * before it crashed: the job is adopted, not lost (E5).
   */
  async adopted(crashed: OperatorController): Promise<void> {
    const launch = this.controllers.crashOf(crashed).launch;
    if (!launch) throw new Error("that controller did not crash after a launch");
    await this.until(
      () => this.controllers.askedAfterCrash(crashed),
      "E5",
      () =>
        `E5: the ${launch.operation} job ${launch.jobId ?? "?"} launched just before the crash was lost: by ${this.t(Date.now())} no later controller looked for it (no findJob with correlation id ${launch.correlationId ?? "?"}, no status read of it)`,
    );
  }

  /**
   * Check that the provider from `providerWith({ blockDeletionOnFailure })` declared that
   * flag on the object's latest deprovision.
   *
   * @throws ScenarioSkipped when it declared the other (it has no such option, as the
   *   provider suite also finds): the scenario cannot be played with it.
   */
  expectDeclared(name: string, blockDeletionOnFailure: boolean): void {
    const key = this.key(name);
    const latest = this.declarations.filter((d) => d.resourceKey === key).at(-1);
    if (latest && latest.blockDeletionOnFailure !== blockDeletionOnFailure) {
      throw new ScenarioSkipped(
        `the provider declared blockDeletionOnFailure=${latest.blockDeletionOnFailure} even from providerWith({ blockDeletionOnFailure: ${blockDeletionOnFailure} }) (no such option, or the backend's provider factory does not pass it on)`,
      );
    }
  }

  /** Stop a controller (as a process that is shut down). */
  async stopController(controller: OperatorController): Promise<void> {
    await controller.stop();
  }

  /** The key of an object, as the ledger has it (`namespace/name`). */
  key(name: string): string {
    return this.cluster.key(name);
  }

  /** Create an object with `spec(index)`, as a user would. */
  async create(name: string, index: number): Promise<string> {
    const spec = this.options.spec(index);
    const key = this.key(name);
    this.#userWrite(key, `created with spec(${index}) (${shortVersion(configVersion(spec))})`);
    await this.cluster.create(name, spec);
    return key;
  }

  /** Replace an object's spec with `spec(index)`. */
  async setSpec(name: string, index: number): Promise<void> {
    this.#userWrite(this.key(name), `spec changed to spec(${index})`);
    await this.cluster.replaceSpec(name, this.options.spec(index));
  }

  /** Ask for the object's deletion. */
  async delete(name: string): Promise<void> {
    this.#userWrite(this.key(name), "deletion requested");
    await this.cluster.delete(name);
  }

  /** The object as last seen through the watch. */
  object(name: string): KubeObject | undefined {
    return this.observer.object(this.key(name));
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

  /** Until when the observations reach: now while the world is open, its close after. */
  observedUntil(): number {
    return this.#closedAt ?? Date.now();
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
   * Look again (every 10 ms) until `reached` returns true; past the scenario's deadline,
   * throw a {@link GoalTimeout} of `rule` with what `seen` describes.
   */
  async until(reached: () => boolean, rule: RuleId, seen: () => string): Promise<void> {
    for (;;) {
      this.#stopIfLate();
      await this.backend.settle?.();
      if (reached()) return;
      if (Date.now() >= this.#deadline) throw new GoalTimeout(rule, seen());
      await sleep(SAMPLE_INTERVAL_MS);
    }
  }

  /** Keep observing for `ms` (to see what the operator does once it should be quiet). */
  async settle(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      this.#stopIfLate();
      await this.backend.settle?.();
      await sleep(SAMPLE_INTERVAL_MS);
    }
  }

  /**
   * Stop every controller and the observer, remove the scenario's objects from a caller's
   * cluster, stop the backend and the simulator.
   */
  async close(): Promise<void> {
    const limitMs = this.stopLimitMs;
    for (const controller of await this.controllers.stopAll(limitMs)) {
      if (this.#stuckCrashes.has(controller)) continue;
      this.#stuck.push(
        `controller ${controller}'s stop() had not resolved ${limitMs} ms after the scenario ended: a reconcile never ended, though every provider call the suite hands out has its deadline (a call of the operator's own, or a provider wrapper of its own, that never returns?)`,
      );
    }
    this.#closedAt ??= Date.now();
    this.#closedLedger ??= this.backend.ledger();
    try {
      await this.observer.stop();
      if (this.cluster.kind === "cluster") await this.cluster.cleanup();
    } finally {
      await this.backend.stop();
      await this.cluster.stop();
    }
  }

  /**
   * How long a controller's stop may take, real ms: its provider calls' deadline, their
   * abort grace, and a 2 s slack. A stop still pending then is an L1 violation.
   */
  get stopLimitMs(): number {
    return this.callDeadlineMs + abortGraceMs(this.callDeadlineMs) + STOP_SLACK_MS;
  }

  /** Give the scenario's goals `ms` more (a scenario with a long job). */
  extendDeadline(ms: number): void {
    this.#deadline += ms;
  }

  /** Record a violation the scenario found. */
  expect(rule: RuleId, message: string): void {
    this.expectations.push({ rule, message: `${rule}: ${message}` });
  }

  #stopIfLate(): void {
    const late = this.late[0];
    if (late) throw new CallLate(late.method);
  }

  #late(late: TapLate, controller: number): void {
    const { at, ...rest } = late;
    const call: LateCall = {
      ...rest,
      caller: `controller ${controller}`,
      at: this.t(at),
      ...(this.scenario !== undefined ? { scenario: this.scenario } : {}),
    };
    this.late.push(call);
    this.mark(late.resourceKey, `${late.method} missed its ${late.deadlineMs} ms deadline`);
  }

  /** The L1 violations of the calls that missed their deadline. */
  lateViolations(): Violation[] {
    return [
      ...this.late.map((late) => `L1: ${lateCallMessage(late)}`),
      ...this.#stuck.map((message) => `L1: ${message}`),
    ].map((message) => ({ rule: "L1", message }));
  }

  #userWrite(key: string, label: string): void {
    const list = this.userWrites.get(key) ?? [];
    list.push(Date.now());
    this.userWrites.set(key, list);
    this.mark(key, label);
  }
}

/** Whether `status.conditions` holds `DeletionBlocked` with status `True` (the default mapping). */
export function defaultDeletionBlocked(object: KubeObject): boolean {
  const conditions = (object.status as { conditions?: unknown } | undefined)?.conditions;
  return (
    Array.isArray(conditions) &&
    conditions.some(
      (c: { type?: unknown; status?: unknown } | null) =>
        c?.type === "DeletionBlocked" && c.status === "True",
    )
  );
}

/**
 * The config version the operator itself wants for an object: the
 * `status.provisioning.desiredConfigVersion` the engine wrote (from the operator's
 * `desiredConfig`, defaults it adds included) when the status was written for the object's
 * current generation (`status.observedGeneration`, as the default status mapping writes it);
 * otherwise `configVersion(object.spec)`, so that an operator that never reconciled the
 * latest spec is not excused by its stale status.
 */
export function defaultDesiredVersion(object: KubeObject): string {
  const status = object.status as
    { observedGeneration?: unknown; provisioning?: { desiredConfigVersion?: unknown } } | undefined;
  const written = status?.provisioning?.desiredConfigVersion;
  const current =
    object.metadata.generation !== undefined &&
    status?.observedGeneration === object.metadata.generation;
  return current && typeof written === "string" ? written : configVersion(object.spec ?? {});
}

/** `status.provisioning.reconciledConfigVersion`, as the default status mapping writes it. */
export function defaultReconciledVersion(object: KubeObject): string | undefined {
  const status = object.status as { provisioning?: { reconciledConfigVersion?: unknown } };
  const value = status?.provisioning?.reconciledConfigVersion;
  return typeof value === "string" ? value : undefined;
}

/** Whether `promise` settles (either way) within `ms`; no timer is left behind. */
async function settlesWithin(promise: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = Promise.resolve(promise).then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, limit]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
