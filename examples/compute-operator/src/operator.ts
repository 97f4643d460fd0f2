/**
 * A ComputeInstance operator, as a user of provisionkit writes one: a custom resource, an
 * AAP provider that runs the `create-compute-instance` / `delete-compute-instance` job
 * templates, and the provisioning controller that drives them. Copy this file, install the
 * CRD (with the status subresource) and run it:
 *
 * ```ts
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault(); // in-cluster or ~/.kube/config
 * const logger = pino();
 * const prom = await createPrometheusMetrics({ controller: "computeinstance" }); // prom-client
 * const operator = computeInstanceOperator({
 *   kubeConfig,
 *   aap: { url: process.env.AAP_URL!, token: process.env.AAP_TOKEN! },
 *   logger,
 *   metrics: prom.hooks,
 *   tracer: openTelemetryJobTracer(), // optional: needs @opentelemetry/api and an SDK
 * });
 * await operator.start();
 * // /metrics, /healthz (liveness), /readyz (readiness) on :8080
 * const server = await startOperatorServer({ controller: operator, metrics: prom.registry });
 * handleShutdownSignals([operator, server], { logger }); // SIGTERM: stop both, exit 0
 * ```
 *
 * `createPrometheusMetrics`, `startOperatorServer` and `handleShutdownSignals` come from
 * `@provisionkit/core/kubernetes` (docs/operations.md), `openTelemetryJobTracer` from
 * `@provisionkit/core/tracing` (docs/tracing.md). Without a tracer, every job record still
 * carries its latency breakdown (`timing`), which `provisionkit explain` prints.
 * `process.ts` wires the first two from the environment (`METRICS_PORT`).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type {
  EngineOptionsInput,
  JobTracer,
  Logger,
  Provider,
  ResourceObject,
} from "@provisionkit/core";
import { ProvisioningController, type ControllerMetrics } from "@provisionkit/core/kubernetes";
import { AapProvider } from "@provisionkit/provider-aap";

/** The custom resource: `computeinstances.demo.provisionkit.io/v1alpha1`, namespaced. */
export const COMPUTE_INSTANCE = {
  group: "demo.provisionkit.io",
  version: "v1alpha1",
  plural: "computeinstances",
  kind: "ComputeInstance",
} as const;

/** Held on every ComputeInstance until its teardown in AAP is done. */
export const FINALIZER = "demo.provisionkit.io/teardown";

/** What a user asks for. The whole spec is the desired config: any change re-provisions. */
export interface ComputeInstanceSpec {
  image: string;
  cores: number;
  memoryGiB: number;
}

/** A ComputeInstance as the controller and the provider see it. */
export interface ComputeInstance extends ResourceObject {
  spec: ComputeInstanceSpec;
}

/** The cluster, and the hooks to observe the operator, whatever its backend. */
export interface OperatorBase {
  kubeConfig: KubeConfig;
  /** A pino logger, or anything with pino's `info(fields, message)` shape. */
  logger?: Logger;
  /** Counters and histograms: `createPrometheusMetrics(…).hooks`, or your own. */
  metrics?: ControllerMetrics;
  /**
   * Spans for every job and reconcile: `openTelemetryJobTracer()` from
   * `@provisionkit/core/tracing` (with an OpenTelemetry SDK registered), or your own.
   */
  tracer?: JobTracer;
  /** Engine timings; the defaults suit real AAP jobs (poll every 10 s, back off from 30 s). */
  engine?: EngineOptionsInput;
}

/** Where things are, and the hooks to observe the operator. */
export interface OperatorOptions extends OperatorBase {
  /** The Automation Controller: its URL (the API path is discovered) and a bearer token. */
  aap: { url: string; token: string };
}

/**
 * The provisioning controller of ComputeInstances, driving `provider`: the whole spec is
 * the desired config, and {@link FINALIZER} is held until the teardown is done.
 */
export function computeInstanceController(
  provider: Provider<ComputeInstance>,
  options: OperatorBase,
): ProvisioningController<ComputeInstance> {
  return new ProvisioningController<ComputeInstance>({
    kubeConfig: options.kubeConfig,
    resource: COMPUTE_INSTANCE,
    provider,
    finalizer: FINALIZER,
    desiredConfig: (instance) => instance.spec,
    engine: options.engine,
    logger: options.logger,
    metrics: options.metrics,
    ...(options.tracer ? { tracer: options.tracer } : {}),
  });
}

/** The operator: `await operator.start()`, and `await operator.stop()` on SIGTERM. */
export function computeInstanceOperator(
  options: OperatorOptions,
): ProvisioningController<ComputeInstance> {
  const provider = new AapProvider({
    client: { url: options.aap.url, auth: { type: "bearer", token: options.aap.token } },
    // No template names: the convention gives create-compute-instance / delete-compute-instance.
    // A failed teardown keeps the finalizer (the default): AAP may have left a VM behind.
    blockDeletionOnFailure: true,
    logger: options.logger,
  });
  return computeInstanceController(provider, options);
}
