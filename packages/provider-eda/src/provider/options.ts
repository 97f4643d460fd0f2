import type { ResourceObject } from "@provisionkit/core";
import type { EdaAnnotationNames } from "../constants.js";
import type { EdaClientOptions } from "../client/index.js";
import type { EdaAapJobSource } from "./aap-source.js";

/**
 * Options of `EdaProvider`: the client's (target, auth, secrets, tls, requestTimeoutMs,
 * logger, now) and the provider's own.
 */
export interface EdaProviderOptions extends EdaClientOptions {
  /** Provider name recorded on every job (P1). Default `"eda"`. */
  name?: string;
  /**
   * How long a provision job may take, from the moment its event was sent, before it
   * counts as failed. Default 60 minutes: EDA returns no job, so a lost event (EDA keeps
   * queued events in memory; a restarted activation drops them) or a playbook that never
   * writes back would otherwise be waited for forever (P3). An hour covers queueing in EDA
   * and AAP plus the longer infrastructure playbooks (clusters) with margin; the engine
   * then retries with its backoff.
   *
   * Keep it above your longest playbook run plus EDA's queueing: without AAP mode the
   * provider cannot see a job that is merely slow, so after the timeout the engine may send
   * the event again (or deprovision) while that job still runs (E1 at risk). AAP mode
   * reports the real job instead.
   */
  provisionTimeoutMs?: number;
  /**
   * The same for deprovision jobs. Default 30 minutes: teardowns are usually faster than
   * builds, and a deletion should not hang for an hour on a lost event.
   */
  deprovisionTimeoutMs?: number;
  /** The finalizer the provision playbook adds and the deprovision playbook removes. Default `provisionkit.io/aap`. */
  finalizer?: string;
  /** Annotation names, over `DEFAULT_EDA_ANNOTATIONS`. */
  annotations?: Partial<EdaAnnotationNames>;
  /**
   * The event body. Default: the resource without `status` and `metadata.managedFields`.
   * Must return a JSON object; the provider adds its annotations (correlation id,
   * operation, config version or block-deletion-on-failure) to a copy. Never put secrets
   * here: EDA and AAP store events in clear.
   */
  payload?: (resource: ResourceObject) => unknown;
  /**
   * Whether a failed deprovision keeps the resource's finalizer (E4). Default `false`:
   * with EDA a failure is often only a timeout on a lost event or a playbook that did not
   * write back, and blocking deletion on that would strand resources; set `true` when
   * your playbooks report failures reliably and a failed teardown must be looked at.
   *
   * Deprovision events carry it (annotation `provisionkit.io/block-deletion-on-failure`,
   * `"true"` or `"false"`): a failed deprovision playbook that reads `"false"` removes the
   * playbooks' finalizer too, or the object could never go (docs/eda-protocol.md).
   */
  blockDeletionOnFailure?: boolean;
  /**
   * Minimum interval between identical events (same resource, destination, operation and
   * config version), in ms; a quicker repeat throws `RateLimitError` with the time left,
   * before anything is sent. Default 15 000: half the engine's smallest retry backoff
   * (30 s), so the engine's own retries never hit it, while a hot loop is held to four
   * events a minute per resource. 0 disables it.
   */
  minEventIntervalMs?: number;
  /**
   * AAP mode: an `AapProvider` from `@provisionkit/provider-aap`
   * (`aap: new AapProvider({ client, templates })`, templates naming what the rulebook
   * launches; see {@link EdaAapJobSource}). The provider then finds the job EDA launched for
   * each event through it (by correlation id), reports its real state, cancels a running
   * provision job before deprovisioning, and offers `findJob` and `cancelJob`. An
   * `AapClient` (this option's former type) is refused with a `ConfigurationError` that
   * says how to migrate.
   */
  aap?: EdaAapJobSource;
  /** When to ask again after `waiting`, at most (ms). Default 10 000 (the engine's poll interval). */
  pollIntervalMs?: number;
}
