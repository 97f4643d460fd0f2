// The demo's kind of operator as provisionkit-conformance operator subjects (run on the
// built packages):
//   node packages/testing/dist/cli/bin.js integration/conformance/operator.mjs --html report.html
// The ComputeInstance operator (ProvisioningController, the default status mapping, the spec
// as desired config) with each built-in provider on its simulator, in real time on the
// Kubernetes API simulator (or on a cluster with --kubeconfig). The same configuration as
// integration/test/operator-conformance.test.ts.
import { defaultStatusMapping, ProvisioningController } from "@provisionkit/core/kubernetes";
import { AapClient, AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider } from "@provisionkit/provider-eda";
import { aapSimulatorBackend, edaSimulatorBackend } from "@provisionkit/testing";

/** The ComputeInstance CRD of integration/support/cluster.ts. */
const CRD = {
  group: "example.com",
  version: "v1",
  plural: "computeinstances",
  kind: "ComputeInstance",
  scope: "Namespaced",
  statusSubresource: true,
};
const FINALIZER = "example.com/provisioning";
/** Short real-time jobs: the operator suite waits for real. */
const SCRIPT = { pendingMs: 20, waitingMs: 20, runMs: 150, cancelDelayMs: 50 };

/** The operator as its author configures it, on what the suite hands over. */
function operator(env) {
  return new ProvisioningController({
    kubeConfig: env.kubeConfig,
    resource: { group: CRD.group, version: CRD.version, plural: CRD.plural, kind: CRD.kind },
    provider: env.provider,
    finalizer: FINALIZER,
    desiredConfig: (object) => object.spec,
    statusMapping: defaultStatusMapping(),
    engine: { ...env.engine },
    resyncIntervalMs: 0,
  });
}

/** The backend's chosen `blockDeletionOnFailure`, passed on when it chose one. */
const flag = (value) => (value === undefined ? {} : { blockDeletionOnFailure: value });

const common = {
  suite: "operator",
  crd: CRD,
  operator,
  finalizer: FINALIZER,
  spec: (index) => ({ cores: index + 1 }),
};

export default [
  {
    ...common,
    subject: "ComputeInstance operator with AapProvider on the AAP simulator",
    backend: () =>
      aapSimulatorBackend({
        simulator: { defaultScript: SCRIPT },
        provider: ({ url, token, blockDeletionOnFailure }) =>
          new AapProvider({
            client: { url, auth: { type: "bearer", token }, retry: { initialDelayMs: 10 } },
            ...flag(blockDeletionOnFailure),
          }),
      }),
  },
  {
    ...common,
    subject: "ComputeInstance operator with EdaProvider on the EDA simulator",
    backend: () =>
      edaSimulatorBackend({
        aap: { simulator: { defaultScript: SCRIPT } },
        provider: ({ webhookUrl, hmacSecret, blockDeletionOnFailure }) =>
          new EdaProvider({
            target: { type: "webhook", url: webhookUrl },
            auth: { type: "hmac", secret: hmacSecret },
            pollIntervalMs: 50,
            minEventIntervalMs: 0,
            ...flag(blockDeletionOnFailure),
          }),
      }),
  },
  {
    ...common,
    subject: "ComputeInstance operator with EdaProvider in AAP mode on the EDA simulator",
    backend: () =>
      edaSimulatorBackend({
        aap: { simulator: { defaultScript: SCRIPT } },
        provider: ({ webhookUrl, hmacSecret, aap, blockDeletionOnFailure }) =>
          new EdaProvider({
            target: { type: "webhook", url: webhookUrl },
            auth: { type: "hmac", secret: hmacSecret },
            aap: new AapClient({
              url: aap.url,
              auth: { type: "bearer", token: aap.token },
              retry: { initialDelayMs: 10 },
            }),
            pollIntervalMs: 50,
            minEventIntervalMs: 0,
            ...flag(blockDeletionOnFailure),
          }),
      }),
  },
];
