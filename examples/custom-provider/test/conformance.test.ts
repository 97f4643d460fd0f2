import { memoryBackend } from "@provisionkit/testing";
import { describeProviderConformance } from "@provisionkit/testing/vitest";
import { afterAll } from "vitest";
import { RunnerProvider } from "../src/runner-provider.js";
import { runners } from "./runners.js";
import { startRunnerServer } from "./runner-server.js";

const server = await startRunnerServer();
afterAll(() => server.close());

// The provider conformance suite on the custom provider: every scenario, every rule, with
// its runner in memory and over HTTP.
for (const [how, runner] of Object.entries(runners(server))) {
  describeProviderConformance(`RunnerProvider, its runner ${how}`, {
    backend: () =>
      memoryBackend({
        provider: (backend, options) => new RunnerProvider(runner(backend, options)),
      }),
  });
}
