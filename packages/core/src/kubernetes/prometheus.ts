import type * as PromClient from "prom-client";
import { ConfigurationError } from "../errors.js";
import type { ControllerMetrics, ReconcileOutcomeLabel } from "./metrics.js";

/** The code of the error thrown when the optional peer dependency `prom-client` is not installed. */
export const PROM_CLIENT_MISSING = "PROM_CLIENT_MISSING";

/**
 * A prom-client `Registry`, as far as provisionkit uses it (structural, so that the public
 * types do not depend on prom-client's).
 */
export interface PrometheusRegistry {
  /** The exposition text of every metric registered. */
  metrics(): Promise<string>;
  /** The `Content-Type` of that text. */
  readonly contentType: string;
}

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /**
   * The `controller` label of every metric (and the `name` label of the `workqueue_*`
   * ones), as controller-runtime names a controller: e.g. `computeinstance`. Several
   * controllers may share one registry, each with its own name.
   */
  controller: string;
  /**
   * The prom-client `Registry` to register in (one from the same prom-client copy as
   * {@link PrometheusMetricsOptions.load} returns). Default: a new registry, with
   * prom-client's default process and Node.js metrics (`process_*`, `nodejs_*`) unless
   * {@link PrometheusMetricsOptions.defaultMetrics} is false. Metrics already registered
   * under a name by an earlier call are reused (same label names), so two controllers can
   * share a registry.
   */
  registry?: PrometheusRegistry;
  /** Whether a new registry also collects prom-client's default metrics. Default true. */
  defaultMetrics?: boolean;
  /**
   * How prom-client is loaded. Default `import("prom-client")`, resolved from
   * `@provisionkit/core`; pass your own loader to use your application's copy.
   */
  load?: () => Promise<unknown>;
}

/** Prometheus metrics for a `ProvisioningController`: give `hooks` to its `metrics` option. */
export interface PrometheusMetrics {
  /** The hooks that update the metrics: the controller's `metrics` option. */
  readonly hooks: ControllerMetrics;
  /** The registry the metrics are in (serve it with `startOperatorServer`). */
  readonly registry: PrometheusRegistry;
}

type Prom = typeof PromClient;

/**
 * Buckets of `controller_runtime_reconcile_time_seconds`, as controller-runtime declares
 * them (sigs.k8s.io/controller-runtime pkg/internal/controller/metrics/metrics.go, `ReconcileTime`).
 */
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9,
  1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/**
 * Buckets of `workqueue_queue_duration_seconds`: `prometheus.ExponentialBuckets(10e-9, 10, 12)`
 * (controller-runtime pkg/internal/metrics/workqueue.go, `latency`).
 */
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));
/**
 * Buckets of `rest_client_request_duration_seconds` (controller-runtime
 * pkg/metrics/client_go_adapter.go, `requestLatency`).
 */
const REQUEST_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0];
/** Buckets for job durations, time to Ready and deletions: seconds to two hours. */
const JOB_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200];

/**
 * controller-runtime's `result` label of `controller_runtime_reconcile_total` for each
 * reconcile outcome (its values: success, error, requeue, requeue_after; pkg/internal/
 * controller/controller.go). A 409 is retried at once, like a `Requeue`; a failure is an
 * error; every other outcome ended the reconcile as intended.
 */
const RESULT: Readonly<Record<ReconcileOutcomeLabel, string>> = {
  ok: "success",
  paused: "success",
  withheld: "success",
  invalid: "success",
  conflict: "requeue",
  error: "error",
};

/**
 * Prometheus metrics for a `ProvisioningController`, through `prom-client` (an optional peer
 * dependency, loaded here on first use; 15.x). The names and labels are controller-runtime's
 * where it has the metric (`controller_runtime_reconcile_total{controller,result}`,
 * `controller_runtime_reconcile_errors_total`, `controller_runtime_reconcile_time_seconds`,
 * `controller_runtime_active_workers`,
 * `workqueue_depth`, `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
 * `rest_client_requests_total{code,method,host}`, `rest_client_request_duration_seconds`),
 * and `provisionkit_*` for the rest (jobs launched and finished by type and state, job
 * duration, time to Ready, deletion duration, watch restarts, reconciles by provisionkit's
 * outcome, API requests by Kubernetes verb). docs/operations.md has the table.
 *
 * @throws ConfigurationError with code {@link PROM_CLIENT_MISSING} when prom-client is not
 *   installed.
 */
