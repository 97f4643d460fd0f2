/**
 * Sending an event: the body with its annotations, the synthetic job id, and the minimum
 * interval between identical events (`minEventIntervalMs`).
 *
 * @module
 */
import {
  RateLimitError,
  isOutcomeUnknown,
  resourceKey,
  type ResourceObject,
} from "@provisionkit/core";
import type { EdaClient, EdaDestination } from "../client/index.js";
import { encodeEdaJobId, type EdaJobId } from "./job-id.js";
import { eventBody, type EventFacts } from "./payload.js";
import type { ResolvedProviderOptions } from "./resolve-options.js";
import { EventThrottle } from "./throttle.js";

/** A sent event: its synthetic job id and where it went. */
export interface SentEvent {
  /** The EDA job id (see `encodeEdaJobId`). */
  jobId: string;
  /** The destination the event was posted to. */
  destination: EdaDestination;
}

/** Sends the events of one `EdaProvider`. */
export class EventSender {
  readonly #client: EdaClient;
  readonly #options: ResolvedProviderOptions;
  readonly #throttle: EventThrottle;

  /**
   * @param client - the client events are posted through.
   * @param options - the provider's resolved options.
   */
  constructor(client: EdaClient, options: ResolvedProviderOptions) {
    this.#client = client;
    this.#options = options;
    this.#throttle = new EventThrottle(options.minEventIntervalMs);
  }

  /**
   * Posts the event `facts` describe for `resource`.
   *
   * @throws RateLimitError before anything is sent when an identical event (same resource,
   *   destination, operation and config version) went out less than `minEventIntervalMs` ago.
   */
  async send(
    resource: ResourceObject,
    facts: EventFacts,
    signal: AbortSignal,
    id: Pick<EdaJobId, "acknowledgementOnly"> = {},
  ): Promise<SentEvent> {
    const { operation, correlationId, configVersion } = facts;
    const destination = this.#client.destination(resource.kind, operation);
    const uid = resource.metadata.uid;
    const payload = eventBody(this.#options.payload(resource), this.#options.annotations, {
      ...facts,
      ...(uid !== undefined && uid !== "" && { resourceUid: uid }),
    });
    const key = [
      resource.metadata.uid ?? resourceKey(resource),
      destination.url,
      operation,
      configVersion ?? "",
    ].join("\n");
    const now = Math.floor(this.#options.now());
    const left = this.#throttle.remaining(key, now);
    if (left > 0) {
      const min = this.#options.minEventIntervalMs;
      throw new RateLimitError(
        `EDA: an identical ${operation} event${configVersion === undefined ? "" : ` (config version ${configVersion})`} ` +
          `for ${resourceKey(resource)} was sent to ${destination.path} ${seconds(min - left)} ago; identical events ` +
          `repeat at most every ${seconds(min)} (minEventIntervalMs): retry in ${seconds(left)}`,
        left,
        { outcomeUnknown: false, details: { option: "minEventIntervalMs", retryAfterMs: left } },
      );
    }
    const jobId = encodeEdaJobId({ operation, correlationId, sentAt: now, configVersion, ...id });
    this.#throttle.record(key, now);
    try {
      await this.#client.send(
        { kind: resource.kind, operation, payload, correlationId },
        { signal },
      );
    } catch (error) {
      // Only an event that surely did not arrive may be sent again at once.
      if (!isOutcomeUnknown(error)) this.#throttle.forget(key, now);
      throw error;
    }
    this.#options.logger.info(
      { resource: resourceKey(resource), operation, correlationId, jobId, path: destination.path },
      `EDA queued the ${operation} event`,
    );
    return { jobId, destination };
  }
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}
