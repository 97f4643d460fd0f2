/**
 * A simulated operator process: a provider set (recording proxies around fresh provider
 * instances), its own requeue schedule, and core's `reconcile` run for one resource at a
 * time against the Kubernetes API simulator, with status writes and finalizer changes made
 * under a resourceVersion precondition. It can be made to crash at chosen points.
 *
 * @module
 */
import {
  reconcile,
  type EngineOptions,
  type LaunchResolution,
  type ProviderSet,
} from "@provisionkit/core";
import { KubeStatusError } from "../../kubernetes/status.js";
import type { KubeObject } from "../../kubernetes/types.js";
import { CrashSignal, type CrashPoint } from "./crash.js";
import { yieldTurns } from "./recorder.js";
import { CONFORMANCE_FINALIZER, storedStatus, type World } from "./world.js";

class ConflictSignal extends Error {}

interface Entry {
  rv: string | undefined;
  dueAt?: number;
}

/** What a process needs from the driver. */
export interface ProcessEnv {
  /** The engine options. */
  options: EngineOptions;
  /** A fresh correlation id (deterministic per scenario). */
  newCorrelationId(): string;
  /** A human's answer to an unknown launch outcome of a resource, if any. */
  resolutionFor(key: string): LaunchResolution | undefined;
  /** Records an error that is not a rule violation. */
  error(message: string): void;
}

/** One simulated operator process. */
export class Process {
  /** False once it crashed or was stopped. */
  alive = true;
  /** How many times each crash point was passed. */
  readonly counts = new Map<CrashPoint, number>();
  #armed: { point: CrashPoint; remaining: number } | undefined;
  readonly #schedule = new Map<string, Entry>();

  /**
   * @param id - e.g. `p1`.
   * @param world - the scenario's world.
   * @param providers - the process's providers (recording proxies).
   * @param env - options, ids, resolutions.
   * @param jitter - microtask turns to yield before each write.
   */
  constructor(
    readonly id: string,
    readonly world: World,
    readonly providers: ProviderSet,
    readonly env: ProcessEnv,
    readonly jitter: () => number,
  ) {}

  /** Die at the `occurrence`-th passing of `point` from now on. */
  arm(point: CrashPoint, occurrence = 1): void {
    this.#armed = { point, remaining: occurrence };
  }

  /** Whether the resource needs a reconcile now: due, or changed by someone else. */
  isDue(key: string, now: number, rv: string | undefined): boolean {
    const entry = this.#schedule.get(key);
    if (!entry) return rv !== undefined;
    if (entry.rv !== rv) return true;
    return entry.dueAt !== undefined && entry.dueAt <= now;
  }

  /** The earliest requeue of any resource. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const entry of this.#schedule.values()) {
      if (entry.dueAt !== undefined && (next === undefined || entry.dueAt < next))
        next = entry.dueAt;
    }
    return next;
  }

  /** Make a resource due now. */
  wake(key: string): void {
    this.#schedule.delete(key);
  }

  /** Reconcile one resource. Throws {@link CrashSignal} when the process dies. */
  async reconcile(key: string): Promise<void> {
    const now = this.world.clock.now();
    try {
      await this.#reconcile(key);
    } catch (error) {
      if (error instanceof CrashSignal) {
        this.alive = false;
        throw error;
      }
      if (
        error instanceof ConflictSignal ||
        (error instanceof KubeStatusError && error.code === 404)
      ) {
        this.#schedule.set(key, { rv: undefined, dueAt: now });
        return;
      }
      this.env.error(
        `${this.id} reconciling ${key}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      this.#schedule.set(key, {
        rv: this.world.object(key)?.metadata.resourceVersion,
        dueAt: now + 10_000,
      });
    }
  }

  async #reconcile(key: string): Promise<void> {
    const world = this.world;
    let object = world.object(key);
    if (!object) return void this.#schedule.set(key, { rv: undefined });
    const deleting = Boolean(object.metadata.deletionTimestamp);
    const ours = (object.metadata.finalizers ?? []).includes(CONFORMANCE_FINALIZER);
    let rv: string | undefined = object.metadata.resourceVersion;
    if (deleting && !ours) return void this.#schedule.set(key, { rv });
    if (!deleting && !ours) {
      await yieldTurns(this.jitter());
      object = this.#write(key, rv, (o) => {
        o.metadata.finalizers = [...(o.metadata.finalizers ?? []), CONFORMANCE_FINALIZER];
      });
      rv = object.metadata.resourceVersion;
      this.#hook("after-finalizer-added");
    }
    let launched = false;
    const stored = storedStatus(object);
    const resolution = this.env.resolutionFor(key);
    const result = await reconcile({
      resource: object,
      status: stored && structuredClone(stored),
      providers: this.providers,
      deleting,
      options: this.env.options,
      clock: () => world.clock.now(),
      newCorrelationId: () => this.env.newCorrelationId(),
      ...(resolution ? { resolution } : {}),
      persist: async (status, reason) => {
        await yieldTurns(this.jitter());
        if (reason === "before-launch") this.#hook("before-launch-write");
        else this.#hook(launched ? "after-launch" : "before-update-write");
        launched = false;
        const written = this.#write(key, rv, (o) => {
          o.status = { ...(o.status as object | undefined), provisioning: status };
        });
        rv = written.metadata.resourceVersion;
        world.trace.persists.push({
          at: world.clock.now(),
          process: this.id,
          resourceKey: key,
          reason,
          status,
          deleting,
        });
        if (reason === "before-launch") {
          launched = true;
          this.#hook("after-launch-write");
        } else this.#hook("after-update-write");
      },
    });
    if (result.finalizer === "release" && deleting) {
      this.#hook("before-finalizer-release");
      const released = this.#write(key, rv, (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter(
          (f) => f !== CONFORMANCE_FINALIZER,
        );
      });
      rv = world.object(key) ? released.metadata.resourceVersion : undefined;
      world.trace.releases.push({
        at: world.clock.now(),
        process: this.id,
        resourceKey: key,
        status: result.status,
      });
      world.mark(key, `finalizer released by ${this.id}`);
    }
    const entry: Entry = { rv };
    if (result.requeueAfterMs !== undefined)
      entry.dueAt = world.clock.now() + result.requeueAfterMs;
    this.#schedule.set(key, entry);
  }

  #write(key: string, rv: string | undefined, mutate: (object: KubeObject) => void): KubeObject {
    return this.world.kube.updateObject(this.world.ref(key), (object) => {
      if (object.metadata.resourceVersion !== rv) throw new ConflictSignal(`conflict on ${key}`);
      mutate(object);
    });
  }

  #hook(point: CrashPoint): void {
    this.counts.set(point, (this.counts.get(point) ?? 0) + 1);
    const armed = this.#armed;
    if (armed?.point !== point) return;
    if (--armed.remaining > 0) return;
    this.#armed = undefined;
    throw new CrashSignal(point);
  }
}
