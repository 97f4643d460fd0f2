import type { EngineEvent } from "../engine/types.js";
import type { Logger } from "../logger.js";
import { MAX_EVENT_MESSAGE_BYTES, clipUtf8 } from "../text-bounds.js";
import type { CustomObject, KubeApi } from "./kube-api.js";
import { KubeApiError } from "./kube-api.js";

/**
 * Records engine events as core/v1 Events on the object, each message clipped to
 * `MAX_EVENT_MESSAGE_BYTES` (1024) bytes of UTF-8, never inside a character. An API server without the core
 * Events API (apiextensions-apiserver on its own, or RBAC that forbids them) answers 404
 * or 403: the recorder says so once in the log and stops trying. Event failures never
 * fail a reconcile.
 */
export class EventRecorder {
  private disabled = false;
  private sequence = 0;

  /**
   * @param api - Kubernetes calls.
   * @param component - `source.component` / `reportingComponent` of the events.
   * @param logger - where the one-time "no events API" note goes.
   * @param now - clock.
   */
  constructor(
    private readonly api: KubeApi,
    private readonly component: string,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Whether events are still being recorded. */
  get enabled(): boolean {
    return !this.disabled;
  }

  /** Record `events` on `object`, in order. */
  async record(object: CustomObject, events: readonly EngineEvent[]): Promise<void> {
    for (const event of events) {
      if (this.disabled) return;
      const namespace = object.metadata.namespace ?? "default";
      const time = new Date(this.now());
      const name = `${object.metadata.name}.${Date.now().toString(16)}${(++this.sequence).toString(16)}`;
      try {
        await this.api.createEvent(namespace, {
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
        });
      } catch (error) {
        if (error instanceof KubeApiError && (error.status === 404 || error.status === 403)) {
          this.disabled = true;
          this.logger.info(
            { status: error.status },
            "the API server has no core Events API for this controller (or forbids it); not recording Kubernetes events",
          );
          return;
        }
        this.logger.warn(
          { error: String(error), reason: event.reason },
          "recording an event failed",
        );
      }
    }
  }
}
