/**
 * What a scenario body works with: resources, goals, clock moves, faults and crashes over
 * one {@link Driver}.
 *
 * @module
 */
import type { JobType } from "@provisionkit/core";
import type { ConformanceJob, ConformanceJobScript, HeldRequestKind, RuleId } from "../types.js";
import { Driver } from "./driver.js";
import { isGone, isReady, isSettled } from "./goals.js";
import { storedStatus, type World } from "./world.js";

/** The specs scenarios switch between. */
export const SPECS = Object.freeze({
  A: Object.freeze({ size: 1 }),
  B: Object.freeze({ size: 2 }),
  C: Object.freeze({ size: 3 }),
});

/** A scenario's handle on its world. */
export class Session {
  /** @param driver - the driver of the scenario's world. */
  constructor(readonly driver: Driver) {}

  /** The world. */
  get world(): World {
    return this.driver.world;
  }

  /** Create a Widget (see {@link World.create}); returns its key. */
  create(name: string, spec: unknown = SPECS.A, finalizer = false): string {
    return this.world.create(name, spec, finalizer);
  }

  /** Change a Widget's spec. */
  setSpec(key: string, spec: unknown): void {
    this.world.setSpec(key, spec);
  }

  /** Ask for a Widget's deletion. */
  delete(key: string): void {
    this.world.delete(key);
  }

  /** Run until the resource is Ready with its spec applied and its jobs ended (E3). */
  untilReady(key: string, budgetMs?: number): Promise<void> {
    return this.driver.until(
      () => isReady(this.world, key),
      `${key} Ready with its spec applied`,
      "E3",
      budgetMs,
      key,
    );
  }

  /** Run until the resource is gone and its jobs ended (E4). */
  untilGone(key: string, budgetMs?: number): Promise<void> {
    return this.driver.until(
      () => isGone(this.world, key),
      `${key} deleted (finalizer released)`,
      "E4",
      budgetMs,
      key,
    );
  }

  /** Run until `done()` holds (`rule` is the one broken when it never does), about resource `key`. */
  until(
    done: () => boolean,
    goal: string,
    rule: RuleId,
    key?: string,
    budgetMs?: number,
  ): Promise<void> {
    return this.driver.until(done, goal, rule, budgetMs, key);
  }

  /** Run until every resource is Ready (or gone, when deleted). */
  async quiesce(budgetMs?: number): Promise<void> {
    const world = this.world;
    const unsettled = (): string | undefined =>
      world.trace.resources.find((key) => !isSettled(world, key));
    const first = unsettled();
    if (first === undefined) return;
    const deleting = (key: string): boolean =>
      world.object(key)?.metadata.deletionTimestamp !== undefined;
    await this.driver.until(
      () => unsettled() === undefined,
      `every resource Ready or deleted (${first} ${deleting(first) ? "deleted" : "Ready"})`,
      deleting(first) ? "E4" : "E3",
      budgetMs,
      first,
    );
  }

  /** Let the processes run for `ms`. */
  runFor(ms: number): Promise<void> {
    return this.driver.runFor(ms);
  }

  /** Move the clock with every process asleep. */
  advance(ms: number): Promise<void> {
    return this.driver.advance(ms);
  }

  /** The backend's jobs of a resource (all of them without a key), oldest first. */
  ledger(key?: string): ConformanceJob[] {
    return this.world
      .ledger()
      .filter((j) => key === undefined || j.resourceKey === key)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The latest job of an operation of a resource, if any. */
  latest(key: string, operation: JobType): ConformanceJob | undefined {
    return this.ledger(key)
      .filter((j) => j.operation === operation)
      .at(-1);
  }

  /** Whether a job of the operation is active in the backend. */
  active(key: string, operation: JobType): boolean {
    const job = this.latest(key, operation);
    return job !== undefined && job.finishedAt === undefined;
  }

  /** The stored provisioning status of a resource. */
  status(key: string): ReturnType<typeof storedStatus> {
    return storedStatus(this.world.object(key));
  }

  /** How the next job of `operation` plays out. */
  scriptNext(operation: JobType, script: ConformanceJobScript): void {
    this.world.backend.scriptNext(operation, script);
  }

  /** Answer the next `count` launch requests with a rate limit. */
  rateLimitNext(count: number, retryAfterMs: number): void {
    this.world.backend.rateLimitNext?.(count, retryAfterMs);
    this.#fault(
      { kind: "rateLimit", count, retryAfterMs },
      `rate limit on the next ${count} launch(es)`,
    );
  }

  /** Answer the next `count` requests with a transient failure. */
  failNext(count: number): void {
    this.world.backend.failNext?.(count);
    this.#fault({ kind: "transient", count }, `transient failure of the next ${count} request(s)`);
  }

  /** Answer the next `count` read requests (not launches) with a transient failure. */
  failNextReads(count: number): void {
    this.world.backend.failNextReads?.(count);
    this.#fault(
      { kind: "transient", count },
      `transient failure of the next ${count} read request(s)`,
    );
  }

  /** Answer the next `count` cancel requests (nothing else) with a transient failure. */
  failNextCancels(count: number): void {
    this.world.backend.failNextCancels?.(count);
    this.#fault(
      { kind: "transient", count },
      `transient failure of the next ${count} cancel request(s)`,
    );
  }

  /**
   * Hold the next `count` requests of `kind` unanswered (see
   * `ConformanceBackend.holdNext`). As each is held, the provider calls in flight are
   * aborted ({@link World.abortInFlight}): the one waiting on it must then settle within the
   * grace (P9, checked as L1).
   */
  holdNext(kind: HeldRequestKind, count: number): void {
    this.world.backend.holdNext?.(kind, count, this.world.abortInFlight);
    this.#fault({ kind: "hold", count }, `the next ${count} ${kind} request(s) held unanswered`);
  }

  /** Let the held requests go on (carried out; answered to callers that gave up). */
  releaseHeld(): void {
    this.world.backend.releaseHeld?.();
    this.world.mark("", "held requests released");
  }

  /** Purge a job. */
  purge(job: ConformanceJob): void {
    this.world.backend.purge?.(job);
    this.#fault(
      { kind: "purge", count: 1, jobId: job.id },
      `job ${job.id} purged`,
      job.resourceKey,
    );
  }

  /** Copy `from`'s latest provision job record into `to`'s status (see {@link World.copyProvisionRecord}). */
  copyProvisionRecord(from: string, to: string): ReturnType<World["copyProvisionRecord"]> {
    return this.world.copyProvisionRecord(from, to);
  }

  /** A copy of a Widget's whole status now (see {@link World.statusSnapshot}). */
  statusSnapshot(key: string): Record<string, unknown> {
    return this.world.statusSnapshot(key);
  }

  /** Write a snapshot back as a Widget's whole status (see {@link World.restoreStatus}). */
  restoreStatus(key: string, status: Record<string, unknown>, label: string): void {
    this.world.restoreStatus(key, status, label);
  }

  /** Add annotations to a Widget (see {@link World.annotate}). */
  annotate(key: string, annotations: Record<string, string>, label: string): void {
    this.world.annotate(key, annotations, label);
  }

  /** Record a scenario-specific violation. */
  expect(rule: RuleId, message: string): void {
    this.world.trace.expectations.push({ rule, message });
  }

  #fault(
    fault: {
      kind: "rateLimit" | "transient" | "purge" | "hold";
      count: number;
      retryAfterMs?: number;
      jobId?: string;
    },
    label: string,
    key = "",
  ): void {
    this.world.trace.faults.push({ at: this.world.clock.now(), ...fault });
    this.world.mark(key, label);
  }
}
