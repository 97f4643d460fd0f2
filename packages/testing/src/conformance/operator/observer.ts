/**
 * Watches a scenario's objects in process (every 10 ms) and records each change of what the
 * checks read: existence, deletion, the finalizer, the reconciled version.
 *
 * @module
 */
import type { KubernetesApiSimulator } from "../../kubernetes/simulator.js";
import type { KubeObject, ObjectRef } from "../../kubernetes/types.js";

/** What one object looked like from `at` on (epoch ms), until the next sample. */
export interface ObjectSample {
  /** When it was first seen so. */
  at: number;
  /** The object exists. */
  exists: boolean;
  /** It has a `deletionTimestamp`. */
  deleting: boolean;
  /** It carries the operator's finalizer. */
  finalizer: boolean;
  /** The reconciled version, read with the user's accessor. */
  reconciled: string | undefined;
}

/** How often objects are sampled, ms. */
export const SAMPLE_INTERVAL_MS = 10;

function same(a: ObjectSample | undefined, b: ObjectSample): boolean {
  return (
    a !== undefined &&
    a.exists === b.exists &&
    a.deleting === b.deleting &&
    a.finalizer === b.finalizer &&
    a.reconciled === b.reconciled
  );
}

/** Samples objects of a simulator and keeps the changes per `namespace/name`. */
export class ObjectObserver {
  /** The changes seen, per object key, oldest first. */
  readonly samples = new Map<string, ObjectSample[]>();
  readonly #refs = new Map<string, ObjectRef>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param kube - the simulator.
   * @param finalizer - the operator's finalizer.
   * @param reconciled - the user's accessor of the reconciled version.
   */
  constructor(
    private readonly kube: KubernetesApiSimulator,
    private readonly finalizer: string,
    private readonly reconciled: (object: KubeObject) => string | undefined,
  ) {}

  /** Sample this object from now on. */
  track(key: string, ref: ObjectRef): void {
    this.#refs.set(key, ref);
    this.sample();
  }

  /** Start sampling on a timer. */
  start(): void {
    this.#timer ??= setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
  }

  /** Stop sampling (one last sample first). */
  stop(): void {
    this.sample();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Sample every tracked object now. */
  sample(): void {
    const now = Date.now();
    for (const [key, ref] of this.#refs) {
      const object = this.kube.getObject(ref);
      const sample: ObjectSample = {
        at: now,
        exists: object !== undefined,
        deleting: Boolean(object?.metadata.deletionTimestamp),
        finalizer: Boolean(object?.metadata.finalizers?.includes(this.finalizer)),
        reconciled: object ? this.read(object) : undefined,
      };
      const list = this.samples.get(key) ?? [];
      if (!same(list.at(-1), sample)) list.push(sample);
      this.samples.set(key, list);
    }
  }

  /** The latest sample of an object. */
  latest(key: string): ObjectSample | undefined {
    return this.samples.get(key)?.at(-1);
  }

  #readFailure = false;

  private read(object: KubeObject): string | undefined {
    try {
      return this.reconciled(object);
    } catch {
      this.#readFailure = true;
      return undefined;
    }
  }

  /** Whether the user's accessor ever threw (its reads counted as `undefined`). */
  get readFailed(): boolean {
    return this.#readFailure;
  }
}
