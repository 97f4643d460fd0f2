/**
 * Object storage: one global revision counter (as etcd's), the objects of every resource,
 * and a bounded history of changes per resource for watch resumption.
 *
 * @module
 */
import { clone, stringifyJson } from "./json.js";
import { checkStorageSize } from "./limits.js";
import { typeKey, type ResourceType } from "./resource-type.js";
import type { KubeObject } from "./types.js";

/** One stored change, as watchers see it. */
export interface StoredChange {
  /** What happened. */
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  /**
   * The object after the change; for DELETED, the last stored state with the deletion's
   * revision as its resourceVersion (as the real server sends it).
   */
  readonly object: KubeObject;
  /** The object before the change (undefined for ADDED). */
  readonly previous: KubeObject | undefined;
  /** The revision of the change. */
  readonly revision: number;
}

/** Why a watch cannot resume: its resourceVersion is older than the kept history. */
export interface HistoryExpired {
  /** The oldest resourceVersion a watch can still resume from. */
  readonly floor: number;
}

interface Bucket {
  readonly objects: Map<string, KubeObject>;
  /** The keys of `objects`, sorted; dropped when an object is added or removed. */
  sorted: string[] | undefined;
  history: StoredChange[];
  /** Resuming from a revision below this one misses changes. */
  floor: number;
}

/** Listener of stored changes. */
export type ChangeListener = (type: ResourceType, change: StoredChange) => void;

/** The key of an object within its resource. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}/${name}`;
}

/** Bytes of an object as etcd would hold it: its JSON without `resourceVersion`. */
function storedBytes(object: KubeObject): number {
  const { resourceVersion: _ignored, ...metadata } = object.metadata;
  return Buffer.byteLength(stringifyJson({ ...object, metadata }));
}

/** The etcd key of an object: `/registry/<group>/<plural>/[<namespace>/]<name>`. */
function etcdKey(type: ResourceType, object: KubeObject): string {
  const { namespace, name } = object.metadata;
  const group = type.group === "" ? "" : `${type.group}/`;
  return `/registry/${group}${type.plural}/${namespace === undefined ? "" : `${namespace}/`}${name}`;
}

/** The simulator's storage. */
export class ObjectStore {
  #revision = 1;
  #compacted = 0;
  readonly #historyLimit: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #listeners: ChangeListener[] = [];

  /** @param historyLimit - Changes kept per resource for watch resumption. */
  constructor(historyLimit: number) {
    this.#historyLimit = historyLimit;
  }

  /** The current (latest) revision. */
  get revision(): number {
    return this.#revision;
  }

  /** The revision of the last compaction (0 if none): older continue tokens have expired. */
  get compactedRevision(): number {
    return this.#compacted;
  }

  /** Adds storage for a resource; its history starts now. */
  addType(type: ResourceType): void {
    const key = typeKey(type.group, type.plural);
    if (!this.#buckets.has(key)) {
      this.#buckets.set(key, {
        objects: new Map(),
        sorted: undefined,
        history: [],
        floor: this.#revision,
      });
    }
  }

  /** Subscribes to every stored change, synchronously. */
  onChange(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  /** The stored object (not a copy: do not modify it). */
  peek(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#bucket(type).objects.get(objectKey(namespace, name));
  }

  /** The stored objects of a resource (all namespaces when undefined), sorted by key; not copies. */
  peekAll(type: ResourceType, namespace?: string): KubeObject[] {
    const bucket = this.#bucket(type);
    // The sorted keys are kept until the set of keys changes (an update keeps its key), so
    // that a paged list of many objects does not sort them all for every page.
    bucket.sorted ??= [...bucket.objects.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const result: KubeObject[] = [];
    for (const key of bucket.sorted) {
      const object = bucket.objects.get(key);
      if (object && (namespace === undefined || object.metadata.namespace === namespace)) {
        result.push(object);
      }
    }
    return result;
  }

  /**
   * Stores an object (created or replaced) at a new revision.
   *
   * @returns A copy of the stored object.
   * @throws KubeStatusError 500 when the object is too large for etcd (see `limits.ts`);
   *   nothing is stored then.
   */
  put(type: ResourceType, object: KubeObject): KubeObject {
    const bucket = this.#bucket(type);
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const previous = bucket.objects.get(key);
    checkStorageSize(storedBytes(object), etcdKey(type, object));
    const revision = ++this.#revision;
    const stored = clone(object);
    stored.metadata.resourceVersion = String(revision);
    if (!previous) bucket.sorted = undefined;
    bucket.objects.set(key, stored);
    this.#emit(type, bucket, {
      type: previous ? "MODIFIED" : "ADDED",
      object: stored,
      previous,
      revision,
    });
    return clone(stored);
  }

  /**
   * Removes an object at a new revision.
   *
   * @returns A copy of the last stored state, with the deletion's revision.
   */
  remove(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const bucket = this.#bucket(type);
    const key = objectKey(namespace, name);
    const previous = bucket.objects.get(key);
    if (!previous) throw new Error(`no object ${key} to remove`);
    bucket.objects.delete(key);
    bucket.sorted = undefined;
    const revision = ++this.#revision;
    const object = clone(previous);
    object.metadata.resourceVersion = String(revision);
    this.#emit(type, bucket, { type: "DELETED", object, previous, revision });
    return clone(object);
  }

  /**
   * The changes of a resource after `revision`, oldest first.
   *
   * @returns The changes, or {@link HistoryExpired} when the history no longer reaches back.
   */
  changesSince(type: ResourceType, revision: number): StoredChange[] | HistoryExpired {
    const bucket = this.#bucket(type);
    if (revision < bucket.floor) return { floor: bucket.floor };
    return bucket.history.filter((change) => change.revision > revision);
  }

  /** Forgets all history: watches can only resume from the current revision on. */
  compact(): void {
    this.#compacted = this.#revision;
    for (const bucket of this.#buckets.values()) {
      bucket.history = [];
      bucket.floor = this.#revision;
    }
  }

  #bucket(type: ResourceType): Bucket {
    const bucket = this.#buckets.get(typeKey(type.group, type.plural));
    if (!bucket) throw new Error(`no storage for ${type.plural}.${type.group}`);
    return bucket;
  }

  #emit(type: ResourceType, bucket: Bucket, change: StoredChange): void {
    bucket.history.push(change);
    if (bucket.history.length > this.#historyLimit) {
      const dropped = bucket.history.splice(0, bucket.history.length - this.#historyLimit);
      // As the watch cache: the oldest resumable revision is just before the oldest kept change.
      const oldest = bucket.history[0];
      bucket.floor = oldest ? oldest.revision - 1 : (dropped.at(-1)?.revision ?? bucket.floor);
    }
    for (const listener of this.#listeners) listener(type, change);
  }
}
