import { defaultStatusMapping, ProvisioningController } from "@provisionkit/core/kubernetes";
import { AapClient, AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider } from "@provisionkit/provider-eda";
import {
  aapSimulatorBackend,
  edaSimulatorBackend,
  type AapJobScript,
  type OperatorEnv,
} from "@provisionkit/testing";
import { describeOperatorConformance } from "@provisionkit/testing/vitest";
import { CRD } from "../support/cluster.ts";

// The operator conformance suite (E1–E5) on an operator configured as a user would write
// it — the ComputeInstance CRD, the default status mapping, the spec as desired config — with
// each built-in provider on its simulator, in real time on the Kubernetes API simulator.

const FINALIZER = "example.com/provisioning";
/** Short real-time jobs: the operator suite waits for real. */
const SCRIPT: AapJobScript = { pendingMs: 20, waitingMs: 20, runMs: 150, cancelDelayMs: 50 };

function operator(env: OperatorEnv): ProvisioningController {
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
function flag(value: boolean | undefined): { blockDeletionOnFailure?: boolean } {
  return value === undefined ? {} : { blockDeletionOnFailure: value };
}

const common = {
  crd: CRD,
  operator,
  finalizer: FINALIZER,
  spec: (index: number) => ({ cores: index + 1 }),
};

describeOperatorConformance("ComputeInstance operator with AapProvider", {
  ...common,
  backend: () =>
    aapSimulatorBackend({
      simulator: { defaultScript: SCRIPT },
      provider: ({ url, token, blockDeletionOnFailure }) =>
        new AapProvider({
          client: { url, auth: { type: "bearer", token }, retry: { initialDelayMs: 10 } },
          ...flag(blockDeletionOnFailure),
        }),
    }),
});

describeOperatorConformance("ComputeInstance operator with EdaProvider", {
  ...common,
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
});

describeOperatorConformance("ComputeInstance operator with EdaProvider in AAP mode", {
  ...common,
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
});
