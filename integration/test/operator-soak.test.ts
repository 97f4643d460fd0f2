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
  // Found 2026-12-05 (issue 16) with no injected fault at all (faultRate 0, seed 7,
  // concurrency 1): with two controllers at once, a second provision job of an unchanged
  // spec launched ~550 ms after the first had succeeded (E2); and with 4-8 lifecycles in
  // flight, succeeded provisions reported in status 1.5-2 s late (E3).
  EdaProvider:
    "the soak finds E2 duplicate launches with two controllers, and E3 late reports with concurrent objects, without any fault",
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
