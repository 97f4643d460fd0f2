/**
 * The provision events one `EdaProvider` sent, newest per resource, and the evidence that
 * one of them was carried out: what lets a retry after a provision timeout follow the
 * earlier event's playbook instead of sending the same work again (issue 14, defect 3).
 *
 * @module
 */
import {
  JobState,
  resourceKey,
  type Logger,
  type ProvisionResult,
  type ResourceObject,
} from "@provisionkit/core";
import type { EdaAnnotationNames } from "../constants.js";
import type { AapMode } from "./aap-mode.js";
import { parseFailure } from "./failure.js";
import { encodeEdaJobId, type EdaJobId } from "./job-id.js";

/** Entries remembered at most per memory (the oldest is dropped beyond). */
export const MAX_REMEMBERED = 1000;

/** A provision event this provider sent. */
export interface SentProvision {
  /** Its correlation id. */
  correlationId: string;
  /** The config version it carried. */
  configVersion: string;
  /** When it was sent, or last followed (epoch ms). */
  sentAt: number;
}

/** What {@link SentProvisions} needs from its provider. */
export interface SentProvisionsOptions {
  /** The annotation names the playbooks write. */
  annotations: EdaAnnotationNames;
  /** AAP mode, when on: its job lookup is evidence too. */
  aap: AapMode | undefined;
  /** The logger. */
  logger: Logger;
  /** The clock. */
  now: () => number;
}

/** Sets `key` as the newest entry of `map`, dropping the oldest beyond {@link MAX_REMEMBERED}. */
export function rememberBounded<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_REMEMBERED) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}

/**
 * The newest provision event sent per resource (by uid, else `namespace/name`), and
 * whether a retry of the same config version may follow it instead of sending again.
 */
export class SentProvisions {
  readonly #latest = new Map<string, SentProvision>();
  readonly #options: SentProvisionsOptions;

  /** @param options - see {@link SentProvisionsOptions}. */
  constructor(options: SentProvisionsOptions) {
    this.#options = options;
  }

  /** Remembers `event` as the newest provision event sent for `resource`. */
  record(resource: ResourceObject, event: SentProvision): void {
    rememberBounded(this.#latest, keyOf(resource), event);
  }

  /**
   * When the newest provision event sent for `resource` carried `configVersion` and there
   * is evidence it was carried out, the launch answer that follows it (a new job id for
   * that event, with a later send time, so unique); otherwise `undefined` (send the event).
   */
  async follow(
    resource: ResourceObject,
    configVersion: string,
    signal: AbortSignal,
  ): Promise<ProvisionResult | undefined> {
    const event = this.#latest.get(keyOf(resource));
    if (event?.configVersion !== configVersion) return undefined;
    const evidence = await this.#evidence(resource, event, signal);
    if (evidence === undefined) return undefined;
    const sentAt = Math.max(Math.floor(this.#options.now()), event.sentAt + 1);
    const { correlationId } = event;
    const jobId = encodeEdaJobId({ operation: "provision", correlationId, sentAt, configVersion });
    this.record(resource, { ...event, sentAt });
    this.#options.logger.info(
      { resource: resourceKey(resource), correlationId, jobId },
      "the previous provision event of this config version was carried out; following it instead of sending again",
    );
    return {
      jobId,
      initialState: JobState.Pending,
      message:
        `provision event for config version ${configVersion} not sent again: the event of ` +
        `correlation id ${correlationId} sent at ${new Date(event.sentAt).toISOString()} was ` +
        `carried out (${evidence}); following it`,
    };
  }

  /**
   * Evidence that `event` was carried out, as a short text: the resource's write-back
   * names it, or in AAP mode AAP has a job for it that neither failed nor was cancelled (a
   * failed or cancelled one is a real failure: a retry is owed). A failed AAP lookup is no
   * evidence (logged): the event is then sent again, as without AAP mode.
   */
  async #evidence(
    resource: ResourceObject,
    event: SentProvision,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const names = this.#options.annotations;
    if (writtenBack(resource, event, names)) {
      return `the resource's ${names.appliedCorrelationId} names it`;
    }
    const aap = this.#options.aap;
    if (aap === undefined) return undefined;
    const job: EdaJobId = { operation: "provision", ...event };
    try {
      const found = await aap.observe(resource, encodeEdaJobId(job), job, signal);
      const state = found?.status.state;
      if (found !== undefined && state !== JobState.Failed && state !== JobState.Canceled) {
        return `AAP job ${found.aapJobId} is ${state}`;
      }
    } catch (error) {
      if (signal.aborted) throw error;
      this.#options.logger.warn(
        { resource: resourceKey(resource), correlationId: event.correlationId },
        "could not look up the AAP job of the previous provision event; sending the event again",
      );
    }
    return undefined;
  }
}

function keyOf(resource: ResourceObject): string {
  return resource.metadata.uid ?? resourceKey(resource);
}

/**
 * Whether the resource shows that `event`'s provision playbook succeeded: the
 * applied-version annotation is its version, the applied-correlation-id annotation names
 * it, and no failure annotation names it.
 */
export function writtenBack(
  resource: ResourceObject,
  event: SentProvision,
  names: EdaAnnotationNames,
): boolean {
  const annotations = resource.metadata.annotations ?? {};
  if (annotations[names.appliedConfigVersion] !== event.configVersion) return false;
  if (annotations[names.appliedCorrelationId] !== event.correlationId) return false;
  const parsed = parseFailure(annotations[names.failure]);
  return !(parsed && "failure" in parsed && parsed.failure.correlationId === event.correlationId);
}
