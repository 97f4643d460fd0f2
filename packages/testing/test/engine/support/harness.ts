/**
 * A tiny controller loop for the engine's tests: one resource, its persisted status, and
 * core's `reconcile` driven on a virtual clock, the way the Kubernetes runtime drives it.
 * Every status write and finalizer release is recorded the way the conformance suite's
 * trace records them, so the suite's checks can read them.
 */
import {
  configVersion,
  reconcile,
  resourceKey,
  type EngineEvent,
  type EngineOptionsInput,
  type LaunchResolution,
  type PersistReason,
  type Provider,
  type ProviderSet,
  type ProvisioningStatus,
  type ReconcileResult,
  type ResourceObject,
} from "@provisionkit/core";
import type { VirtualClock } from "../../../src/clock.js";
import type { PersistRecord, ReleaseRecord } from "../../../src/conformance/driver/trace.js";

/** The process name the harness writes as (it is one process; crashes fail its writes). */
export const HARNESS_PROCESS = "p1";

/** One resource reconciled by hand or in a loop on a virtual clock. */
export class Harness {
  resource: ResourceObject;
  status: ProvisioningStatus | undefined;
  finalizerReleased = false;
  events: EngineEvent[] = [];
  /** Every persisted status, with the virtual time and whether the resource was being deleted. */
  readonly persists: PersistRecord[] = [];
  /** The finalizer release, once it happened. */
  readonly releases: ReleaseRecord[] = [];
  last: ReconcileResult | undefined;
  private ids = 0;
  /** When set, the next persist with this reason throws (a crash or a conflict). */
  failPersist: PersistReason | undefined;
  /**
   * When set, the next persist with this reason is written, then throws: the process
   * dies right after the write (for "before-launch": before the launch call is made).
   */
  crashAfterPersist: PersistReason | undefined;
  /**
   * When true, the next "before-launch" persist is written, the launch happens, and the
   * persist that would record its outcome throws: the process dies between launch and
   * record (E5).
   */
  crashAfterNextLaunch = false;
  resolution: LaunchResolution | undefined;

  constructor(
    readonly clock: VirtualClock,
    public providers: Provider | ProviderSet,
    public options: EngineOptionsInput = {},
    spec: unknown = { size: 1 },
    name = "r1",
  ) {
    this.resource = {
      apiVersion: "example.com/v1",
      kind: "Thing",
      metadata: { name, namespace: "ns", generation: 1 },
      spec,
    };
  }

  /** `namespace/name` of the resource. */
  get key(): string {
    return resourceKey(this.resource);
  }

  get deleting(): boolean {
    return Boolean(this.resource.metadata.deletionTimestamp);
  }

  setSpec(spec: unknown): void {
    this.resource = {
      ...this.resource,
      spec,
      metadata: {
        ...this.resource.metadata,
        generation: (this.resource.metadata.generation ?? 0) + 1,
      },
    };
  }

  delete(): void {
    this.resource = {
      ...this.resource,
      metadata: {
        ...this.resource.metadata,
        deletionTimestamp: new Date(this.clock.now()).toISOString(),
      },
    };
  }

  get desired(): string {
    return configVersion(this.resource.spec ?? {});
  }

  async reconcile(): Promise<ReconcileResult> {
    const result = await reconcile({
      resource: this.resource,
      status: this.status,
      providers: this.providers,
      options: this.options,
      clock: () => this.clock.now(),
      newCorrelationId: () => `corr-${++this.ids}`,
      ...(this.resolution ? { resolution: this.resolution } : {}),
      persist: (status, reason) => this.persist(status, reason),
    });
    this.events.push(...result.events);
    if (result.finalizer === "release" && !this.finalizerReleased) {
      this.finalizerReleased = true;
      this.releases.push({
        at: this.clock.now(),
        process: HARNESS_PROCESS,
        resourceKey: this.key,
        status: result.status,
      });
    }
    this.last = result;
    return result;
  }

  private persist(status: ProvisioningStatus, reason: PersistReason): Promise<void> {
    if (this.failPersist === reason) {
      this.failPersist = undefined;
      return Promise.reject(new Error(`persist failed (${reason})`));
    }
    this.status = status;
    this.persists.push({
      at: this.clock.now(),
      process: HARNESS_PROCESS,
      resourceKey: this.key,
      reason,
      status,
      deleting: this.deleting,
    });
    if (reason === "before-launch" && this.crashAfterNextLaunch) {
      this.crashAfterNextLaunch = false;
      this.failPersist = "update";
    }
    if (this.crashAfterPersist === reason) {
      this.crashAfterPersist = undefined;
      return Promise.reject(new Error(`persist failed: crash after writing (${reason})`));
    }
    return Promise.resolve();
  }

  /**
   * Reconcile, then advance the clock to the requested requeue (or `idleStepMs` when
   * none), until `until()` holds or `maxRounds` pass.
   */
  async runUntil(until: () => boolean, maxRounds = 200, idleStepMs = 10_000): Promise<number> {
    for (let round = 0; round < maxRounds; round++) {
      if (until()) return round;
      const result = await this.reconcile();
      if (until()) return round;
      this.clock.advance(
        result.requeueAfterMs === undefined ? idleStepMs : Math.max(1, result.requeueAfterMs),
      );
    }
    throw new Error(
      `condition not reached after ${maxRounds} rounds; status: ${JSON.stringify(this.status)}`,
    );
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}
