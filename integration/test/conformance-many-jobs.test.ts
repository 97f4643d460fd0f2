/**
 * The crash-among-many-jobs scenario (issue 21): a blind spot the conformance-only mutation
 * run of AapProvider found — no scenario's lookup had more than one page of jobs to read, so
 * a `findJob` that stops after its first page survived the suite. The scenario crashes right
 * after a launch and creates 250 newer jobs of the same template (more than AWX's largest
 * page, 200) before the restarted engine looks the launch up, and 250 older ones just before
 * the launch; a lookup that reads one page answers "no such job" and the engine launches a
 * duplicate (E5, E2), and so does one that reads oldest first. AapProvider passes.
 */
import { AapClient, AapProvider } from "@provisionkit/provider-aap";
import { aapSimulatorBackend, runConformance } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import { aapProvider } from "../conformance/builtin.mjs";

/**
 * An AAP client that drops the `order_by` of its job lists: a lookup reads in the list's
 * default order (the simulator's: ascending id), oldest jobs first.
 */
class DefaultOrderClient extends AapClient {
  override async listJobs(...[kind, filters, options]: Parameters<AapClient["listJobs"]>) {
    const { order_by: _dropped, ...rest } = filters;
    return super.listJobs(kind, rest, options);
  }
}

/** An AAP client whose job lists always say they are complete: a lookup reads one page. */
class FirstPageOnlyClient extends AapClient {
  override async listJobs(...args: Parameters<AapClient["listJobs"]>) {
    return { ...(await super.listJobs(...args)), complete: true };
  }
}

const SCENARIOS = ["crash-among-many-jobs"];

/** The scenario's result for an AapProvider whose AAP client is a `Client`. */
async function runWithClient(Client: typeof AapClient) {
  const report = await runConformance({
    backend: () =>
      aapSimulatorBackend({
        provider: ({ url, token, now }) =>
          new AapProvider({
            client: new Client({
              url,
              auth: { type: "bearer", token },
              retry: { initialDelayMs: 10 },
            }),
            now,
          }),
      }),
    scenarios: SCENARIOS,
  });
  return report.scenarios.find((s) => s.id === "crash-among-many-jobs");
}

describe(
  "crash-among-many-jobs: a lookup past its first page (issue 21)",
  { timeout: 60_000 },
  () => {
    it("AapProvider reads on, adopts the launch's job, launches nothing twice: passes", async () => {
      const report = await runConformance({
        backend: () => aapSimulatorBackend({ provider: (endpoint) => aapProvider(endpoint) }),
        scenarios: SCENARIOS,
      });
      const scenario = report.scenarios.find((s) => s.id === "crash-among-many-jobs");
      expect(scenario?.status, JSON.stringify(scenario?.violations)).toBe("passed");
    });

    it("a findJob that reads only its first page fails E5 (the job lost) and E2 (launched twice)", async () => {
      const scenario = await runWithClient(FirstPageOnlyClient);
      expect(scenario?.status).toBe("failed");
      const rules = new Set(scenario?.violations.map((v) => v.rule));
      expect([...rules].sort()).toEqual(["E2", "E5"]);
      expect(scenario?.violations.find((v) => v.rule === "E5")?.message).toMatch(
        /the job was lost/,
      );
    });

    it("a findJob that reads oldest first (no order_by) fails E5 and E2: older jobs fill its pages", async () => {
      const scenario = await runWithClient(DefaultOrderClient);
      // Its walk back (`id__lt` the last job read) only meets older jobs again, runs out, and
      // the lookup answers "no such job": the engine launches a duplicate.
      expect(scenario?.status).toBe("failed");
      const rules = new Set(scenario?.violations.map((v) => v.rule));
      expect([...rules].sort()).toEqual(["E2", "E5"]);
    });
  },
);
