/**
 * describeProviderConformance on the memory backend: these are the suite's own tests, one
 * per scenario, as a provider author gets them.
 */
import { describeProviderConformance } from "@provisionkit/testing/vitest";
import { memoryBackend } from "../../src/index.js";

describeProviderConformance("memory provider conformance", { backend: () => memoryBackend() });

describeProviderConformance("memory provider without findJob and cancelJob", {
  backend: () => memoryBackend({ findJob: false, cancel: false, controls: { purge: false } }),
  scenarios: [
    "create-to-ready",
    "never-finishing-job",
    "crash-adopts-by-correlation-id",
    "purged-job",
    "crash-at-every-step",
  ],
});
