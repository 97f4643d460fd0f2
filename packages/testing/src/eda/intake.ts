/**
 * Where received events enter the simulator: the event log, and the activation's queue
 * when an activation is running to take them.
 *
 * @module
 */
import type { Clock } from "../clock.js";
import type { Activation } from "./activation.js";
import type { EventLog } from "./event-log.js";
import type { ResolvedActivation, ResolvedPlaybook } from "./options.js";
import { payloadAnnotation } from "./payload.js";
import type { EdaEventRecord } from "./records.js";

/** Where an event came from. */
export type EventOrigin =
  | { readonly source: "webhook"; readonly endpoint: string }
  | { readonly source: "event-stream"; readonly eventStream: string };

/** The receiving side of the simulator. */
export class Intake {
  readonly #activation: Activation;
  readonly #log: EventLog;
  readonly #settings: ResolvedActivation;
  readonly #playbook: ResolvedPlaybook;
  readonly #clock: Clock;
  readonly #queueDelay: (endpoint: string | undefined) => number;

  /**
   * @param deps - Activation, event log, settings, clock, and the extra queue time of an
   *   event (`FaultRegistry.queueDelayOf`: the webhook endpoint, `undefined` for a stream).
   */
  constructor(deps: {
    activation: Activation;
    log: EventLog;
    settings: ResolvedActivation;
    playbook: ResolvedPlaybook;
    clock: Clock;
    queueDelay: (endpoint: string | undefined) => number;
  }) {
    this.#activation = deps.activation;
    this.#log = deps.log;
    this.#settings = deps.settings;
    this.#playbook = deps.playbook;
    this.#clock = deps.clock;
    this.#queueDelay = deps.queueDelay;
  }

  /** Records a refused request. */
  reject(origin: EventOrigin, receivedAt: number, status: number, reason: string): void {
    this.#log.add({ ...origin, receivedAt, status, fate: "rejected", reason });
  }

  /**
   * Records an accepted event: queued when an activation is running (due after the rule
   * engine's latency and any queue delay rule's, see `EdaQueueDelayRule`), lost otherwise, or kept out of the rule engine in test mode.
   */
  accept(
    origin: EventOrigin,
    receivedAt: number,
    event: Record<string, unknown>,
    testMode = false,
  ): EdaEventRecord {
    const payload = event.payload;
    const correlationId = payloadAnnotation(payload, this.#playbook.correlationAnnotation);
    const operation = payloadAnnotation(payload, this.#playbook.operationAnnotation);
    const base = {
      ...origin,
      receivedAt,
      status: 200,
      event,
      ...(correlationId === undefined ? {} : { correlationId }),
      ...(operation === undefined ? {} : { operation }),
    };
    if (testMode) return this.#log.add({ ...base, fate: "test-mode" });
    if (this.#activation.status() !== "running") {
      return this.#log.add({ ...base, fate: "lost", reason: "no running activation" });
    }
    const record = this.#log.add({
      ...base,
      fate: "queued",
      dueAt:
        receivedAt +
        this.#settings.eventLatencyMs +
        this.#queueDelay(origin.source === "webhook" ? origin.endpoint : undefined),
    });
    this.#activation.queue.push(record);
    return record;
  }

  /** Marks events dropped from the queue as lost. */
  lose(records: readonly EdaEventRecord[], reason: string): void {
    for (const record of records) {
      record.fate = "lost";
      record.reason = reason;
    }
  }

  /** The clock's current time. */
  now(): number {
    return this.#clock.now();
  }
}
