/**
 * A ComputeInstance operator, as a user of provisionkit writes one: a custom resource, an
 * AAP provider that runs the `create-compute-instance` / `delete-compute-instance` job
 * templates, and the provisioning controller that drives them. Copy this file, install the
 * CRD (with the status subresource) and run it:
 *
 * ```ts
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault(); // in-cluster or ~/.kube/config
 * const operator = computeInstanceOperator({
 *   kubeConfig,
 *   aap: { url: process.env.AAP_URL!, token: process.env.AAP_TOKEN! },
 *   logger: pino(),
 * });
 * await operator.start();
 * process.on("SIGTERM", () => void operator.stop());
 * ```
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { EngineOptionsInput, Logger, Provider, ResourceObject } from "@provisionkit/core";
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
  /** Counters and histograms (prom-client, OpenTelemetry…). */
  metrics?: ControllerMetrics;
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
