/**
 * What the operator suite reads from the operator itself: the desired version its engine
 * computed (a `desiredConfig` that adds defaults is correct, not an E3 failure), and the job
 * history it hands a deprovision (a status mapping that loses it fails E5).
 */
import { configVersion, isTerminal, type ProvisioningStatus } from "@provisionkit/core";
import { defaultStatusMapping, type StatusMapping } from "@provisionkit/core/kubernetes";
import { describe, expect, it } from "vitest";
import { defaultDesiredVersion, runOperatorConformance } from "../../src/index.js";
import type { KubeObject } from "../../src/kubernetes/types.js";
import { dump, failures, widgetOperator } from "./widget-operator.js";

const TIMEOUT = { timeout: 120_000 };

/** The Widget operator's desired config with a default region added. */
const withDefaults = {
  desiredConfig: (r: { spec?: unknown }) => ({ region: "eu-1", ...(r.spec as object) }),
};

/** Writes only the jobs still running: the history of finished jobs is lost. */
const keepsOnlyActiveJobs: StatusMapping = {
  read: (resource) => defaultStatusMapping().read(resource),
  write(resource, status: ProvisioningStatus) {
    const jobs = status.jobs.filter((j) => !isTerminal(j.state));
    return defaultStatusMapping().write(resource, { ...status, jobs });
  },
};

function widget(generation: number, observed: number, desired: string): KubeObject {
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w", namespace: "n", generation, resourceVersion: "1", uid: "u" },
    spec: { size: 2 },
    status: { observedGeneration: observed, provisioning: { desiredConfigVersion: desired } },
  } as KubeObject;
}

describe("the desired version is the operator's own", () => {
  it("is the engine's desiredConfigVersion for the current generation, the spec's otherwise", () => {
    expect(defaultDesiredVersion(widget(2, 2, "sha256:mine"))).toBe("sha256:mine");
    // Written for an older spec: not an excuse, the spec decides.
    expect(defaultDesiredVersion(widget(3, 2, "sha256:mine"))).toBe(configVersion({ size: 2 }));
  });

  it(
    "a desiredConfig that adds defaults passes E3 without the desiredVersion option",
    TIMEOUT,
    async () => {
      const report = await runOperatorConformance(
        widgetOperator({
          controller: withDefaults,
          suite: { scenarios: ["create-to-ready", "spec-change"] },
        }),
      );
      expect(failures(report), dump(report)).toEqual({ "create-to-ready": [], "spec-change": [] });
    },
  );

  it(
    "the spec's version as the desired one (the old default) fails the same operator on E3",
    TIMEOUT,
    async () => {
      const report = await runOperatorConformance(
        widgetOperator({
          controller: withDefaults,
          suite: {
            scenarios: ["create-to-ready"],
            desiredVersion: (object) => configVersion(object.spec ?? {}),
          },
        }),
      );
      expect(failures(report), dump(report)).toEqual({ "create-to-ready": ["E3"] });
    },
  );
});

describe("the job history handed to a deprovision (E5)", () => {
  it(
    "a status mapping that keeps only running jobs fails E5 on deletion, and only there",
    TIMEOUT,
    async () => {
      const report = await runOperatorConformance(
        widgetOperator({
          controller: { statusMapping: keepsOnlyActiveJobs },
          suite: { scenarios: ["create-to-ready", "delete-after-ready"] },
        }),
      );
      expect(failures(report), dump(report)).toEqual({
        "create-to-ready": [],
        "delete-after-ready": ["E5"],
      });
      expect(report.scenarios[1]?.violations[0]?.message).toMatch(
        /^E5: conformance\/widget-1: the deprovision asked at \d+ ms was handed no provision job, without provision job mem-1 .* that the backend ran for it: the operator lost that job from its job history/,
      );
    },
  );
});
