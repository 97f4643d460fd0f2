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
      expect.objectContaining({
        name: "InvalidStatusError",
        code: "INVALID_STATUS",
        path: "status.provisioning.jobs",
      }),
    );
    expect(() => defaultStatusMapping().read(resource({ provisioning: 7 }))).toThrow(
      "status.provisioning must be an object, got number",
    );
    expect(() => defaultStatusMapping().read(resource({ provisioning: { jobs: [null] } }))).toThrow(
      "status.provisioning.jobs[0] must be an object, got null",
    );
  });

  it("writeConditions sets the given conditions and leaves everything else as stored", () => {
    const stored = {
      provisioning: { jobs: "not a list" },
      other: 1,
      conditions: [
        { type: "Reachable", status: "True" },
        { type: "Ready", status: "True", reason: "Provisioned" },
      ],
    };
    const ready = {
      type: "Ready",
      status: "False" as const,
      reason: "InvalidStatus",
      message: "m",
      lastTransitionTime: "t",
    };
    expect(defaultStatusMapping().writeConditions!(resource(stored), [ready])).toEqual({
      provisioning: { jobs: "not a list" },
      other: 1,
      conditions: [
        { type: "Reachable", status: "True" },
        { ...ready, observedGeneration: 3 },
      ],
    });
  });
});
