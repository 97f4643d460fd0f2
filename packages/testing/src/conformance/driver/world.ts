/**
 * One scenario's world: a fresh virtual clock, a Kubernetes API simulator serving the
 * conformance CRD, the backend under test, and the trace of what happens.
 *
 * @module
 */
import {
  CONFIG_VERSION_PREFIX,
  configVersion,
  JobState,
  type EngineOptions,
  type JobRecord,
  type ProvisioningStatus,
} from "@provisionkit/core";
import { VirtualClock } from "../../clock.js";
import { KubernetesApiSimulator } from "../../kubernetes/simulator.js";
import type { KubeObject, ObjectRef } from "../../kubernetes/types.js";
import type { ConformanceBackend, ConformanceCapabilities, ConformanceJob } from "../types.js";
import {
  DEFAULT_CALL_DEADLINE_MS,
  lateCallMessage,
  type AfterAbort,
  type LateCall,
} from "./deadline.js";
import { emptyTrace, type CallRecord, type Trace } from "./trace.js";

/** How a world bounds its provider calls (L1), and what its reports name. */
export interface Liveness {
  /** Each provider call's deadline, real ms (default {@link DEFAULT_CALL_DEADLINE_MS}). */
  callDeadlineMs?: number;
  /** The scenario the world belongs to, for the report. */
  scenario?: string;
  /** The run's seed, for the report. */
  seed?: number;
  /**
   * The first late call of the scenario, shared by its worlds: once one world saw a call
   * hang, the later ones (a randomized scenario's runs and shrinks) stop at their first step
   * with the same violation instead of waiting out the deadline again.
   */
  first?: LateCall;
}

/** The custom resource every scenario uses. */
export const CONFORMANCE_RESOURCE = Object.freeze({
  group: "conformance.provisionkit.io",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
});

/** The finalizer the simulated operator manages. */
export const CONFORMANCE_FINALIZER = "conformance.provisionkit.io/finalizer";

/** The namespace of every scenario resource. */
export const CONFORMANCE_NAMESPACE = "conformance";

/** A config version, shortened for messages: `sha256:1a2b3c4d…` → `1a2b3c4d` (a suffix is kept). */
export function shortVersion(version: string | undefined): string {
  if (version === undefined) return "(none)";
  const body = version.startsWith(CONFIG_VERSION_PREFIX)
    ? version.slice(CONFIG_VERSION_PREFIX.length)
    : version;
  return body.replace(/^([0-9a-f]{8})[0-9a-f]{24,}/, "$1");
}

/** The provisioning status stored on an object (`status.provisioning`), if any. */
export function storedStatus(object: KubeObject | undefined): ProvisioningStatus | undefined {
  const status = object?.status as { provisioning?: ProvisioningStatus } | undefined;
  return status?.provisioning;
}

/** A scenario's clock, API server, backend and trace. */
export class World {
  readonly clock = new VirtualClock();
  readonly kube: KubernetesApiSimulator;
  readonly trace: Trace;
  /** Each provider call's deadline, real ms (L1). */
  readonly callDeadlineMs: number;
  /** The suite's abort of every provider call in flight (see {@link World.abortInFlight}). */
  readonly #inFlight = new Set<AbortController>();

  private constructor(
    readonly backend: ConformanceBackend,
    options: EngineOptions,
    capabilities: ConformanceCapabilities,
    readonly liveness: Liveness,
  ) {
    this.callDeadlineMs = liveness.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
    this.kube = new KubernetesApiSimulator({
      clock: this.clock,
      crds: [{ ...CONFORMANCE_RESOURCE, statusSubresource: true }],
      coreEvents: false,
    });
    this.trace = emptyTrace(this.clock.now(), options, capabilities, backend.secrets);
  }

  /** Start the API server and the backend. */
  static async open(
    backend: ConformanceBackend,
    options: EngineOptions,
    capabilities: ConformanceCapabilities,
    liveness: Liveness = {},
  ): Promise<World> {
    const world = new World(backend, options, capabilities, liveness);
    await world.kube.start();
    try {
      await backend.start({
        clock: world.clock,
        kubernetes: world.kube,
        resource: CONFORMANCE_RESOURCE,
      });
    } catch (error) {
      await world.kube.stop();
      throw error;
    }
    return world;
  }

