import { resourceKey, type ResourceObject } from "@provisionkit/core";
import { runConformance } from "@provisionkit/testing";
import { aapSimulatorBackend } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import { aapProvider } from "../conformance/builtin.mjs";

// P4 on what the backend applied (issue 15): an AapProvider whose payload carries an old spec
// under the right version label. The ledger takes the version from the label, so only the
// spec in the job's extra vars (ansible_eda.event.payload.spec) shows it.

/** A payload builder caching each resource's first payload: later launches send its first spec. */
function stalePayload(): (resource: ResourceObject) => unknown {
  const first = new Map<string, unknown>();
  return (resource) => {
    const key = resourceKey(resource);
    if (!first.has(key)) {
      const { status: _status, ...rest } = resource;
      first.set(key, rest);
    }
    return first.get(key);
  };
}

const SCENARIOS = ["spec-change-while-provisioning", "spec-a-b-a"];

describe("P4: the spec the AAP job received", { timeout: 120_000 }, () => {
  it("an AapProvider sending an old spec under the right version label fails P4", async () => {
    const payload = stalePayload();
    const report = await runConformance({
      backend: () =>
        aapSimulatorBackend({ provider: (endpoint) => aapProvider(endpoint, { payload }) }),
      scenarios: SCENARIOS,
    });
    const p4 = report.scenarios.flatMap((s) => s.violations).filter((v) => v.rule === "P4");
    expect(p4.length).toBeGreaterThan(0);
    expect(p4[0]?.message).toMatch(
      /received the spec of config version \S+ under the version label/,
    );
  });

  it("the AapProvider as shipped passes the same scenarios", async () => {
    const report = await runConformance({
      backend: () => aapSimulatorBackend({ provider: (endpoint) => aapProvider(endpoint) }),
      scenarios: SCENARIOS,
    });
    expect(report.scenarios.flatMap((s) => s.violations.map((v) => v.message))).toEqual([]);
  });
});