export async function createPrometheusMetrics(
  options: PrometheusMetricsOptions,
): Promise<PrometheusMetrics> {
  if (!options.controller) throw new RangeError("controller must be a non-empty name");
  const prom = await loadPromClient(options.load);
  let registry: PromClient.Registry;
  if (options.registry) {
    registry = options.registry as PromClient.Registry;
  } else {
    registry = new prom.Registry();
    if (options.defaultMetrics !== false) prom.collectDefaultMetrics({ register: registry });
  }
  return { hooks: prometheusHooks(prom, registry, options.controller), registry };
}

async function loadPromClient(load: (() => Promise<unknown>) | undefined): Promise<Prom> {
  let loaded: unknown;
  try {
    loaded = await (load ? load() : import("prom-client"));
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new ConfigurationError(
        "Prometheus metrics need the optional peer dependency prom-client (15.x): install it next to @provisionkit/core (npm install prom-client)",
        { code: PROM_CLIENT_MISSING, cause: error },
      );
    }
    throw error;
  }
  // An ES module import of the CommonJS prom-client has its exports on `default` too.
  const module = loaded as Partial<Prom> & { default?: Partial<Prom> };
  const prom = typeof module.Registry === "function" ? module : module.default;
  if (!prom || typeof prom.Registry !== "function" || typeof prom.Counter !== "function") {
    throw new ConfigurationError("the module loaded as prom-client has no Registry or Counter", {
      code: PROM_CLIENT_MISSING,
    });
  }
  return prom as Prom;
}