  /** Record the end state, then stop the backend and the API server. */
  async close(): Promise<Trace> {
    try {
      this.trace.end = this.clock.now();
      this.trace.ledger = this.ledger();
      for (const key of this.trace.resources) {
        const object = this.object(key);
        const status = storedStatus(object);
        this.trace.final.set(key, {
          exists: object !== undefined,
          deleting: Boolean(object?.metadata.deletionTimestamp),
          ...(object ? { desired: configVersion(object.spec ?? {}) } : {}),
          ...(status ? { status } : {}),
        });
      }
    } finally {
      await this.backend.stop().finally(() => this.kube.stop());
    }
    return this.trace;
  }

  /** `conformance/<name>`. */
  key(name: string): string {
    return `${CONFORMANCE_NAMESPACE}/${name}`;
  }

  /** The object reference of a key. */
  ref(key: string): ObjectRef {
    const name = key.slice(key.indexOf("/") + 1);
    return {
      group: CONFORMANCE_RESOURCE.group,
      plural: CONFORMANCE_RESOURCE.plural,
      namespace: CONFORMANCE_NAMESPACE,
      name,
    };
  }

  /** The object now, or undefined. */
  object(key: string): KubeObject | undefined {
    return this.kube.getObject(this.ref(key));
  }

  /** The ledger now. */
  ledger(): ConformanceJob[] {
    return this.backend.ledger();
  }

  /** Let the backend do what is due now. */
  async settle(): Promise<void> {
    await this.backend.settle?.();
  }

  /** Create a Widget; with `finalizer`, as if a controller had added it before crashing. */
  create(name: string, spec: unknown, finalizer = false): string {
    const key = this.key(name);
    this.kube.createObject({
      apiVersion: `${CONFORMANCE_RESOURCE.group}/${CONFORMANCE_RESOURCE.version}`,
      kind: CONFORMANCE_RESOURCE.kind,
      metadata: {
        name,
        namespace: CONFORMANCE_NAMESPACE,
        ...(finalizer ? { finalizers: [CONFORMANCE_FINALIZER] } : {}),
      },
      spec,
    });
    if (!this.trace.resources.includes(key)) this.trace.resources.push(key);
    this.mark(key, `created (spec ${shortVersion(configVersion(spec))})`);
    return key;
  }

  /** Change a Widget's spec. */
  setSpec(key: string, spec: unknown): void {
    this.kube.updateObject(this.ref(key), (object) => {
      object.spec = spec;
    });
    this.mark(key, `spec changed to ${shortVersion(configVersion(spec))}`);
  }

  /** Ask for a Widget's deletion. */
  delete(key: string): void {
    if (!this.object(key)) return;
    this.kube.deleteObject(this.ref(key));
    this.mark(key, "deletion requested");
  }

  /**
   * Copy the latest provision job record of `from` into the status of `to`, as its own
   * latest provision job and still running: what a status copied or restored onto the wrong
   * object, or forged, looks like (P10). Returns the copied record.
   *
   * @throws Error when `from` has no provision job record or `to` no status.
   */
  copyProvisionRecord(from: string, to: string): JobRecord {
    const record = storedStatus(this.object(from))
      ?.jobs.filter((j) => j.type === "provision")
      .at(-1);
    if (!record) throw new Error(`${from} has no provision job record to copy`);
    const copy: JobRecord = { ...record, state: JobState.Running };
    delete copy.finishedAt;
    delete copy.endedAfter;
    this.kube.updateObject(this.ref(to), (object) => {
      const status = storedStatus(object);
      if (!status) throw new Error(`${to} has no provisioning status to copy a job into`);
      status.jobs.push(copy);
    });
    this.mark(to, `${from}'s provision job ${record.jobId} copied into its status`);
    return copy;
  }

  /**
   * A copy of a Widget's whole status now: what a backup of the object holds.
   *
   * @throws Error when the object does not exist or has no status.
   */
  statusSnapshot(key: string): Record<string, unknown> {
    const status = this.object(key)?.status;
    if (status === undefined) throw new Error(`${key} has no status to take a snapshot of`);
    return structuredClone(status) as Record<string, unknown>;
  }

