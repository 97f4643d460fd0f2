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
import type { EngineOptionsInput, Logger, ResourceObject } from "@provisionkit/core";
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

/** Where things are, and the hooks to observe the operator. */
export interface OperatorOptions {
  kubeConfig: KubeConfig;
  /** The Automation Controller: its URL (the API path is discovered) and a bearer token. */
  aap: { url: string; token: string };
  /** A pino logger, or anything with pino's `info(fields, message)` shape. */
  logger?: Logger;
  /** Counters and histograms (prom-client, OpenTelemetry…). */
  metrics?: ControllerMetrics;
  /** Engine timings; the defaults suit real AAP jobs (poll every 10 s, back off from 30 s). */
  engine?: EngineOptionsInput;
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
