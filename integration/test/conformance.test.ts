import { AapClient, AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider } from "@provisionkit/provider-eda";
import { aapSimulatorBackend, edaSimulatorBackend } from "@provisionkit/testing";
import { describeProviderConformance } from "@provisionkit/testing/vitest";

// The provider conformance suite (P1–P8, E1–E6) on both built-in providers, on the
// simulators over real HTTP, in virtual time. A rule a provider breaks fails here with the
// rule id first in the message.

describeProviderConformance("AapProvider (job templates) on the AAP simulator", {
  backend: () =>
    aapSimulatorBackend({
      provider: ({ url, token, now, blockDeletionOnFailure }) =>
        new AapProvider({
          client: { url, auth: { type: "bearer", token } },
          now,
          ...(blockDeletionOnFailure === undefined ? {} : { blockDeletionOnFailure }),
        }),
    }),
});

describeProviderConformance("AapProvider (workflow job templates) on the AAP simulator", {
  backend: () =>
    aapSimulatorBackend({
      workflow: true,
      provider: ({ url, token, now, blockDeletionOnFailure }) =>
        new AapProvider({
          client: { url, auth: { type: "bearer", token } },
          now,
          ...(blockDeletionOnFailure === undefined ? {} : { blockDeletionOnFailure }),
        }),
    }),
});

describeProviderConformance("EdaProvider (webhook, HMAC) on the EDA simulator", {
  backend: () =>
    edaSimulatorBackend({
      provider: ({ webhookUrl, hmacSecret, now, blockDeletionOnFailure }) =>
        new EdaProvider({
          target: { type: "webhook", url: webhookUrl },
          auth: { type: "hmac", secret: hmacSecret },
          now,
          ...(blockDeletionOnFailure === undefined ? {} : { blockDeletionOnFailure }),
        }),
    }),
});

describeProviderConformance("EdaProvider in AAP mode on the EDA simulator", {
  backend: () =>
    edaSimulatorBackend({
      provider: ({ webhookUrl, hmacSecret, aap, now, blockDeletionOnFailure }) =>
        new EdaProvider({
          target: { type: "webhook", url: webhookUrl },
          auth: { type: "hmac", secret: hmacSecret },
          aap: new AapClient({ url: aap.url, auth: { type: "bearer", token: aap.token } }),
          now,
          ...(blockDeletionOnFailure === undefined ? {} : { blockDeletionOnFailure }),
        }),
    }),
});
