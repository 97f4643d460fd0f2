import type { JobType, Logger, ResourceObject } from "@provisionkit/core";
import type { AapClient, AapClientOptions } from "../client/index.js";
import type { AapNotificationReceiver } from "../notifications/receiver.js";
import type { AapAnnotationNames } from "./extra-vars.js";

/**
 * Default `AapProviderOptions.launchSettleMs`: 300,000 ms. AWX's uwsgi kills a request
 * at harakiri + graceful timeout (115 + 110 s; 120 + 115 s under awx-operator), and the
 * job is committed only when the launch returns; five minutes leaves a margin (see the
 * option).
 */
export const DEFAULT_LAUNCH_SETTLE_MS = 300_000;

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
   * (300,000: five minutes). `false` declares no bound: the engine then never concludes
   * absence on its own (a human resolves the launch, or its `unknownLaunchPolicy` applies).
   *
   * Why that default: AWX runs each request in one database transaction
   * (`ATOMIC_REQUESTS: True`, github:ansible/awx `awx/settings/defaults.py:30`), so the
   * launch's job row is committed, and visible to a lookup, only when the launch view
   * returns. AWX serves the API from uwsgi with `harakiri = 115`,
   * `harakiri-graceful-timeout = 110` and `harakiri-graceful-signal = 6`
   * (`tools/ansible/roles/dockerfile/files/uwsgi.ini:13-15`; awx-operator deployments: 120,
   * 115): at harakiri the worker only gets SIGABRT, which django-ansible-base's
   * `LogTracebackMiddleware` (`ansible_base/lib/middleware/logging/log_request.py:12-34`,
   * in AWX's `MIDDLEWARE`, `awx/settings/defaults.py:890`) catches and logs, so the request
   * goes on until the SIGKILL at harakiri + graceful timeout: 225 s (235 s under the
   * operator). nginx stops waiting after `uwsgi_read_timeout 120s`
   * (`tools/docker-compose/ansible/roles/sources/templates/nginx.locations.conf.j2:42`)
   * but the worker does not stop with it. So a job can appear up to about 235 s after a
   * worker took the request; 300 s leaves a margin. Unverified: the time a request may wait
   * in uwsgi's listen queue before a worker takes it is not bounded by AWX's configuration,
   * and AAP's platform gateway (2.5+) adds timeouts of its own. AWX 24.6.1 and older ran
   * uwsgi without harakiri: no bound at all; use `false` there, or a value you accept the
   * risk of. Behind a front that holds requests longer (a request queue, a proxy that
   * retries upstream), add its longest request lifetime. A value below what the server can
   * take risks a duplicate launch; a higher one only delays the relaunch of a lost launch.
   */
  launchSettleMs?: number | false;
  /**
   * A receiver of AAP webhook notifications (see `AapNotificationReceiver` and
   * docs/provider-aap.md, "Job notifications"). When given, the provider offers the
   * `jobSignals` capability: the Kubernetes runtime reads a job as soon as AAP notifies its
   * end, and polls only as a safety net. Without it the provider has no `jobSignals`.
   */
  notifications?: AapNotificationReceiver;
  /** Clock for cache expiry and event timestamps. Default `Date.now`. */
  now?: () => number;
  /** Logger; default silent. Only secret-free fields are logged. */
  logger?: Logger;
}