  /**
   * Write `status` (from {@link World.statusSnapshot}) as a Widget's whole status: what a
   * restore from a backup does to an object it has just re-created. Velero, with
   * `restoreStatus` naming the resource, restores "not only the specification but the status"
   * (vmware-tanzu/velero, site/content/docs/main/api-types/restore.md, `restoreStatus`); the
   * re-created object has a new uid, the status is the old object's.
   */
  restoreStatus(key: string, status: Record<string, unknown>, label: string): void {
    this.kube.updateObject(this.ref(key), (object) => {
      object.status = structuredClone(status);
    });
    this.mark(key, label);
  }

  /**
   * Add `annotations` to a Widget's `metadata.annotations` (anyone who can edit the object can
   * write any annotation).
   */
  annotate(key: string, annotations: Record<string, string>, label: string): void {
    this.kube.updateObject(this.ref(key), (object) => {
      object.metadata.annotations = { ...object.metadata.annotations, ...annotations };
    });
    this.mark(key, label);
  }

  /** Track a provider call in flight until the returned function is called. */
  track(abort: AbortController): () => void {
    this.#inFlight.add(abort);
    return () => void this.#inFlight.delete(abort);
  }

  /**
   * Abort every provider call in flight: the backend holds a request unanswered, so the call
   * waiting on it must give up (P9). Bound, for the backend's `onHeld`. The calls of a
   * scenario's one process run one at a time, so that is the call that sent the request.
   */
  readonly abortInFlight = (): void => {
    for (const abort of this.#inFlight) {
      abort.abort(new Error("the backend holds this call's request unanswered (conformance P9)"));
    }
    this.#inFlight.clear();
  };

  /** Mark a call the suite aborted that settled within the grace, as P9 asks. */
  aborted(call: Omit<CallRecord, "outcome">, after: AfterAbort): void {
    const how = after.threw === undefined ? "returned" : `threw ${after.threw}`;
    this.mark(
      call.resourceKey,
      `${call.method} waited on a held request; aborted, it ${how} ${after.settledAfterAbortMs ?? "?"} ms later`,
    );
  }

  /**
   * Record a provider call that missed its deadline or ignored its abort (L1): a violation,
   * and the end of the run (the driver stops at its next step; the goal is marked unreached
   * under L1).
   */
  late(call: Omit<CallRecord, "outcome">, after: AfterAbort): void {
    const late: LateCall = {
      ...after,
      method: call.method,
      resourceKey: call.resourceKey,
      ...(call.jobId !== undefined ? { jobId: call.jobId } : {}),
      ...(call.correlationId !== undefined ? { correlationId: call.correlationId } : {}),
      caller: call.process,
      at: `t+${(call.at - this.trace.start) / 1000}s of virtual time`,
      deadlineMs: this.callDeadlineMs,
      ...(this.liveness.scenario !== undefined ? { scenario: this.liveness.scenario } : {}),
      ...(this.liveness.seed !== undefined ? { seed: this.liveness.seed } : {}),
    };
    this.liveness.first ??= late;
    this.#stop(late, lateCallMessage(late));
    this.mark(
      call.resourceKey,
      after.abortedBy === "caller"
        ? `${call.method} ignored its aborted AbortSignal for ${after.graceMs} ms`
        : `${call.method} missed its ${this.callDeadlineMs} ms deadline`,
    );
  }

  /**
   * When an earlier world of the scenario saw a call miss its deadline: record it again here
   * and stop (true), so that this world does not wait out the deadline again.
   */
  stopIfLateBefore(): boolean {
    const first = this.liveness.first;
    if (first === undefined || this.trace.late.length > 0) return false;
    this.#stop(
      first,
      `${lateCallMessage(first)} (seen in an earlier run of this scenario; this run was stopped before its first provider call)`,
    );
    return true;
  }

  #stop(late: LateCall, message: string): void {
    this.trace.late.push(late);
    this.trace.expectations.push({ rule: "L1", message });
    this.trace.unreached ??= {
      goal: `the rest of the scenario: it was stopped when ${late.method} missed its deadline (L1)`,
      rule: "L1",
      at: this.clock.now(),
      resourceKey: late.resourceKey,
    };
  }

  /** Add a mark to a resource's timeline (`""`: the whole run). */
  mark(key: string, label: string): void {
    const marks = this.trace.marks.get(key) ?? [];
    marks.push({ at: this.clock.now() - this.trace.start, label });
    this.trace.marks.set(key, marks);
  }
}
