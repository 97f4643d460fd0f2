import { defaultStatusMapping, ProvisioningController } from "@provisionkit/core/kubernetes";
import { AapClient, AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider } from "@provisionkit/provider-eda";
import {
  aapSimulatorBackend,
  edaSimulatorBackend,
  type AapJobScript,
  type ConformanceBackend,
  type OperatorConformanceOptions,
  type OperatorEnv,
} from "@provisionkit/testing";
import { CRD } from "./cluster.ts";

// The operator conformance suite's subject in integration: an operator configured as a user
// would write it (the ComputeInstance CRD, the default status mapping, the spec as desired
// config), with each built-in provider on its simulator.

export const FINALIZER = "example.com/provisioning";
/** Short real-time jobs: the operator suite waits for real. */
const SCRIPT: AapJobScript = { pendingMs: 20, waitingMs: 20, runMs: 150, cancelDelayMs: 50 };

function operator(env: OperatorEnv): ProvisioningController {
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
function flag(value: boolean | undefined): { blockDeletionOnFailure?: boolean } {
  return value === undefined ? {} : { blockDeletionOnFailure: value };
}

/** The built-in provider configurations, each a fresh backend per scenario. */
export const OPERATOR_BACKENDS: Record<string, () => ConformanceBackend> = {
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
export function operatorSubject(backend: () => ConformanceBackend): OperatorConformanceOptions {
  return {
    crd: CRD,
    operator,
    finalizer: FINALIZER,
    spec: (index: number) => ({ cores: index + 1 }),
    backend,
  };
}
