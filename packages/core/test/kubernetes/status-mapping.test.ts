import { describe, expect, it } from "vitest";
import type { ProvisioningStatus, ResourceObject } from "@provisionkit/core";
import { defaultStatusMapping } from "../../src/kubernetes/index.ts";

const status: ProvisioningStatus = {
  jobs: [],
  desiredConfigVersion: "sha256:a",
  conditions: [
    {
      type: "Ready",
      status: "False",
      reason: "Provisioning",
      message: "m",
      lastTransitionTime: "t",
    },
  ],
};

function resource(statusField?: unknown, generation = 3): ResourceObject {
  return { metadata: { name: "r", generation }, spec: {}, status: statusField };
}

describe("defaultStatusMapping", () => {
  it("reads nothing from a new resource", () => {
    expect(defaultStatusMapping().read(resource(undefined))).toBeUndefined();
    expect(defaultStatusMapping().read(resource({ other: 1 }))).toBeUndefined();
  });

  it("writes under provisioning, conditions with observedGeneration, and keeps foreign fields", () => {
    const foreign = {
      type: "Reachable",
      status: "True",
      reason: "Ping",
      message: "",
      lastTransitionTime: "t",
    };
    const written = defaultStatusMapping().write(
      resource({ other: 1, conditions: [foreign, { type: "Ready", status: "True" }] }),
      status,
    );
    expect(written).toEqual({
      other: 1,
      observedGeneration: 3,
      provisioning: { jobs: [], desiredConfigVersion: "sha256:a" },
      conditions: [foreign, { ...status.conditions[0], observedGeneration: 3 }],
    });
  });

  it("reads back what it wrote, own conditions only", () => {
    const mapping = defaultStatusMapping("prov");
    const written = mapping.write(
      resource({ conditions: [{ type: "Reachable", status: "True" }] }),
      status,
    );
    const read = mapping.read(resource(written));
    expect(read?.desiredConfigVersion).toBe("sha256:a");
    expect(read?.conditions.map((c) => c.type)).toEqual(["Ready"]);
  });

  it("refuses a status field that is not a provisioning status", () => {
    expect(() => defaultStatusMapping().read(resource({ provisioning: { jobs: "x" } }))).toThrow(
      /refusing to reconcile/,
    );
    expect(() => defaultStatusMapping().read(resource({ provisioning: 7 }))).toThrow();
  });
});
