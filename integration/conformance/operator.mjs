// The ComputeInstance operator (ProvisioningController, the default status mapping, the spec as
// desired config) with each built-in provider configuration on its simulator, as
// provisionkit-conformance operator subjects, run on the built packages:
//   node packages/testing/dist/cli/bin.js integration/conformance/operator.mjs --html report.html
// in real time on the Kubernetes API simulator (or on a cluster with --kubeconfig). The
// integration tests (operator-conformance*.test.ts) run the same configurations through vitest,
// typed by operator.d.mts.
import { defaultStatusMapping, ProvisioningController } from "@provisionkit/core/kubernetes";
import { aapSimulatorBackend, edaSimulatorBackend } from "@provisionkit/testing";
import { aapProvider, edaProvider } from "./builtin.mjs";

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

/** What the operator suite's providers share: real time, quick client retries, quick polls. */
const REAL_TIME = { realTime: true };
const QUICK_RETRY = { retry: { initialDelayMs: 10 } };
const EDA = { ...REAL_TIME, pollIntervalMs: 50, minEventIntervalMs: 0 };

/** The built-in provider configurations, each a fresh backend per scenario. */
export const OPERATOR_BACKENDS = {
  AapProvider: () =>
    aapSimulatorBackend({
      simulator: { defaultScript: SCRIPT },
      provider: (endpoint) => aapProvider(endpoint, { ...REAL_TIME, client: QUICK_RETRY }),
    }),
  EdaProvider: () =>
    edaSimulatorBackend({
      aap: { simulator: { defaultScript: SCRIPT } },
      provider: (endpoint) => edaProvider(endpoint, EDA),
    }),
  "EdaProvider in AAP mode": () =>
    edaSimulatorBackend({
      aap: { simulator: { defaultScript: SCRIPT } },
      provider: (endpoint) =>
        edaProvider(endpoint, { ...EDA, aapMode: true, aapClient: QUICK_RETRY }),
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
