/**
 * The ComputeInstance operator as a process of its own (`node dist/process.js`), configured
 * from the environment: the black-box conformance suite's contract (docs/conformance.md,
 * "Black-box suite"). `KUBECONFIG` (a kubeconfig file), `OPERATOR_NAMESPACE`, `AAP_URL`,
 * `AAP_TOKEN`, optionally `AAP_PROVISION_TEMPLATE` / `AAP_DEPROVISION_TEMPLATE` (default the
 * convention `create-compute-instance` / `delete-compute-instance`) and `POLL_INTERVAL_MS`
 * (short jobs: poll and back off on that scale instead of the real-AAP defaults).
 * `METRICS_PORT` turns on the operator's server (`/metrics` in Prometheus' format, `/healthz`,
 * `/readyz`; 0 picks a free port, printed), on `METRICS_HOST` (default `127.0.0.1`; in a pod,
 * `0.0.0.0` so that the kubelet and Prometheus reach it); off when unset. SIGTERM (or SIGINT)
 * stops it cleanly and exits 0.
 */
import { KubeConfig } from "@kubernetes/client-node";
import {
  createPrometheusMetrics,
  handleShutdownSignals,
  startOperatorServer,
  type OperatorServer,
} from "@provisionkit/core/kubernetes";
import { AapProvider } from "@provisionkit/provider-aap";
import { computeInstanceController } from "./operator.js";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(required("KUBECONFIG"));
const namespace = process.env.OPERATOR_NAMESPACE;
if (namespace) {
  const current = kubeConfig.getCurrentContext();
  kubeConfig.contexts = kubeConfig.contexts.map((c) =>
    c.name === current ? { ...c, namespace } : c,
  );
}
const provision = process.env.AAP_PROVISION_TEMPLATE;
const deprovision = process.env.AAP_DEPROVISION_TEMPLATE;
const provider = new AapProvider({
  client: { url: required("AAP_URL"), auth: { type: "bearer", token: required("AAP_TOKEN") } },
  ...(provision || deprovision
    ? {
        templates: { ...(provision ? { provision } : {}), ...(deprovision ? { deprovision } : {}) },
      }
    : {}),
  blockDeletionOnFailure: true,
});
const poll = Number(process.env.POLL_INTERVAL_MS ?? "");
const engine =
  Number.isFinite(poll) && poll > 0
    ? {
        pollIntervalMs: poll,
        provisionBackoff: { initialMs: 4 * poll, maxMs: 40 * poll },
        deprovisionBackoff: { initialMs: 4 * poll, maxMs: 40 * poll },
        errorBackoff: { initialMs: 2 * poll, maxMs: 20 * poll },
      }
    : undefined;
const metricsPort = process.env.METRICS_PORT;
const prom = metricsPort
  ? await createPrometheusMetrics({ controller: "computeinstance" })
  : undefined;
const controller = computeInstanceController(provider, {
  kubeConfig,
  ...(engine ? { engine } : {}),
  ...(prom ? { metrics: prom.hooks } : {}),
});
await controller.start();
let server: OperatorServer | undefined;
if (prom) {
  server = await startOperatorServer({
    controller,
    metrics: prom.registry,
    port: Number(metricsPort),
    host: process.env.METRICS_HOST ?? "127.0.0.1",
  });
  console.log(`compute-operator: metrics and health on ${server.url}`);
}
console.log(`compute-operator: reconciling ComputeInstances (pid ${process.pid})`);
handleShutdownSignals(server ? [controller, server] : [controller]);
