// The built-in providers as a provisionkit-conformance module (run on the built packages):
//   node packages/testing/dist/cli/bin.js integration/conformance/builtin.mjs --html report.html
import { AapClient, AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider } from "@provisionkit/provider-eda";
import { aapSimulatorBackend, edaSimulatorBackend } from "@provisionkit/testing";

const flag = (value) => (value === undefined ? {} : { blockDeletionOnFailure: value });

export default [
  {
    subject: "AapProvider on the AAP simulator",
    backend: () =>
      aapSimulatorBackend({
        provider: ({ url, token, now, blockDeletionOnFailure }) =>
          new AapProvider({
            client: { url, auth: { type: "bearer", token } },
            now,
            ...flag(blockDeletionOnFailure),
          }),
      }),
  },
  {
    subject: "EdaProvider (webhook, HMAC) on the EDA simulator",
    backend: () =>
      edaSimulatorBackend({
        provider: ({ webhookUrl, hmacSecret, now, blockDeletionOnFailure }) =>
          new EdaProvider({
            target: { type: "webhook", url: webhookUrl },
            auth: { type: "hmac", secret: hmacSecret },
            now,
            ...flag(blockDeletionOnFailure),
          }),
      }),
  },
  {
    subject: "EdaProvider in AAP mode on the EDA simulator",
    backend: () =>
      edaSimulatorBackend({
        provider: ({ webhookUrl, hmacSecret, aap, now, blockDeletionOnFailure }) =>
          new EdaProvider({
            target: { type: "webhook", url: webhookUrl },
            auth: { type: "hmac", secret: hmacSecret },
            aap: new AapClient({ url: aap.url, auth: { type: "bearer", token: aap.token } }),
            now,
            ...flag(blockDeletionOnFailure),
          }),
      }),
  },
];
