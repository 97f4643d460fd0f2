import { ProvisioningController } from "@provisionkit/core/kubernetes";
import { memoryBackend } from "@provisionkit/testing";
import { describeOperatorConformance } from "@provisionkit/testing/vitest";
import { afterAll } from "vitest";
import { RunnerProvider } from "../src/runner-provider.js";
import { runners } from "./runners.js";
import { startRunnerServer } from "./runner-server.js";

const server = await startRunnerServer();
afterAll(() => server.close());

// The operator conformance suite on an operator built on the custom provider: a Widget CRD,
// the default status mapping, the spec as desired config, on the Kubernetes API simulator in
// real time with 200 ms jobs, with its runner in memory and over HTTP. RunnerProvider always
// declares blockDeletionOnFailure=true, so failed-deprovision-released is reported as skipped.
const CRD = { group: "example.com", version: "v1", plural: "widgets", kind: "Widget" };
const FINALIZER = "example.com/runner";

for (const [how, runner] of Object.entries(runners(server))) {
  describeOperatorConformance(`a Widget operator on RunnerProvider, its runner ${how}`, {
    crd: CRD,
    finalizer: FINALIZER,
    spec: (index) => ({ size: index + 1 }),
    operator: ({ kubeConfig, provider, namespace, engine }) =>
      new ProvisioningController({
        kubeConfig,
        provider,
        finalizer: FINALIZER,
        resource: { ...CRD, namespace },
        engine: { ...engine },
      }),
    backend: () =>
      memoryBackend({
        defaultDurationMs: 200,
        cancelDelayMs: 50,
        provider: (backend, options) => new RunnerProvider(runner(backend, options)),
      }),
  });
}
