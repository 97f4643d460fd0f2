import type { JobType, Logger, ResourceObject } from "@provisionkit/core";
import type { AapClient, AapClientOptions } from "../client/index.js";
import type { AapAnnotationNames } from "./extra-vars.js";

/**
 * Default `AapProviderOptions.launchSettleMs`: 180,000 ms, AWX's 115 s uwsgi `harakiri`
 * and 120 s nginx `uwsgi_read_timeout` with a margin (see the option).
 */
export const DEFAULT_LAUNCH_SETTLE_MS = 180_000;

/** The template names of one resource kind (see {@link AapTemplateOptions.kinds}). */
export interface AapKindTemplates {
  /** Name of the template that provisions this kind. */
  provision?: string;
  /** Name of the template that deprovisions this kind. */
  deprovision?: string;
  /** Organization both templates belong to; overrides {@link AapTemplateOptions.organization}. */
  organization?: string;
}

/**
 * Which job or workflow job template runs for which resource. For a resource of kind
 * `K` and an operation, the name is the first of:
 * 1. `kinds[K].provision` / `kinds[K].deprovision`;
 * 2. `provision` / `deprovision` (one template for every kind);
 * 3. the convention `${prefix}${verb}-${kebab-case(K)}`, e.g. `create-compute-instance`
 *    and `delete-compute-instance` (the names the EDA rulebooks of this kind of operator
 *    use as webhook endpoints, so one AAP setup serves both paths).
 *
 * Whether a name is a job template or a workflow job template is looked up in AAP; names
 * are unique per organization only, so give `organization` when several organizations
 * use the same names.
 */
export interface AapTemplateOptions {
  /** Organization of the templates (`summary_fields.organization.name`). */
  organization?: string;
  /** One provision template name for every kind. */
  provision?: string;
  /** One deprovision template name for every kind. */
  deprovision?: string;
  /** Prefix of conventional names. Default `""`. */
  prefix?: string;
  /** Verbs of conventional names. Default `create` and `delete`. */
  verbs?: { provision?: string; deprovision?: string };
  /** Per-kind overrides, keyed by the resource's `kind`. */
  kinds?: Readonly<Record<string, AapKindTemplates>>;
}

/** What a launch is for; passed to {@link AapProviderOptions.extraVars}. */
export interface AapExtraVarsContext {
  /** Provision or deprovision. */
  operation: JobType;
  /** The correlation id the job is launched with. */
  correlationId: string;
  /** The config version a provision applies. */
  configVersion?: string;
}

/** Options of {@link AapProvider}. */
export interface AapProviderOptions {
  /** A client, or the options to build one. */
  client: AapClient | AapClientOptions;
  /** Provider name recorded on every job (P1). Default `"aap"`. */
  name?: string;
  /** Which templates run; see {@link AapTemplateOptions}. */
  templates?: AapTemplateOptions;
  /**
   * Whether a failed deprovision job keeps the resource's finalizer (E4). Default `true`:
   * a failed teardown in AAP likely left infrastructure behind.
   *
   * Deprovision launches carry it in `ansible_eda.event.payload.metadata.annotations`
   * (`provisionkit.io/block-deletion-on-failure`, `"true"` or `"false"`), as EDA
   * deprovision events do: a failed deprovision playbook that reads `"false"` removes the
   * `provisionkit.io/aap` finalizer too (docs/eda-protocol.md).
   */
  blockDeletionOnFailure?: boolean;
  /**
   * What playbooks receive as `ansible_eda.event.payload`. Default: the resource without
   * `status` and `metadata.managedFields`. Never put secrets here: AAP stores extra vars
   * in clear in the job.
   */
  payload?: (resource: ResourceObject) => unknown;
  /**
   * More top-level extra vars for every launch. They cannot replace `ansible_eda` or
   * `provisionkit`, which the provider owns.
   */
  extraVars?: (resource: ResourceObject, context: AapExtraVarsContext) => Record<string, unknown>;
  /**
   * Names of the payload annotations that carry a launch's correlation id, operation, config
   * version and `blockDeletionOnFailure`, over the defaults (`provisionkit.io/correlation-id`
   * and so on, `PAYLOAD_ANNOTATIONS`). Launches write them and `findJob` and the status calls
   * read them, also from jobs an EDA rulebook launched for `EdaProvider` events: when the
   * `EdaProvider` renames them (its `annotations` option), use the same names in both.
   */
  annotations?: Partial<AapAnnotationNames>;
  /** How long a template lookup is reused. Default 5 minutes; a 404 drops it at once. */
  templateCacheTtlMs?: number;
  /**
   * Bound on `findJob`'s walk through the template's jobs, newest first: how many pages of
   * 200 jobs are read (one request each; AWX refuses filters on `extra_vars`, so the jobs
   * are read and matched here). A lookup that reaches this bound before the template's
   * oldest job fails (retryable, code `LOOKUP_INCOMPLETE`). Default 10 (2,000 jobs).
   */
  findJobMaxPages?: number;
  /**
   * `Provider.launchSettleMs`: the longest time (ms) after a launch request ended on this
   * side during which AAP may still create its job. The engine concludes that a launch
   * whose outcome is unknown created no job (and launches again) only from a lookup begun
   * at least this long after the request ended. Default {@link DEFAULT_LAUNCH_SETTLE_MS}
   * (180,000: three minutes).
   *
   * Why that default: AWX serves the API from uwsgi with `harakiri = 115` (a worker handling
   * one request longer than 115 s is killed; github:ansible/awx
   * `tools/ansible/roles/dockerfile/files/uwsgi.ini:13`) and runs each request in one
   * database transaction (`ATOMIC_REQUESTS: True`, `awx/settings/defaults.py:30`), so the
   * launch's job row is committed, and visible to a lookup, only when the launch view
   * returns: at the latest about 115 s after a worker took the request. AWX's nginx gives up
   * on uwsgi after `uwsgi_read_timeout 120s`
   * (`tools/docker-compose/ansible/roles/sources/templates/nginx.locations.conf.j2:42`).
   * 180 s leaves a margin over both. Unverified: the time a request may wait in uwsgi's
   * listen queue before a worker takes it is not bounded by AWX's own configuration, and
   * AAP's platform gateway (2.5+) and any proxy or load balancer in front add timeouts of
   * their own. Behind a front proxy that holds requests longer (a request queue, a proxy
   * with a longer read timeout that retries upstream), set this to that proxy's longest
   * request lifetime (its upstream timeout times its retries, plus its queue time) plus a
   * margin. `0` would declare that a job exists as soon as its launch request ends: never
   * true of AWX.
   */
  launchSettleMs?: number;
  /** Clock for cache expiry and event timestamps. Default `Date.now`. */
  now?: () => number;
  /** Logger; default silent. Only secret-free fields are logged. */
  logger?: Logger;
}
