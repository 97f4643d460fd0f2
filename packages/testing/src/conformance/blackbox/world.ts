/**
 * One black-box scenario: the operator process(es) it started, the objects it wrote through
 * the Kubernetes API, what a watch saw of them, and the AAP ledger's jobs of those objects.
 * It is a {@link CheckedWorld}: the operator suite's E1–E5 checks and goals run on it.
 *
 * @module
 */
import type { JobType } from "@provisionkit/core";
import type { KubeObject } from "../../kubernetes/types.js";
import type { CheckedWorld } from "../operator/checked-world.js";
import { ObjectObserver, SAMPLE_INTERVAL_MS } from "../operator/observer.js";
import { GoalTimeout } from "../operator/outcomes.js";
import type { ConformanceJob, RuleId, TimelineMark, Violation } from "../types.js";
import { OperatorProcess } from "./process.js";
import type { Stage } from "./stage.js";

/** A version of an object as the watch delivered it. */
interface Seen {
  at: number;
  resourceVersion: string | undefined;
}

/** Seconds since the scenario started, for messages: `3.20 s`. */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A black-box scenario's world. */
export class BlackBoxWorld implements CheckedWorld {
  /** When the scenario started (epoch ms). */
  readonly start = Date.now();
  /** Spec writes and deletions, per object key, epoch ms. */
  readonly userWrites = new Map<string, number[]>();
  /** Marks for the timelines, per object key. */
  readonly marks = new Map<string, TimelineMark[]>();
  /** The objects' observer. */
  readonly observer: ObjectObserver;
  /** A black box declares nothing: a failed deprovision blocks deletion (the contract's default). */
  readonly declarations = [];
  /** A black box answers no `skipped`: a release with no teardown after a provision is E4. */
  readonly skips = [];
  /** Violations the scenario itself found. */
  readonly expectations: Violation[] = [];
  /** The operator processes started, oldest first. */
  readonly processes: OperatorProcess[] = [];
  /** The checks' options. */
  readonly options: { finalizer: string; reconcileWithinMs: number };
  readonly #seen = new Map<string, Seen[]>();
  readonly #phases = new Map<string, string | undefined>();
  #deadline: number;
  #closedAt: number | undefined;
  #closedLedger: ConformanceJob[] | undefined;

  private constructor(
    readonly stage: Stage,
    /** The scenario's id. */
    readonly scenario: string,
  ) {
    const reader = stage.reader;
    this.options = {
      finalizer: reader.map.finalizer,
      reconcileWithinMs: stage.options.reconcileWithinMs ?? 5_000,
    };
    this.#deadline = this.start + (stage.options.timeoutMs ?? 10_000);
    this.observer = new ObjectObserver(stage.cluster, {
      finalizer: reader.map.finalizer,
      // Called on every version the watch delivers: note when each arrived, and the phase.
      reconciled: (object) => {
        this.#note(object);
        return reader.reconciled(object);
      },
      deletionBlocked: (object) => reader.blocked(object),
    });
  }

  /** Start a world on `stage` (its watch running). */
  static async open(stage: Stage, scenario: string): Promise<BlackBoxWorld> {
    const world = new BlackBoxWorld(stage, scenario);
    await world.observer.start();
    return world;
  }

  /** Seconds since the scenario started, for messages. */
  t(at: number | undefined): string {
    return at === undefined ? "never" : seconds(at - this.start);
  }

  /** A job for messages: `provision job 11 (version 1a2b3c4d, 0.20 s–0.52 s, succeeded)`. */
  label(job: ConformanceJob): string {
    const version = job.configVersion ? `version ${job.configVersion.slice(0, 12)}, ` : "";
    const end = job.finishedAt === undefined ? "still running" : this.t(job.finishedAt);
    return `${job.operation} job ${job.id} (${version}${this.t(job.createdAt)}–${end}, ${job.outcome ?? "active"})`;
  }

  /** Mark a moment on an object's timeline. */
  mark(key: string, label: string): void {
    const list = this.marks.get(key) ?? [];
    list.push({ at: Date.now() - this.start, label });
    this.marks.set(key, list);
  }

  /** The key of an object (`namespace/name`). */
  key(name: string): string {
    return this.stage.cluster.key(name);
  }

  /** The object as last seen through the watch. */
  object(name: string): KubeObject | undefined {
    return this.observer.object(this.key(name));
  }

  /** The reconciled version, through the status map. */
  reconciled(object: KubeObject): string | undefined {
    return this.stage.reader.reconciled(object);
  }

  /** The desired version, through the status map. */
  desired(object: KubeObject): string {
    return this.stage.reader.desired(object);
  }

