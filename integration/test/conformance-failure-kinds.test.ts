/**
 * The failure-kinds scenario (issue 21): a blind spot the conformance-only mutation run of
 * AapProvider found — no scenario ended a job in AWX's `error` (a job AAP could not run at
 * all), so a state table without it (`error` read as unknown or still running) survived the
 * suite. The scenario ends a provision job in each of the backend's `failureKinds`; a
 * provider that does not report that job Failed fails P3, and AapProvider passes.
 */
import { JobState, resourceKey, type Provider } from "@provisionkit/core";
import { aapSimulatorBackend, memoryBackend, runConformance } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import { aapProvider, edaProvider } from "../conformance/builtin.mjs";
import { wrap } from "../support/world.ts";
import { runEdaScenario } from "./eda-scenario.ts";

/** AapProvider with a state table that misses `error`: such a job reads as still running. */
function errorBlind(provider: Provider): Provider {
  return wrap(provider, {
    async getProvisionStatus(resource, jobId, options) {
      const status = await provider.getProvisionStatus(resource, jobId, options);
      if (status.state !== JobState.Failed || !/ is error\b/.test(status.message ?? "")) {
        return status;
      }
      const { endTime: _ended, errorDetails: _details, ...rest } = status;
      return { ...rest, state: JobState.Running };
    },
  });
}

/**
 * EdaProvider whose retry of a config version follows its previous event whatever became of
 * it: the answer is a new job id for that event (the documented id format,
 * `eda:provision:<correlation id>:<sent at>:<version>`, one ms later), never a new event. A
 * failed job is then followed again at every retry: the bug EdaProvider's evidence check
 * (`sent-provisions.ts`: a failed or cancelled AAP job is no evidence) prevents.
 */
function followsFailedEvents(provider: Provider): Provider {
  const last = new Map<string, { jobId: string; configVersion: string }>();
  return wrap(provider, {
    async triggerProvision(resource, options) {
      const key = resource.metadata.uid ?? resourceKey(resource);
      const before = last.get(key);
      if (before?.configVersion === options.configVersion) {
        const [eda, operation, correlationId, sentAt, ...version] = before.jobId.split(":");
        const jobId = [eda, operation, correlationId, String(Number(sentAt) + 1), ...version];
        last.set(key, { jobId: jobId.join(":"), configVersion: options.configVersion });
        return { jobId: jobId.join(":"), initialState: JobState.Pending, message: "followed" };
      }
      const result = await provider.triggerProvision(resource, options);
      last.set(key, { jobId: result.jobId, configVersion: options.configVersion });
      return result;
    },
  });
}

const SCENARIOS = ["failure-kinds"];

describe("failure-kinds: a job ended in AWX's error (issue 21)", { timeout: 60_000 }, () => {
  it("AapProvider reports it Failed and provisions again: passes", async () => {
    const report = await runConformance({
      backend: () => aapSimulatorBackend({ provider: (endpoint) => aapProvider(endpoint) }),
      scenarios: SCENARIOS,
    });
    const scenario = report.scenarios.find((s) => s.id === "failure-kinds");
    expect(scenario?.status, JSON.stringify(scenario?.violations)).toBe("passed");
  });

  it("a provider whose state table misses error fails P3, naming the state", async () => {
    const report = await runConformance({
      backend: () =>
        aapSimulatorBackend({ provider: (endpoint) => errorBlind(aapProvider(endpoint)) }),
      scenarios: SCENARIOS,
    });
    const scenario = report.scenarios.find((s) => s.id === "failure-kinds");
    expect(scenario?.status).toBe("failed");
    const p3 = scenario?.violations.filter((v) => v.rule === "P3") ?? [];
    expect(p3.length).toBeGreaterThanOrEqual(1);
    expect(p3[0]?.message).toContain('the provision job that ended in "error" reported Failed');
  });

  it("a backend without other failure states skips it, saying why", async () => {
    const report = await runConformance({
      backend: () => memoryBackend({ controls: { failureKinds: [] } }),
      scenarios: SCENARIOS,
    });
    const scenario = report.scenarios.find((s) => s.id === "failure-kinds");
    expect(scenario?.status).toBe("skipped");
    expect(scenario?.skipReason).toMatch(/declares no other failure states/);
  });

  it("EdaProvider in AAP mode reports the event's failed AAP job Failed and sends again: passes", async () => {
    const scenario = await runEdaScenario("failure-kinds", (endpoint) =>
      edaProvider(endpoint, { aapMode: true }),
    );
    expect(scenario.status, JSON.stringify(scenario.violations)).toBe("passed");
  });

  it("an EdaProvider whose retry follows the failed event never provisions again: fails", async () => {
    const scenario = await runEdaScenario("failure-kinds", (endpoint) =>
      followsFailedEvents(edaProvider(endpoint, { aapMode: true })),
    );
    expect(scenario.status).toBe("failed");
    const e3 = scenario.violations.filter((v) => v.rule === "E3").map((v) => v.message);
    expect(e3.join("\n")).toMatch(/did not reach its goal.*w-error Ready/s);
  });
});
