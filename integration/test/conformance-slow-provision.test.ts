/**
 * slow-provision-after-timeout (issue 21): the conformance-only mutation run of EdaProvider
 * at 474587f left `sent-provisions.ts` at 20 %: no scenario made a provider's own timeout
 * report a job Failed that then succeeded, so a retry that sends the same event again
 * survived (the generic E2 check excuses a relaunch after a job the engine recorded as
 * failed). The scenario now runs a provision job just past the timeout it asks the provider
 * for (`providerWith({ jobTimeoutMs })`): EdaProvider without AAP mode reports it Failed, and
 * its retry follows the earlier event once the playbook wrote it back; one that keeps no
 * memory of what it sent runs the same version again and fails E2.
 */
import { describe, expect, it } from "vitest";
import { edaProvider } from "../conformance/builtin.mjs";
import { runEdaScenario } from "./eda-scenario.ts";

type Endpoint = Parameters<typeof edaProvider>[0];

/** EdaProvider without AAP mode, each provision sent by a fresh instance: no memory of sends. */
function forgetful(endpoint: Endpoint) {
  const provider = edaProvider(endpoint);
  provider.triggerProvision = (resource, options) =>
    edaProvider(endpoint).triggerProvision(resource, options);
  return provider;
}

function run(provider: (endpoint: Endpoint) => ReturnType<typeof edaProvider>) {
  return runEdaScenario("slow-provision-after-timeout", provider);
}

describe("slow-provision-after-timeout: a retry after the provider's own timeout follows the job that succeeded (E2)", () => {
  it("EdaProvider without AAP mode times the job out, then follows it: one job, Ready", async () => {
    const scenario = await run((endpoint) => edaProvider(endpoint));
    expect(scenario.status, JSON.stringify(scenario.violations)).toBe("passed");
    const jobs = scenario.timelines.flatMap((t) => t.jobs);
    expect(jobs.map((j) => [j.operation, j.outcome, j.end])).toEqual([
      ["provision", "succeeded", 605_000],
    ]);
  });

  it("an EdaProvider that keeps no memory of its sends runs the version again and fails E2", async () => {
    const scenario = await run(forgetful);
    expect(scenario.status).toBe("failed");
    expect(scenario.violations.map((v) => v.rule)).toEqual(["E2"]);
    expect(scenario.violations[0]?.message).toMatch(
      /^E2: conformance\/w1: provision job \S+ was launched t\+\d+s for the config version job \S+ had already applied \(it succeeded t\+605s\)/,
    );
  });
});