function prometheusHooks(
  prom: Prom,
  registry: PromClient.Registry,
  controller: string,
): ControllerMetrics {
  // A metric already in the registry (another controller's adapter) is reused.
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    (registry.getSingleMetric(name) as PromClient.Counter<L> | undefined) ??
    new prom.Counter<L>({ name, help, labelNames, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
    (registry.getSingleMetric(name) as PromClient.Gauge<L> | undefined) ??
    new prom.Gauge<L>({ name, help, labelNames, registers: [registry] });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    buckets: number[],
  ) =>
    (registry.getSingleMetric(name) as PromClient.Histogram<L> | undefined) ??
    new prom.Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });

  // controller-runtime pkg/internal/controller/metrics/metrics.go
  const reconcileTotal = counter(
    "controller_runtime_reconcile_total",
    "Total number of reconciliations per controller",
    ["controller", "result"],
  );
  const reconcileErrors = counter(
    "controller_runtime_reconcile_errors_total",
    "Total number of reconciliation errors per controller",
    ["controller"],
  );
  const activeWorkers = gauge(
    "controller_runtime_active_workers",
    "Number of currently used workers per controller",
    ["controller"],
  );
  const reconcileTime = histogram(
    "controller_runtime_reconcile_time_seconds",
    "Length of time per reconciliation per controller",
    ["controller"],
    RECONCILE_BUCKETS,
  );
  // controller-runtime pkg/internal/metrics/workqueue.go (labels name and controller)
  const depth = gauge("workqueue_depth", "Current depth of workqueue", ["name", "controller"]);
  const adds = counter("workqueue_adds_total", "Total number of adds handled by workqueue", [
    "name",
    "controller",
  ]);
  const queueLatency = histogram(
    "workqueue_queue_duration_seconds",
    "How long in seconds an item stays in workqueue before being requested",
    ["name", "controller"],
    QUEUE_BUCKETS,
  );
  // controller-runtime pkg/metrics/client_go_adapter.go
  const requests = counter(
    "rest_client_requests_total",
    "Number of HTTP requests, partitioned by status code, method, and host.",
    ["code", "method", "host"],
  );
  const requestLatency = histogram(
    "rest_client_request_duration_seconds",
    "Request latency in seconds. Broken down by verb and host.",
    ["verb", "host"],
    REQUEST_BUCKETS,
  );
  // provisionkit's own
  const outcomes = counter(
    "provisionkit_reconcile_total",
    "Reconciles per controller by provisionkit outcome (ok, conflict, error, paused, withheld, invalid)",
    ["controller", "outcome"],
  );
  const launched = counter(
    "provisionkit_jobs_launched_total",
    "Jobs launched (or adopted after a restart) by type and provider",
    ["controller", "type", "provider"],
  );
  const finished = counter(
    "provisionkit_jobs_finished_total",
    "Jobs seen reaching a terminal state, by type, provider and state",
    ["controller", "type", "provider", "state"],
  );
  const jobDuration = histogram(
    "provisionkit_job_duration_seconds",
    "From a job's launch to the end the controller saw, by type, provider and state",
    ["controller", "type", "provider", "state"],
    JOB_BUCKETS,
  );
  const timeToReady = histogram(
    "provisionkit_time_to_ready_seconds",
    "From creation (since=creation) or from the provision launch after a spec change (since=spec-change) to Ready",
    ["controller", "since"],
    JOB_BUCKETS,
  );
  const deletion = histogram(
    "provisionkit_deletion_duration_seconds",
    "From a resource's deletionTimestamp to the release of the finalizer",
    ["controller"],
    JOB_BUCKETS,
  );
  const restarts = counter(
    "provisionkit_watch_restarts_total",
    "Informer (list and watch) restarts after a watch error",
    ["controller"],
  );
  const kubeRequests = counter(
    "provisionkit_kube_requests_total",
    "Requests to the Kubernetes API by Kubernetes verb, subresource and status code (the watch excluded)",
    ["controller", "verb", "subresource", "code"],
  );

  // As controller-runtime does (controller.go, initMetrics): every result at 0 from the start.
  for (const result of ["success", "error", "requeue", "requeue_after"]) {
    reconcileTotal.inc({ controller, result }, 0);
  }
  reconcileErrors.inc({ controller }, 0);
  restarts.inc({ controller }, 0);
  adds.inc({ name: controller, controller }, 0);
  depth.set({ name: controller, controller }, 0);
  activeWorkers.set({ controller }, 0);

  const seconds = (ms: number) => Math.max(0, ms) / 1000;
  return {
    reconciled({ outcome }, durationMs) {
      const result = RESULT[outcome];
      reconcileTotal.inc({ controller, result });
      if (result === "error") reconcileErrors.inc({ controller });
      reconcileTime.observe({ controller }, seconds(durationMs));
      outcomes.inc({ controller, outcome });
    },
    queueDepth(value) {
      depth.set({ name: controller, controller }, value);
    },
    queueAdded() {
      adds.inc({ name: controller, controller });
    },
    activeWorkers(active) {
      activeWorkers.set({ controller }, active);
    },
    queueWait(waitedMs) {
      queueLatency.observe({ name: controller, controller }, seconds(waitedMs));
    },
    apiRequest({ verb, method, code, subresource, host }, durationMs) {
      requests.inc({ code, method, host });
      requestLatency.observe({ verb: method, host }, seconds(durationMs));
      kubeRequests.inc({ controller, verb, subresource, code });
    },
    jobLaunched({ type, provider }) {
      launched.inc({ controller, type, provider });
    },
    jobFinished({ type, provider, state }, durationMs) {
      finished.inc({ controller, type, provider, state });
      jobDuration.observe({ controller, type, provider, state }, seconds(durationMs));
    },
    timeToReady({ since }, durationMs) {
      timeToReady.observe({ controller, since }, seconds(durationMs));
    },
    deletionCompleted(durationMs) {
      deletion.observe({ controller }, seconds(durationMs));
    },
    watchRestarted() {
      restarts.inc({ controller });
    },
  };
}