  /** The jobs of this scenario's objects, launched since it started. */
  ledger(): ConformanceJob[] {
    if (this.#closedLedger) return this.#closedLedger;
    return this.stage
      .ledger()
      .filter((j) => this.userWrites.has(j.resourceKey) && j.createdAt >= this.start);
  }

  /** The ledger's jobs of an object (of one operation), oldest first. */
  jobs(key: string, operation?: JobType): ConformanceJob[] {
    return this.ledger()
      .filter((j) => j.resourceKey === key && (!operation || j.operation === operation))
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Until when the observations reach. */
  observedUntil(): number {
    return this.#closedAt ?? Date.now();
  }

  /** Start the operator (a new process), unless it is already running. */
  startOperator(): void {
    const command = this.stage.options.operator;
    if (command === "already-running") return;
    const options = this.stage.options;
    const started = new OperatorProcess(command, this.stage.env, (line) =>
      options.onOutput?.(line),
    );
    this.processes.push(started);
    for (const key of this.userWrites.keys())
      this.mark(key, `operator started (pid ${started.pid ?? "?"})`);
  }

  /** SIGKILL the running operator process. */
  async crash(): Promise<void> {
    const running = this.processes.at(-1);
    if (!running) throw new Error("no operator process to crash");
    await running.kill();
    for (const key of this.userWrites.keys()) this.mark(key, `operator killed (SIGKILL)`);
  }

  /** Create an object with spec A (0) or B (1). */
  async create(name: string, index: 0 | 1): Promise<void> {
    this.#userWrite(this.key(name), `created with spec ${index === 0 ? "A" : "B"}`);
    await this.stage.cluster.create(name, this.#spec(index));
  }

  /** Replace an object's spec with A (0) or B (1). */
  async setSpec(name: string, index: 0 | 1): Promise<void> {
    this.#userWrite(this.key(name), `spec changed to ${index === 0 ? "A" : "B"}`);
    await this.stage.cluster.replaceSpec(name, this.#spec(index));
  }

  /** Ask for an object's deletion. */
  async delete(name: string): Promise<void> {
    this.#userWrite(this.key(name), "deletion requested");
    await this.stage.cluster.delete(name);
  }

  /** Whether the watch delivered a version of the object that arrived after `at`. */
  writtenAfter(name: string, at: number): boolean {
    return (this.#seen.get(this.key(name)) ?? []).some((s) => s.at > at);
  }

  /** Look again until `reached`; past the scenario's deadline throw a {@link GoalTimeout} of `rule`. */
  async until(reached: () => boolean, rule: RuleId, seen: () => string): Promise<void> {
    for (;;) {
      if (reached()) return;
      if (Date.now() >= this.#deadline) throw new GoalTimeout(rule, seen());
      this.#exitedEarly();
      await sleep(SAMPLE_INTERVAL_MS);
    }
  }

  /** Keep observing for `ms`. */
  async settle(ms: number): Promise<void> {
    await sleep(ms);
  }

  /** Record a violation the scenario found. */
  expect(rule: RuleId, message: string): void {
    this.expectations.push({ rule, message: `${rule}: ${message}` });
  }

  /** Stop the operator, the watch, and remove the scenario's objects. */
  async close(): Promise<void> {
    for (const running of this.processes) await running.stop();
    this.#closedAt ??= Date.now();
    this.#closedLedger ??= this.ledger();
    await this.observer.stop();
    await this.stage.cluster.cleanup();
  }

  #exitedEarly(): void {
    const running = this.processes.at(-1);
    if (running?.exitedWith !== undefined) {
      const tail = running.output.slice(-5).join(" | ");
      throw new Error(
        `the operator process (pid ${running.pid ?? "?"}) exited on its own (${running.exitedWith}); its last output: ${tail || "(none)"}`,
      );
    }
  }

  #spec(index: 0 | 1): Record<string, unknown> {
    const specs = this.stage.options.specs ?? [{ size: 1 }, { size: 2 }];
    return structuredClone(specs[index]);
  }

  #userWrite(key: string, label: string): void {
    const list = this.userWrites.get(key) ?? [];
    list.push(Date.now());
    this.userWrites.set(key, list);
    this.mark(key, label);
  }

  #note(object: KubeObject): void {
    const key = this.stage.cluster.key(object.metadata.name);
    const list = this.#seen.get(key) ?? [];
    list.push({ at: Date.now(), resourceVersion: object.metadata.resourceVersion });
    this.#seen.set(key, list);
    const phase = this.stage.reader.phase(object);
    if (phase !== undefined && this.#phases.get(key) !== phase) {
      this.#phases.set(key, phase);
      if (this.userWrites.has(key)) this.mark(key, `phase ${phase}`);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
