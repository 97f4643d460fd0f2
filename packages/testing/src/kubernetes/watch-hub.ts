/**
 * Watches: the initial state or the replayed history, then live changes, filtered the way
 * the real watch cache filters them (an object that stops matching a selector is sent as
 * DELETED, one that starts matching as ADDED).
 *
 * @module
 */
import { expired } from "./errors.js";
import type { ObjectFilter } from "./filter.js";
import { clone } from "./json.js";
import { apiVersionOf, type ResourceType } from "./resource-type.js";
import type { ObjectStore, StoredChange } from "./store.js";
import type { KubeObject } from "./types.js";

/** One line of a watch stream. */
export interface WatchEvent {
  /** Event type. */
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  /** The object, a bookmark object, or a `Status` for ERROR. */
  readonly object: unknown;
}

/** Where a watch's events go. */
export interface WatchSink {
  /**
   * Sends one event. The event's object may be the stored object itself, shared with every
   * other watcher: the sink serializes it at once and neither keeps nor modifies it.
   */
  send(event: WatchEvent): void;
  /** Ends the stream. */
  close(): void;
}

/** Where a watch starts. */
export interface WatchStart {
  /**
   * Resume after this revision; undefined (resourceVersion absent, `""` or `"0"`) sends the
   * current objects as ADDED first.
   */
  readonly resourceVersion: number | undefined;
  /** `sendInitialEvents=true`: the current objects, then a BOOKMARK marking their end. */
  readonly sendInitialEvents: boolean;
}

/** An open watch. */
export interface WatchHandle {
  /** Stops delivering events (the sink is not closed). */
  close(): void;
}

interface Watcher {
  readonly type: ResourceType;
  readonly filter: ObjectFilter;
  readonly sink: WatchSink;
}

/** The annotation of the BOOKMARK that ends the initial events of a watch list. */
export const INITIAL_EVENTS_END = "k8s.io/initial-events-end";

/**
 * What a watcher with `filter` sees of a change, if anything. The object is the stored one
 * (not a copy: sinks serialize it at once, see {@link WatchSink.send}), so that a change
 * fanned out to many watches is not copied for each.
 */
function project(change: StoredChange, filter: ObjectFilter): WatchEvent | undefined {
  if (change.type === "DELETED") {
    return filter.matches(change.object) ? { type: "DELETED", object: change.object } : undefined;
  }
  const now = filter.matches(change.object);
  const before = change.previous !== undefined && filter.matches(change.previous);
  if (now) return { type: before ? "MODIFIED" : "ADDED", object: change.object };
  if (!before || !change.previous) return undefined;
  // As the watch cache: the previous content, with the change's resourceVersion.
  const gone: KubeObject = clone(change.previous);
  gone.metadata.resourceVersion = String(change.revision);
  return { type: "DELETED", object: gone };
}

/** The watches of one simulator. */
export class WatchHub {
  readonly #store: ObjectStore;
  readonly #watchers = new Set<Watcher>();

  /** @param store - The storage whose changes are watched. */
  constructor(store: ObjectStore) {
    this.#store = store;
    store.onChange((type, change) => this.#deliver(type, change));
  }

  /** How many watches are open. */
  get size(): number {
    return this.#watchers.size;
  }

  /**
   * Opens a watch: sends the initial events or the history after the resourceVersion, then
   * registers for live changes. A resourceVersion older than the kept history gets an ERROR
   * event (410 Expired) and the sink is closed.
   */
  open(type: ResourceType, filter: ObjectFilter, sink: WatchSink, start: WatchStart): WatchHandle {
    const closed: WatchHandle = { close: () => undefined };
    if (start.sendInitialEvents || start.resourceVersion === undefined) {
      for (const object of this.#store.peekAll(type, filter.namespace)) {
        if (filter.matches(object)) sink.send({ type: "ADDED", object });
      }
      if (start.sendInitialEvents) sink.send(this.bookmark(type, true));
    } else {
      const changes = this.#store.changesSince(type, start.resourceVersion);
      if (!Array.isArray(changes)) {
        const message = `too old resource version: ${start.resourceVersion} (${changes.floor})`;
        sink.send({ type: "ERROR", object: expired(message).status });
        sink.close();
        return closed;
      }
      for (const change of changes) {
        const event = project(change, filter);
        if (event) sink.send(event);
      }
    }
    const watcher: Watcher = { type, filter, sink };
    this.#watchers.add(watcher);
    return { close: () => this.#watchers.delete(watcher) };
  }

  /** A BOOKMARK event at the current revision. */
  bookmark(type: ResourceType, initialEventsEnd = false): WatchEvent {
    const metadata: Record<string, unknown> = { resourceVersion: String(this.#store.revision) };
    if (initialEventsEnd) metadata.annotations = { [INITIAL_EVENTS_END]: "true" };
    return {
      type: "BOOKMARK",
      object: { kind: type.kind, apiVersion: apiVersionOf(type), metadata },
    };
  }

  /**
   * Ends every open watch stream now.
   *
   * @returns How many were open.
   */
  dropAll(): number {
    const watchers = [...this.#watchers];
    this.#watchers.clear();
    for (const watcher of watchers) watcher.sink.close();
    return watchers.length;
  }

  #deliver(type: ResourceType, change: StoredChange): void {
    for (const watcher of [...this.#watchers]) {
      if (watcher.type !== type) continue;
      const event = project(change, watcher.filter);
      if (event) watcher.sink.send(event);
    }
  }
}
