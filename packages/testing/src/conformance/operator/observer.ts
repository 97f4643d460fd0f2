/**
 * Watches a scenario's objects through the Kubernetes API (a client-node informer: list, then
 * watch) and records every change of what the checks read: existence, deletion, the
 * finalizer, the reconciled version, the DeletionBlocked condition. A watch sees every
 * version of an object, so no short-lived state is missed between two looks.
 *
 * @module
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "../../kubernetes/types.js";
import type { ScenarioCluster } from "./cluster.js";

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
  /** Its status says deletion is blocked, read with the user's accessor. */
  blocked: boolean;
}

/** How the observer reads an object. */
export interface ObserverReaders {
  /** The operator's finalizer. */
  finalizer: string;
  /** The user's accessor of the reconciled version. */
  reconciled(object: KubeObject): string | undefined;
  /** The user's accessor of "deletion is blocked". */
  deletionBlocked(object: KubeObject): boolean;
}

/** How long the observer waits before listing and watching again after the watch broke, ms. */
const RESTART_DELAY_MS = 20;

/** How often goals look again (they read the observer's cache), ms. */
export const SAMPLE_INTERVAL_MS = 10;

function same(a: ObjectSample | undefined, b: ObjectSample): boolean {
  return (
    a !== undefined &&
    a.exists === b.exists &&
    a.deleting === b.deleting &&
    a.finalizer === b.finalizer &&
    a.reconciled === b.reconciled &&
    a.blocked === b.blocked
  );
}

interface Informer {
  on(event: "add" | "update" | "delete", handler: (object: KubeObject) => void): void;
  on(event: "error", handler: (error: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Watches the scenario's objects and keeps the changes per `namespace/name`. */
export class ObjectObserver {
  /** The changes seen, per object key, oldest first. */
  readonly samples = new Map<string, ObjectSample[]>();
  readonly #objects = new Map<string, KubeObject>();
  #informer: Informer | undefined;
  #stopped = false;
  #readFailure = false;
  #watchErrors = 0;

  /**
   * @param cluster - the scenario's API.
   * @param readers - how objects are read.
   */
  constructor(
    private readonly cluster: ScenarioCluster,
    private readonly readers: ObserverReaders,
  ) {}

  /** Start watching; resolves once the first list is in. */
  async start(): Promise<void> {
    const config = await this.cluster.kubeConfig();
    await this.#launch(config);
  }

  async #launch(config: KubeConfig): Promise<void> {
    const { makeInformer } = await import("@kubernetes/client-node");
    const { group, version, plural } = this.cluster.crd;
    const path = this.cluster.namespaced
      ? `/apis/${group}/${version}/namespaces/${this.cluster.namespace}/${plural}`
      : `/apis/${group}/${version}/${plural}`;
    // Custom objects arrive as JSON (timestamps are strings), whatever client-node's types say.
    const list = async () => {
      const listed = await this.cluster.listWithVersion();
      // After a restart: what went while the watch was down is gone now.
      const keys = new Set(listed.items.map((o) => this.cluster.key(o.metadata.name)));
      for (const [key, object] of this.#objects) {
        if (!keys.has(key) && this.#informer === informer) this.#record(object, false);
      }
      return listed;
    };
    const informer = makeInformer(
      config,
      path,
      list as unknown as Parameters<typeof makeInformer>[2],
    ) as unknown as Informer;
    const seen = (object: KubeObject) => {
      if (this.#informer === informer) this.#record(object, true);
    };
    informer.on("add", seen);
    informer.on("update", seen);
    informer.on("delete", (object) => {
      if (this.#informer === informer) this.#record(object, false);
    });
    informer.on("error", () => {
      if (this.#informer !== informer || this.#stopped) return;
      // A broken watch is restarted (list, then watch): the list brings back what it missed.
      this.#watchErrors++;
      this.#informer = undefined;
      void informer.stop().catch(() => undefined);
      this.#restart(config);
    });
    this.#informer = informer;
    await informer.start();
  }

  /** Launch again shortly, and again after that while launching fails. */
  #restart(config: KubeConfig): void {
    setTimeout(() => {
      if (this.#stopped) return;
      this.#launch(config).catch(() => {
        this.#informer = undefined;
        this.#watchErrors++;
        this.#restart(config);
      });
    }, RESTART_DELAY_MS);
  }

  /** Stop watching. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const informer = this.#informer;
    this.#informer = undefined;
    await informer?.stop().catch(() => undefined);
  }

  /** The object as last seen, or undefined when it does not exist. */
  object(key: string): KubeObject | undefined {
    return this.#objects.get(key);
  }

  /** The latest sample of an object. */
  latest(key: string): ObjectSample | undefined {
    return this.samples.get(key)?.at(-1);
  }

  /** Whether the user's accessors ever threw (their reads counted as absent). */
  get readFailed(): boolean {
    return this.#readFailure;
  }

  /** How many times the watch broke and was restarted. */
  get watchErrors(): number {
    return this.#watchErrors;
  }

  #record(object: KubeObject, exists: boolean): void {
    const key = this.cluster.key(object.metadata.name);
    if (exists) this.#objects.set(key, object);
    else this.#objects.delete(key);
    const sample: ObjectSample = {
      at: Date.now(),
      exists,
      deleting: exists && Boolean(object.metadata.deletionTimestamp),
      finalizer: exists && Boolean(object.metadata.finalizers?.includes(this.readers.finalizer)),
      reconciled: exists ? this.#read(() => this.readers.reconciled(object), undefined) : undefined,
      blocked: exists && this.#read(() => this.readers.deletionBlocked(object), false),
    };
    const list = this.samples.get(key) ?? [];
    if (!same(list.at(-1), sample)) list.push(sample);
    this.samples.set(key, list);
  }

  #read<T>(read: () => T, fallback: T): T {
    try {
      return read();
    } catch {
      this.#readFailure = true;
      return fallback;
    }
  }
}
