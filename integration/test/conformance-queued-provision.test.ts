/**
 * queued-provision-after-timeout (issue 21): the conformance-only mutation run of EdaProvider
 * left its AAP-mode evidence (`sent-provisions.ts`: an AAP job found for the earlier event
 * lets a retry follow it) unreached. No scenario kept an event queued in EDA past the
 * provider's timeout, so no retry ever met a job that was running but not yet written back.
 * Here it does: EdaProvider in AAP mode reports the queued job Failed at its timeout, and its
 * retry follows the AAP job it finds; one that keeps no memory of its sends launches a second
 * job beside the first and fails E1. A provider without `findJob` (EDA-only mode) is skipped.
 */
import { describe, expect, it } from "vitest";
import { edaProvider } from "../conformance/builtin.mjs";
import { runEdaScenario } from "./eda-scenario.ts";

type Endpoint = Parameters<typeof edaProvider>[0];
type Factory = (endpoint: Endpoint) => ReturnType<typeof edaProvider>;

/** What the providers logged, message by message. */
const logged: string[] = [];
const note = (_fields: Record<string, unknown>, message: string) => void logged.push(message);
const logger = { debug: note, info: note, warn: note, error: note };

const inAapMode: Factory = (endpoint) => edaProvider(endpoint, { aapMode: true, logger });

/** EdaProvider in AAP mode, each provision sent by a fresh instance: no memory of sends. */
const forgetful: Factory = (endpoint) => {
  const provider = inAapMode(endpoint);
  provider.triggerProvision = (resource, options) =>
    inAapMode(endpoint).triggerProvision(resource, options);
  return provider;
};

function run(provider: Factory) {
  logged.length = 0;
  return runEdaScenario("queued-provision-after-timeout", provider);
}

describe("queued-provision-after-timeout: a retry after the provider's own timeout follows the job queued in EDA (E1)", () => {
  it("EdaProvider in AAP mode times the queued job out, then follows the AAP job it finds: one job, Ready", async () => {
    const scenario = await run(inAapMode);
    expect(scenario.status, JSON.stringify(scenario.violations)).toBe("passed");
    const jobs = scenario.timelines.flatMap((t) => t.jobs);
    expect(jobs.map((j) => [j.operation, j.outcome])).toEqual([["provision", "succeeded"]]);
    // Queued 10 min 5 s in the activation (launched at the pump that follows), then two
    // minutes in AAP.
    const [job] = jobs;
    expect(job?.start).toBeGreaterThanOrEqual(605_000);
    expect(job?.start).toBeLessThan(630_000);
    expect((job?.end ?? 0) - (job?.start ?? 0)).toBe(120_000);
    // The timeout did fire, and the retry followed the queued event's AAP job: once.
    expect(logged.filter((m) => /following it instead of sending again/.test(m))).toHaveLength(1);
  });

  it("an EdaProvider in AAP mode that keeps no memory of its sends launches beside the queued job and fails E1", async () => {
    const scenario = await run(forgetful);
    expect(scenario.status).toBe("failed");
    const rules = new Set(scenario.violations.map((v) => v.rule));
    expect(rules.has("E1"), JSON.stringify(scenario.violations)).toBe(true);
    expect(scenario.violations.find((v) => v.rule === "E1")?.message).toMatch(
      /^E1: conformance\/w1: provision (\d+) of \S+ \(created t\+6\d\ds, ended succeeded at t\+730s\) and provision (?!\1)\d+ of .* were active together$/,
    );
  });

  it("EdaProvider without AAP mode (no findJob) is skipped, with the reason", async () => {
    const scenario = await run((endpoint) => edaProvider(endpoint));
    expect(scenario.status).toBe("skipped");
    expect(scenario.skipReason).toMatch(/findJob/);
  });
});
