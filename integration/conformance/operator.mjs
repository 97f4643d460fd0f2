// The ComputeInstance operator (ProvisioningController, the default status mapping, the spec as
// desired config) with each built-in provider configuration on its simulator, as
// provisionkit-conformance operator subjects, run on the built packages:
//   node packages/testing/dist/cli/bin.js integration/conformance/operator.mjs --html report.html
// in real time on the Kubernetes API simulator (or on a cluster with --kubeconfig). The
// integration tests (operator-conformance*.test.ts) run the same configurations through vitest,
// typed by operator.d.mts.
import { defaultStatusMapping, ProvisioningController } from "@provisionkit/core/kubernetes";
import { AapClient, AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider } from "@provisionkit/provider-eda";
import { aapSimulatorBackend, edaSimulatorBackend } from "@provisionkit/testing";

/** The ComputeInstance CRD (as integration/support/cluster.ts defines it for the tests). */
export const CRD = {
  group: "example.com",
  version: "v1",
  plural: "computeinstances",
  kind: "ComputeInstance",
  scope: "Namespaced",
  statusSubresource: true,
};

export const FINALIZER = "example.com/provisioning";
/** Short real-time jobs: the operator suite waits for real. */
const SCRIPT = { pendingMs: 20, waitingMs: 20, runMs: 150, cancelDelayMs: 50 };

function operator(env) {
  return new ProvisioningController({
    kubeConfig: env.kubeConfig,
    resource: {
      group: CRD.group,
      version: CRD.version,
      plural: CRD.plural,
      kind: CRD.kind,
      namespace: env.namespace,
    },
    provider: env.provider,
    finalizer: FINALIZER,
    desiredConfig: (object) => object.spec,
    statusMapping: defaultStatusMapping(),
    engine: { ...env.engine },
    resyncIntervalMs: 0,
  });
}

/** The backend's chosen `blockDeletionOnFailure`, passed on when it chose one. */
function flag(value) {
  return value === undefined ? {} : { blockDeletionOnFailure: value };
}

/** The built-in provider configurations, each a fresh backend per scenario. */
export const OPERATOR_BACKENDS = {
  AapProvider: () =>
    aapSimulatorBackend({
      simulator: { defaultScript: SCRIPT },
      provider: ({ url, token, blockDeletionOnFailure }) =>
        new AapProvider({
          client: { url, auth: { type: "bearer", token }, retry: { initialDelayMs: 10 } },
          ...flag(blockDeletionOnFailure),
        }),
    }),
  EdaProvider: () =>
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
  "EdaProvider in AAP mode": () =>
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
};

/** The operator suite's options for the ComputeInstance operator on `backend`. */
export function operatorSubject(backend) {
  return {
    crd: CRD,
    operator,
    finalizer: FINALIZER,
    spec: (index) => ({ cores: index + 1 }),
    backend,
  };
}

/** One operator subject per built-in provider configuration. */
export default Object.entries(OPERATOR_BACKENDS).map(([name, backend]) => ({
  suite: "operator",
  subject: `ComputeInstance operator with ${name} on its simulator`,
  ...operatorSubject(backend),
}));
