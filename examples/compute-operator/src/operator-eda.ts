/**
 * The same ComputeInstance operator as `operator.ts`, with the work handed to Event-Driven
 * Ansible instead of AAP job templates: an EDA provider that posts an HMAC-signed event to
 * the rulebook activation's `ansible.eda.webhook` source (`create-compute-instance` /
 * `delete-compute-instance` endpoints) and reads the outcome back from the resource, where
 * the playbooks write it. Copy this file, install the CRD (with the status subresource)
 * and run it:
 *
 * ```ts
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault(); // in-cluster or ~/.kube/config
 * const operator = computeInstanceEdaOperator({
 *   kubeConfig,
 *   eda: {
 *     url: process.env.EDA_WEBHOOK_URL!, // e.g. http://compute-activation.eda.svc:5000
 *     hmacSecret: { secretRef: { name: "eda-webhook", key: "hmac-secret" } },
 *   },
 *   logger: pino(),
 * });
 * await operator.start();
 * process.on("SIGTERM", () => void operator.stop());
 * ```
 *
 * The rulebook: an `ansible.eda.webhook` source with `hmac_secret` set to the same secret
 * (SHA-256, hex digest in `X-Hub-Signature-256`, the plugin's defaults), and two rules,
 * `event.meta.endpoint == "create-compute-instance"` → `run_job_template:
 * create-compute-instance` and the same for `delete-compute-instance`; the templates must
 * prompt for variables on launch, since the event comes in `ansible_eda.event`.
 *
 * The playbooks must write back onto the ComputeInstance, with the Kubernetes API
 * (docs/eda-protocol.md), reading the annotations of `ansible_eda.event.payload.metadata`:
 * - provision success: set annotations `provisionkit.io/applied-config-version` (the event's
 *   `provisionkit.io/config-version`) and `provisionkit.io/applied-correlation-id` (its
 *   `provisionkit.io/correlation-id`), then add finalizer `provisionkit.io/aap` unless the
 *   object is being deleted (the API server refuses new finalizers then: write the
 *   annotations in their own task, so a build that ends after `kubectl delete` is reported);
 * - deprovision success: remove finalizer `provisionkit.io/aap` and set
 *   `provisionkit.io/applied-correlation-id` to the deprovision event's correlation id;
 * - failure: annotation `provisionkit.io/playbook-failure` =
 *   `{"correlationId": "…", "operation": "provision" | "deprovision", "message": "…"}`.
 *
 * EDA queues events in memory and answers before anything runs: an event lost by an
 * activation restart, or a playbook that never writes back, surfaces as a failed job after
 * `provisionTimeoutMs` (default 60 min) or `deprovisionTimeoutMs` (30 min), and the engine
 * retries it. EDA cannot cancel a job: a deletion waits for a running provision to write back.
 */
import type { SecretSource, SecretValue } from "@provisionkit/core";
import { KubernetesSecretSource, type ProvisioningController } from "@provisionkit/core/kubernetes";
import { EdaProvider, type EdaProviderOptions } from "@provisionkit/provider-eda";
import { computeInstanceController, type ComputeInstance, type OperatorBase } from "./operator.js";

/** Provider options a deployment may tune (timeouts, throttling, names); not where events go. */
export type EdaProviderOverrides = Omit<
  EdaProviderOptions,
  "target" | "auth" | "secrets" | "logger"
>;

/** Where things are, and the hooks to observe the operator. */
export interface EdaOperatorOptions extends OperatorBase {
  /**
   * The rulebook activation's webhook source: its base URL (the endpoints are appended)
   * and the HMAC secret it checks, as a value or a `{ secretRef }` to a Kubernetes Secret.
   */
  eda: {
    url: string;
    hmacSecret: SecretValue;
    /** Resolves a `secretRef`. Default: the Secrets of the cluster `kubeConfig` points at. */
    secrets?: SecretSource;
  };
  /** EdaProvider options over the defaults, e.g. `{ provisionTimeoutMs: 20 * 60_000 }`. */
  provider?: EdaProviderOverrides;
}

/** The operator: `await operator.start()`, and `await operator.stop()` on SIGTERM. */
export function computeInstanceEdaOperator(
  options: EdaOperatorOptions,
): ProvisioningController<ComputeInstance> {
  const { url, hmacSecret } = options.eda;
  const secrets =
    options.eda.secrets ??
    (typeof hmacSecret === "string"
      ? undefined
      : new KubernetesSecretSource({ kubeConfig: options.kubeConfig }));
  const provider = new EdaProvider({
    ...options.provider,
    // No endpoint names: the convention gives create-compute-instance / delete-compute-instance.
    target: { type: "webhook", url },
    auth: { type: "hmac", secret: hmacSecret },
    ...(secrets ? { secrets } : {}),
    logger: options.logger,
  });
  return computeInstanceController(provider, options);
}
