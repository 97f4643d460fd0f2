import { formatReport, formatScenarioFailure, runOperatorConformance } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import { SOAK_BACKENDS, soakSubject } from "../conformance/soak.mjs";

// The operator suite's soak, short and seeded, on the ComputeInstance operator with each
// built-in provider on its simulator: lifecycles under rate-based faults of every kind the
// simulators model, controllers restarted, crashed and two at once. `pnpm soak` runs it long.

/**
 * Two fixed seeds per provider, 8 lifecycles each (about the time one seed of 12 took):
 * different fault draws and lifecycle mixes, each replayable with
 * `pnpm soak seed=S lifecycles=8 provider=…`. Seeds 1..20 were swept at 30 lifecycles
 * (docs/conformance.md).
 */
const SEEDS = [7, 13];
const LIFECYCLES = 8;

type Name = keyof typeof SOAK_BACKENDS;

/**
 * What the soak found and is not fixed yet, by provider: its run here is skipped, saying
 * why, until then (`pnpm soak` still runs it and prints its figures).
 */
const KNOWN: Partial<Record<Name, string>> = {
  // Found 2026-12-05 (issue 16). Fixed since: a controller stopped mid-launch (core:
  // stopLaunchGraceMs); events EDA lost to AAP faults (timeouts scaled to 8 s); rescued jobs
  // read as successes (ledger); write-backs played one after another (now per job, at once);
  // 409s on precondition-free patches (the real server never sends them); the
  // subject's pending-launch grace below the EDA send's timeout (a second controller's
  // LaunchOutcomeUnknown refused the first's record of its launch: now 3 s over a 2 s send).
  // Fixed since too: a 5xx on the status write right after a launch no longer drops the
  // launch's record (core: writeStatus reads back and keeps the record for the next reconcile).
  // Sweep of seeds 1..20 at 30 lifecycles after that fix (2026-12-05): 13/20 seeds pass, every
  // figure of the other 7 in docs/conformance.md. Open (not analysed to the root yet):
  // a record still lost to LaunchOutcomeUnknown when the launching controller is stopped
  // (seeds 9, 16); a failed provision's object released with no deprovision job in the ledger
  // (seed 3); a deprovision failure the status showed only at the provider's 8 s timeout, past
  // E4's 4 s (seed 14; likely its failure annotation lost to a kube 500, a write kubernetes.core does not retry);
  // an a-b-a whose B ended after A's retry (seed 11); write-backs behind the 8 s timeout on a
  // loaded machine (seed 19: event-loop delay max 901 ms; 2 duplicates, 6 stuck).
  EdaProvider:
    "under 5% faults, 7 of 20 seeds (30 lifecycles) still end with an object stuck or an E4 finding: LaunchOutcomeUnknown after a controller stop, a release with no deprovision after a failed provision, a failure seen only at the provider's timeout (docs/conformance.md, the soak's figures)",
};

describe("the ComputeInstance operator's soak", () => {
  for (const [name, backend] of Object.entries(SOAK_BACKENDS) as [
    Name,
    (typeof SOAK_BACKENDS)[Name],
  ][]) {
    const known = KNOWN[name];
    for (const seed of SEEDS) {
      const soak = { lifecycles: LIFECYCLES, faultRate: 0.05, seed };
      const title = `with ${name}, seed ${seed}: every lifecycle ends, no duplicate, overlap, orphan or stuck object, no untyped error`;
      it.skipIf(known !== undefined)(
        known ? `${title} (skipped: ${known})` : title,
        {
          timeout: 120_000,
        },
        async () => {
          const report = await runOperatorConformance({ ...soakSubject(backend), soak });
          const text = `${formatReport(report)}\n${report.scenarios
            .filter((s) => s.status === "failed")
            .map((s) => formatScenarioFailure(s))
            .join("\n")}`;
          expect(report.passed, text).toBe(true);
          expect(report.soak, text).toMatchObject({
            lifecycles: LIFECYCLES,
            completed: LIFECYCLES,
            duplicates: 0,
            overlaps: 0,
            orphans: 0,
            stuck: 0,
            wrongVersions: 0,
            lateCalls: 0,
            untypedErrors: 0,
          });
          // The backend's own kinds were injected too (AAP: 5 kinds; EDA: webhook 2 + AAP 4).
          const kinds = Object.keys(report.soak!.faults).filter((k) => !k.startsWith("kube-"));
          expect(kinds.length, text).toBe(name === "AapProvider" ? 5 : 6);
          expect(report.soak!.faultsInjected, text).toBeGreaterThan(0);
        },
      );
    }
  }
});
