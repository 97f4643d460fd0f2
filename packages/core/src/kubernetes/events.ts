import type { CoreV1Event } from "@kubernetes/client-node";
import type { EngineEvent } from "../engine/types.js";
import type { Logger } from "../logger.js";
import { MAX_EVENT_MESSAGE_BYTES, clipUtf8 } from "../text-bounds.js";
import type { CustomObject, KubeApi } from "./kube-api.js";
import { KubeApiError } from "./kube-api.js";

/**
 * How many Events may wait to be written before a reconcile that records more waits for
 * room. client-go's recorder queues as many (k8s.io/client-go tools/record/event.go,
 * `maxQueuedEvents = 1000`), but drops what does not fit; this recorder makes the
 * reconcile wait instead, so no Event is lost to a burst.
 */
export const EVENT_QUEUE_CAPACITY = 1000;

/** One Event built when the engine reported it, waiting for its write. */
interface QueuedEvent {
  readonly namespace: string;
  readonly body: CoreV1Event;
}

/**
 * Records engine events as core/v1 Events on the object, each message clipped to
 * `MAX_EVENT_MESSAGE_BYTES` (1024) bytes of UTF-8, never inside a character.
 *
 * Events are written in the background, one at a time and in the order they were recorded,
 * as client-go's recorder does: a reconcile does not wait for the Events API, only for room
 * in a queue of {@link EVENT_QUEUE_CAPACITY} Events. Each Event is built when it is recorded
 * (its timestamps, and the object's resourceVersion, are those of that moment).
 *
 * An API server without the core Events API (apiextensions-apiserver on its own, or RBAC
 * that forbids them) answers 404 or 403: the recorder says so once in the log, drops what is
 * queued and stops recording. Event failures never fail a reconcile.
 */
export class EventRecorder {
  private disabled = false;
  private closed = false;
  private sequence = 0;
  private readonly queue: QueuedEvent[] = [];
  private head = 0;
  private writing = false;
  private full = false;
  private readonly roomWaiters: (() => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];

  /**
   * @param api - Kubernetes calls.
   * @param component - `source.component` / `reportingComponent` of the events.
   * @param logger - where the one-time "no events API" note goes.
   * @param now - clock.
   * @param capacity - the queue's size (default {@link EVENT_QUEUE_CAPACITY}).
   */
  constructor(
    private readonly api: KubeApi,
    private readonly component: string,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly capacity = EVENT_QUEUE_CAPACITY,
  ) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new RangeError(
        `the Event queue's capacity must be a positive integer, got ${capacity}`,
      );
    }
  }

  /** Whether events are still being recorded. */
  get enabled(): boolean {
    return !this.disabled && !this.closed;
  }

  /** Events queued and not yet written (the one being written not counted). */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /**
   * Queue `events` on `object`, in order. Resolves once each is queued: at once while the
   * queue has room, otherwise when the writes have made room.
   */
  async record(object: CustomObject, events: readonly EngineEvent[]): Promise<void> {
    for (const event of events) {
      while (this.enabled && this.queued >= this.capacity) {
        if (!this.full) {
          this.full = true;
          this.logger.warn(
            { capacity: this.capacity },
            "the Kubernetes Event queue is full: reconciles wait for Event writes",
          );
        }
        await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      }
      if (!this.enabled) return;
      this.queue.push(this.build(object, event));
      this.pump();
    }
  }

  /** Resolves when no Event is queued or being written. */
  drained(): Promise<void> {
    if (!this.writing && this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Stop recording: the Events still queued are dropped (and counted in the log); one being
   * written is left to finish or fail without a log line. Later {@link record} calls queue
   * nothing.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const dropped = this.queued;
    if (dropped > 0 || this.writing) {
      this.logger.warn(
        { dropped, unfinished: this.writing ? 1 : 0 },
        "stopping: Kubernetes Events not written",
      );
    }
    this.clear();
  }

  private build(object: CustomObject, event: EngineEvent): QueuedEvent {
    const namespace = object.metadata.namespace ?? "default";
    const time = new Date(this.now());
    const name = `${object.metadata.name}.${Date.now().toString(16)}${(++this.sequence).toString(16)}`;
    const body: CoreV1Event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      type: event.type,
      reason: event.reason,
      // The API server's limit on an Event's note is 1024 bytes (MAX_EVENT_MESSAGE_BYTES).
      message: clipUtf8(event.message, MAX_EVENT_MESSAGE_BYTES),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    return { namespace, body };
  }

  /** Writes the queue out, one Event at a time, unless a writer is already at it. */
  private pump(): void {
    if (this.writing) return;
    this.writing = true;
    void this.writeAll();
  }

  private async writeAll(): Promise<void> {
    try {
      while (this.enabled && this.queued > 0) {
        const next = this.take();
        await this.write(next);
      }
    } finally {
      this.writing = false;
      if (this.queued === 0) {
        for (const resolve of this.drainWaiters.splice(0)) resolve();
      }
    }
  }

  private take(): QueuedEvent {
    const next = this.queue[this.head] as QueuedEvent;
    this.head++;
    // Written Events are not kept: the array is emptied when the queue is, and compacted
    // now and then while it never is.
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.roomWaiters.shift()?.();
    if (this.queued === 0) this.full = false;
    return next;
  }

  private async write(event: QueuedEvent): Promise<void> {
    try {
      await this.api.createEvent(event.namespace, event.body);
    } catch (error) {
      if (this.closed) return;
      if (error instanceof KubeApiError && (error.status === 404 || error.status === 403)) {
        this.disabled = true;
        this.logger.info(
          { status: error.status },
          "the API server has no core Events API for this controller (or forbids it); not recording Kubernetes events",
        );
        this.clear();
        return;
      }
      this.logger.warn(
        { error: String(error), reason: event.body.reason },
        "recording an event failed",
      );
    }
  }

  /** Empties the queue and releases everyone waiting on it. */
  private clear(): void {
    this.queue.length = 0;
    this.head = 0;
    this.full = false;
    for (const resolve of this.roomWaiters.splice(0)) resolve();
    if (!this.writing) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }
}
