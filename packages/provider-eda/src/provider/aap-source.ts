/**
 * AAP mode's job source: the object `EdaProvider` delegates everything AAP to (finding the
 * job a rulebook launched for an event, reading it, cancelling it), so that the AAP job
 * protocol has one implementation, `AapProvider` in `@provisionkit/provider-aap`. This
 * package still depends on core only: the source is typed by core's `Provider` contract.
 *
 * @module
 */
import {
  ConfigurationError,
  type CallOptions,
  type FindJobQuery,
  type FoundJob,
  type Provider,
  type ResourceObject,
} from "@provisionkit/core";

/** A job found by {@link EdaAapJobSource.findJob}. */
export interface EdaAapFoundJob extends FoundJob {
  /**
   * Provision jobs: the config version the job was launched with, read from its own record
   * (an `AapProvider` says it). Without it, a running provision job cannot be adopted.
   */
  configVersion?: string;
}

/**
 * What AAP mode (option `aap` of `EdaProviderOptions`) delegates to: core's `Provider`
 * contract for jobs. An `AapProvider` from `@provisionkit/provider-aap` fits, configured
 * with the templates the rulebook launches (docs/provider-eda.md):
 * `aap: new AapProvider({ client, templates })`.
 *
 * - `findJob(resource, { correlationId, type })`: the job launched for the event with that
 *   correlation id and operation, checked against the job's own record (P10); its `jobId`
 *   is the source's own (`job:42` for an `AapProvider`).
 * - `getProvisionStatus` / `getDeprovisionStatus(resource, jobId)`: reads that job; throws
 *   a `JOB_NOT_FOUND` error when AAP purged it.
 * - `cancelJob(resource, jobId, type)`: asks AAP to cancel it.
 */
export interface EdaAapJobSource extends Required<
  Pick<Provider, "findJob" | "cancelJob" | "getProvisionStatus" | "getDeprovisionStatus">
> {
  /** See {@link EdaAapJobSource}. */
  findJob(
    resource: ResourceObject,
    query: FindJobQuery,
    options: CallOptions,
  ): Promise<EdaAapFoundJob | undefined>;
}

const METHODS = ["findJob", "cancelJob", "getProvisionStatus", "getDeprovisionStatus"] as const;
/** What an `AapClient`, this option's former type, has and an `AapProvider` has not. */
const CLIENT_METHODS = ["getJob", "cancelJob", "launch"];

/**
 * The `aap` option, checked: `undefined`, or an object with the four methods of
 * {@link EdaAapJobSource}.
 *
 * @throws ConfigurationError otherwise; for an `AapClient` (the option's former type), one
 *   that says how to migrate.
 */
export function aapJobSource(value: unknown): EdaAapJobSource | undefined {
  if (value === undefined) return undefined;
  const candidate = (typeof value === "object" && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const has = (method: string) => typeof candidate[method] === "function";
  if (METHODS.every(has)) return value as EdaAapJobSource;
  const problem = CLIENT_METHODS.every(has)
    ? "takes an AapProvider, not an AapClient: EdaProvider now leaves finding, reading and " +
      "cancelling AAP jobs to it. Migrate with `aap: new AapProvider({ client, templates })` " +
      "(both from @provisionkit/provider-aap), templates naming what your rulebook launches " +
      "(docs/provider-eda.md)"
    : "must have findJob, cancelJob, getProvisionStatus and getDeprovisionStatus methods " +
      "(an AapProvider from @provisionkit/provider-aap fits)";
  throw new ConfigurationError(`EdaProvider option aap ${problem}`, { details: { option: "aap" } });
}
