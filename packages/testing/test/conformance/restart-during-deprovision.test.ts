/**
 * The restart-during-deprovision scenario (issue 16): a provider that judges a deprovision
 * job from the memory of the process that launched it fails E4 there — the bug the
 * EdaProvider had (a delete event sent without the playbook's finalizer, then read as done by
 * a fresh instance because the finalizer was missing); the contract-keeping memory provider
 * passes.
 */
import {
  JobState,
  type JobType,
  type ProvisionStatus,
  type ResourceObject,
  type TriggerDeprovisionOptions,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { MemoryProvider, memoryBackend, runConformance } from "../../src/index.js";

/**
 * Remembers, per instance, the deprovision jobs it launched, and takes any other one as done:
 * "I did not send it, so whatever it was waiting for must have happened".
 */
class Forgetful extends MemoryProvider {
  readonly #launched = new Set<string>();

  protected override launchDeprovision(
    resource: ResourceObject,
    options: TriggerDeprovisionOptions,
  ) {
    const result = super.launchDeprovision(resource, options);
    this.#launched.add(result.jobId);
    return result;
  }

  protected override status(
    resource: ResourceObject,
    jobId: string,
    type: JobType,
  ): ProvisionStatus {
    if (type === "deprovision" && !this.#launched.has(jobId)) {
      return { jobId, state: JobState.Succeeded, message: "not ours, so it must be done" };
    }
    return super.status(resource, jobId, type);
  }
}

const SCENARIOS = ["restart-during-deprovision"];

describe("restart during a deprovision (issue 16)", { timeout: 60_000 }, () => {
  it("a provider that needs the launching process's memory to judge a deprovision fails E4", async () => {
    const report = await runConformance({
      backend: () =>
        memoryBackend({ provider: (backend, options) => new Forgetful(backend, options) }),
      scenarios: SCENARIOS,
    });
    const scenario = report.scenarios.find((s) => s.id === "restart-during-deprovision");
    expect(scenario?.status).toBe("failed");
    const e4 = scenario?.violations.filter((v) => v.rule === "E4") ?? [];
    expect(e4.length).toBeGreaterThanOrEqual(1);
    expect(e4[0]?.message).toMatch(
      /the finalizer was released at .* while deprovision .* was running/,
    );
  });

  it("the contract-keeping memory provider passes it", async () => {
    const report = await runConformance({ backend: () => memoryBackend(), scenarios: SCENARIOS });
    const scenario = report.scenarios.find((s) => s.id === "restart-during-deprovision");
    expect(scenario?.violations).toEqual([]);
    expect(scenario?.status).toBe("passed");
  });
});
