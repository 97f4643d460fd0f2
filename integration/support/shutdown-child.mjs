// A child process for integration/test/operator-shutdown.test.ts: an operator (controller
// and operator server on a Kubernetes API simulator) with handleShutdownSignals, as a real
// operator's main would wire it. It prints one JSON line with its server's URL, then logs
// as JSON lines. With the argument `hang`, one more target never stops (the timeout path).
import { KubeConfig } from "@kubernetes/client-node";
import {
  ProvisioningController,
  handleShutdownSignals,
  startOperatorServer,
} from "@provisionkit/core/kubernetes";
import { KubernetesApiSimulator } from "@provisionkit/testing";

const hang = process.argv.includes("hang");
const crd = {
  group: "example.com",
  version: "v1",
  plural: "computeinstances",
  kind: "ComputeInstance",
  scope: "Namespaced",
  statusSubresource: true,
};
const simulator = new KubernetesApiSimulator({ crds: [crd] });
await simulator.start();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromString(simulator.kubeconfig());
const never = () => Promise.reject(new Error("not used in this test"));
const log = (level) => (fields, message) =>
  console.log(JSON.stringify({ level, message, ...fields }));
const logger = { debug: () => {}, info: log("info"), warn: log("warn"), error: log("error") };
const controller = new ProvisioningController({
  kubeConfig,
  resource: { ...crd, namespace: "default" },
  provider: {
    name: "unused",
    triggerProvision: never,
    getProvisionStatus: never,
    triggerDeprovision: never,
    getDeprovisionStatus: never,
  },
  finalizer: "example.com/provisioning",
  logger,
});
await controller.start();
const server = await startOperatorServer({ controller, host: "127.0.0.1", port: 0 });
const targets = [controller, server, { stop: () => simulator.stop() }];
if (hang) targets.push({ stop: () => new Promise(() => {}) });
handleShutdownSignals(targets, { logger, timeoutMs: hang ? 300 : 10_000 });
console.log(JSON.stringify({ url: server.url }));
