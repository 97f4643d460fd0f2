/**
 * The ComputeInstance operator as a process of its own (`node dist/process.js`), configured
 * from the environment: the black-box conformance suite's contract (docs/conformance.md,
 * "Black-box suite"). `KUBECONFIG` (a kubeconfig file), `OPERATOR_NAMESPACE`, `AAP_URL`,
 * `AAP_TOKEN`, optionally `AAP_PROVISION_TEMPLATE` / `AAP_DEPROVISION_TEMPLATE` (default the
 * convention `create-compute-instance` / `delete-compute-instance`) and `POLL_INTERVAL_MS`
 * (short jobs: poll and back off on that scale instead of the real-AAP defaults).
 * SIGTERM stops it cleanly.
 */
import { KubeConfig } from "@kubernetes/client-node";
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
const controller = computeInstanceController(provider, { kubeConfig, engine });
await controller.start();
console.log(`compute-operator: reconciling ComputeInstances (pid ${process.pid})`);
process.on("SIGTERM", () => {
  void controller.stop().then(() => process.exit(0));
});
