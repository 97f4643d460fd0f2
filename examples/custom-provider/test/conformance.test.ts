import { memoryBackend } from "@provisionkit/testing";
import { describeProviderConformance } from "@provisionkit/testing/vitest";
import { RunnerProvider } from "../src/runner-provider.js";
import { memoryRunner } from "./memory-runner.js";

// The provider conformance suite on the custom provider: every scenario, every rule.
describeProviderConformance("RunnerProvider", {
  backend: () =>
    memoryBackend({ provider: (backend) => new RunnerProvider(memoryRunner(backend)) }),
});
