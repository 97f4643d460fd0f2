/**
 * The black-box suite's status map: defaults, validation (a typo is an error, not a silent
 * default), reading paths, the desired version trusted only for the current generation, and
 * a job's object and version read from its extra vars.
 */
import { describe, expect, it } from "vitest";
import type { AapLedgerJob } from "../src/aap/records.js";
import {
  PROVISIONKIT_STATUS_MAP,
  readPath,
  resolveStatusMap,
  StatusMapError,
  StatusReader,
} from "../src/conformance/blackbox/status-map.js";
import type { KubeObject } from "../src/kubernetes/types.js";

function object(generation: number, status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "demo.provisionkit.io/v1alpha1",
    kind: "ComputeInstance",
    metadata: { name: "a", namespace: "ns", generation },
    spec: { size: 1 },
    status,
  } as KubeObject;
}

describe("black-box status map", () => {
  it("fills in provisionkit's mapping, and needs the finalizer", () => {
    expect(resolveStatusMap({ finalizer: "x/y" })).toEqual({
      ...PROVISIONKIT_STATUS_MAP,
      finalizer: "x/y",
    });
    expect(() => resolveStatusMap({})).toThrow(/finalizer is required/);
    expect(() => resolveStatusMap([])).toThrow(StatusMapError);
  });

  it("refuses unknown fields and empty paths, naming them", () => {
    expect(() => resolveStatusMap({ finalizer: "f", reconciledVersions: "s" })).toThrow(
      'status map: unknown field "reconciledVersions"',
    );
    expect(() => resolveStatusMap({ finalizer: "f", phase: "" })).toThrow(
      "phase must be a non-empty string",
    );
    expect(() => resolveStatusMap({ finalizer: "f", job: { resourceKey: "a" } })).toThrow(
      "unknown field job.resourceKey",
    );
    expect(() => resolveStatusMap({ finalizer: "f", job: { configVersion: 3 } })).toThrow(
      "job.configVersion must be a non-empty string",
    );
  });

  it("reads dotted paths; anything not an object on the way is absent", () => {
    expect(readPath({ a: { b: { c: 1 } } }, "a.b.c")).toBe(1);
    expect(readPath({ a: [1] }, "a.0")).toBeUndefined();
    expect(readPath({ a: "x" }, "a.b")).toBeUndefined();
  });

  it("trusts the operator's desired version only for the object's current generation", () => {
    const reader = new StatusReader(
      resolveStatusMap({
        finalizer: "f",
        reconciledVersion: "status.reconciled",
        desiredVersion: "status.desired",
        observedGeneration: "status.generation",
        phase: "status.phase",
      }),
    );
    const current = object(2, {
      desired: "v2",
      reconciled: "v1",
      generation: 2,
      phase: "Provisioning",
    });
    expect(reader.desired(current)).toBe("v2");
    expect(reader.reconciled(current)).toBe("v1");
    expect(reader.phase(current)).toBe("Provisioning");
    const stale = object(3, { desired: "v2", reconciled: "v2", generation: 2 });
    expect(reader.desired(stale)).toBe("(generation 3 not yet observed)");
    expect(reader.desired(stale)).not.toBe(reader.reconciled(stale));
  });

  it("reads the Ready and DeletionBlocked conditions by type", () => {
    const reader = new StatusReader(resolveStatusMap({ finalizer: "f" }));
    const blocked = object(1, {
      conditions: [
        { type: "Ready", status: "False" },
        { type: "DeletionBlocked", status: "True" },
      ],
    });
    expect(reader.condition(blocked, "Ready")).toBe("False");
    expect(reader.blocked(blocked)).toBe(true);
    expect(reader.blocked(object(1, {}))).toBe(false);
  });

  it("takes a job's object, version and correlation id from the map's extra-vars paths", () => {
    const reader = new StatusReader(
      resolveStatusMap({
        finalizer: "f",
        job: {
          resourceName: "resource.name",
          resourceNamespace: "resource.namespace",
          configVersion: "config_version",
          correlationId: "attempt",
        },
      }),
    );
    const raw = {
      id: 7,
      kind: "job",
      templateId: 1,
      templateName: "provision",
      extraVars: {
        resource: { name: "a", namespace: "ns" },
        config_version: "abc",
        attempt: "u-1",
      },
      ignoredFields: {},
      status: "running",
      createdAt: 1_000,
      transitions: [],
    } as unknown as AapLedgerJob;
    const job = reader.job(raw, { provision: "provision", deprovision: "deprovision" });
    expect(job).toMatchObject({
      id: "7",
      resourceKey: "ns/a",
      operation: "provision",
      configVersion: "abc",
      correlationId: "u-1",
      createdAt: 1_000,
    });
    const teardown = reader.job(
      { ...raw, templateName: "deprovision" },
      {
        provision: "provision",
        deprovision: "deprovision",
      },
    );
    expect(teardown.operation).toBe("deprovision");
    expect(teardown.configVersion).toBeUndefined();
  });
});
