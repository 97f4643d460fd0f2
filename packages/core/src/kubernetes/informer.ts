import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type ObjectCache,
} from "@kubernetes/client-node";
import { backoffDelay, type BackoffPolicy } from "../backoff.js";
import type { Logger } from "../logger.js";
import type { CustomObject, KubeApi } from "./kube-api.js";
import { collectionPath, objectKey, type CustomResourceRef } from "./resource-ref.js";
import type { TimerHandle, Timers } from "./timers.js";

/**
 * Why the watcher reports an object: a watch (or list) event, or the periodic resync.
 * `add` is an object the cache did not hold (new, or first listed).
 */
export type WatchChange = "add" | "update" | "delete" | "resync";

/** What the watcher reports. */
export interface WatchHandlers {
  /**
   * An object was added, changed or deleted (or a resync asks to look again). For `delete`,
   * `object` is the last state the watch saw.
   */
  onChange(key: string, object: CustomObject | undefined, change: WatchChange): void;
  /**
   * A list came back and replaces the cache (at start, after a restart, or after a 410):
   * called before the list's add, update and delete events. Objects may have changed
   * without an event in between.
   */
  onRelist?(): void;
}

/** Options of {@link ResourceWatcher}. */
export interface ResourceWatcherOptions {
  kubeConfig: KubeConfig;
  resource: CustomResourceRef;
  api: KubeApi;
  handlers: WatchHandlers;
  /** Every this many ms, every cached object is reported again (0 = never). */
  resyncIntervalMs: number;
  /** Backoff between restarts after errors. */
  restartBackoff: BackoffPolicy;
  timers: Timers;
  logger: Logger;
  /** Label selector for list and watch. */
  labelSelector?: string;
  /** Called each time the informer is restarted after an error (a metrics hook). */
  onRestart?: () => void;
}

/**
 * A client-node informer (list, then watch from the list's resourceVersion) that does not
 * stay dead: client-node's `ListWatch` stops for good on an error other than 410 (a
 * network failure, a 5xx, a dropped connection), so this restarts it with backoff, and
 * resyncs periodically so that a missed event costs at most one interval.
 */
export class ResourceWatcher {
  private informer: (Informer<CustomObject> & ObjectCache<CustomObject>) | undefined;
  private restartTimer: TimerHandle | undefined;
  private resyncTimer: TimerHandle | undefined;
  private failures = 0;
  private stopped = true;
  private generation = 0;
  private listed = false;
  private everListed = false;
  /** `timers.now()` when the watch went down (an error, not yet followed by a new watch). */
  private down: number | undefined;

  /** @param options - see {@link ResourceWatcherOptions}. */
  constructor(private readonly options: ResourceWatcherOptions) {}

  /** How many times the watch was restarted after an error. */
  restarts = 0;

  /** Start listing and watching. Resolves once the first list is in (or failed and a retry is scheduled). */
  async start(): Promise<void> {
    this.stopped = false;
    this.everListed = false;
    this.down = undefined;
    this.scheduleResync();
    await this.launch();
  }

  /** Stop watching; no more callbacks. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    const { timers } = this.options;
    if (this.restartTimer !== undefined) timers.clearTimeout(this.restartTimer);
    if (this.resyncTimer !== undefined) timers.clearTimeout(this.resyncTimer);
    this.restartTimer = this.resyncTimer = undefined;
    const informer = this.informer;
    this.informer = undefined;
    await informer?.stop();
  }

  /** The objects currently known from the watch. */
  cached(): readonly CustomObject[] {
    return this.informer?.list() ?? [];
  }

  /**
   * Whether a list has come back since the last (re)start: until then the cache knows
   * nothing, and an object missing from it may well exist.
   */
  get synced(): boolean {
    return this.listed;
  }

  /** Whether a list has come back since `start()` (a restart's new list does not reset it). */
  get hasSynced(): boolean {
    return this.everListed;
  }

  /**
   * Since when (on `timers.now()`) the watch has been down: it stopped on an error (or its
   * list or watch request failed) and no watch has been established since; `undefined`
   * while it is up. A watch that the server ends cleanly is resumed at once by client-node
   * and does not count as down unless resuming it fails.
   */
  get downSince(): number | undefined {
    return this.down;
  }

  /** The object as the watch last saw it, or `undefined` when the cache does not hold it. */
  get(namespace: string | undefined, name: string): CustomObject | undefined {
    return this.informer?.get(name, namespace);
  }

  private async launch(): Promise<void> {
    const { kubeConfig, resource, api, handlers, logger } = this.options;
    const generation = ++this.generation;
    this.listed = false;
    const live = () => generation === this.generation && !this.stopped;
    const informer = makeInformer<CustomObject>(
      kubeConfig,
      collectionPath(resource),
      async () => {
        const list = await api.list();
        if (live()) {
          this.listed = true;
          this.everListed = true;
          handlers.onRelist?.();
        }
        return list;
      },
      this.options.labelSelector,
    );
    const changed = (change: "add" | "update") => (object: CustomObject) => {
      if (!live()) return;
      this.failures = 0;
      handlers.onChange(objectKey(object.metadata.namespace, object.metadata.name), object, change);
    };
    informer.on("add", changed("add"));
    informer.on("update", changed("update"));
    informer.on("delete", (object) => {
      if (!live()) return;
      handlers.onChange(
        objectKey(object.metadata.namespace, object.metadata.name),
        object,
        "delete",
      );
    });
    informer.on("error", (error) => {
      if (live()) this.restartLater(error);
    });
    this.informer = informer;
    try {
      await informer.start();
      // Resolved after the list and the watch request; an error on either has already
      // scheduled a restart (client-node reports it before start() resolves).
      if (live() && this.restartTimer === undefined) this.down = undefined;
    } catch (error) {
      // start() rejects when the watch request itself cannot be made.
      if (live()) this.restartLater(error);
    }
    logger.debug({ path: collectionPath(resource) }, "informer started");
  }

  private restartLater(error: unknown): void {
    if (this.restartTimer !== undefined || this.stopped) return;
    this.down ??= this.options.timers.now();
    this.failures++;
    const delay = backoffDelay(this.options.restartBackoff, this.failures);
    this.options.logger.warn(
      { error: describe(error), retryInMs: delay, failures: this.failures },
      "watch stopped; restarting the informer",
    );
    const old = this.informer;
    this.generation++;
    void old?.stop().catch(() => undefined);
    this.restartTimer = this.options.timers.setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.restarts++;
      this.options.onRestart?.();
      void this.launch();
    }, delay);
  }

  private scheduleResync(): void {
    const { resyncIntervalMs, timers } = this.options;
    if (resyncIntervalMs <= 0 || this.stopped) return;
    this.resyncTimer = timers.setTimeout(() => {
      if (this.stopped) return;
      for (const object of this.cached()) {
        this.options.handlers.onChange(
          objectKey(object.metadata.namespace, object.metadata.name),
          object,
          "resync",
        );
      }
      this.scheduleResync();
    }, resyncIntervalMs);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error);
}
