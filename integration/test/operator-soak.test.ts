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
  // EdaProvider was skipped here from 2026-12-05 (issue 16) until the fixes of that evening:
  // a launch record refused with a 409 is recorded from the launching controller's memory
  // (core), and a delete event sent without the playbook's finalizer carries that in its
  // job id, not in the sending process's memory (provider-eda: another replica released an
  // object with nothing torn down). Then seeds 1..20 at 30 lifecycles passed 20/20, and
  // at 8 lifecycles, two soaks at once, seed 13 passed 10 runs of 10 and seed 7 10 of 11
  // (the 11th's result line was cut from the log, not seen failing) (docs/conformance.md).
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
