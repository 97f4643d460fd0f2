import { describe, expect, it } from "vitest";
import {
  ConditionType,
  findCondition,
  removeCondition,
  setCondition,
  type Condition,
} from "@provisionkit/core";

const T1 = "2024-01-01T00:00:00.000Z";
const T2 = "2024-01-01T00:05:00.000Z";
const ready = (over: Partial<Condition> = {}): Condition => ({
  type: "Ready",
  status: "False",
  reason: "Provisioning",
  message: "job 1 running",
  lastTransitionTime: T1,
  ...over,
});
const deleting = ready({ type: "Deleting", status: "True", reason: "Deprovisioning" });

describe("setCondition", () => {
  it("adds a new condition at the end, stamped with now", () => {
    const out = setCondition(
      [deleting],
      { type: "Ready", status: "True", reason: "Reconciled", message: "" },
      T2,
    );
    expect(out).toEqual([
      deleting,
      { type: "Ready", status: "True", reason: "Reconciled", message: "", lastTransitionTime: T2 },
    ]);
  });

  it("keeps lastTransitionTime when the status is unchanged, but updates reason and message", () => {
    const out = setCondition(
      [ready(), deleting],
      {
        type: "Ready",
        status: "False",
        reason: "Retrying",
        message: "job 2 running",
        observedGeneration: 4,
      },
      T2,
    );
    expect(out).toEqual([
      ready({ reason: "Retrying", message: "job 2 running", observedGeneration: 4 }),
      deleting,
    ]);
  });

  it("sets lastTransitionTime to now when the status changes", () => {
    const out = setCondition(
      [ready()],
      { type: "Ready", status: "True", reason: "Reconciled", message: "" },
      T2,
    );
    expect(out).toEqual([
      ready({ status: "True", reason: "Reconciled", message: "", lastTransitionTime: T2 }),
    ]);
  });

  it("does not write an undefined observedGeneration", () => {
    const out = setCondition(
      [],
      { type: "Ready", status: "True", reason: "R", message: "", observedGeneration: undefined },
      T2,
    );
    expect(out[0]).not.toHaveProperty("observedGeneration");
  });

  it("returns a new array and leaves the input alone", () => {
    const input = [ready()];
    const out = setCondition(
      input,
      { type: "Ready", status: "True", reason: "R", message: "" },
      T2,
    );
    expect(out).not.toBe(input);
    expect(input).toEqual([ready()]);
  });
});

describe("findCondition / removeCondition", () => {
  it("finds by type", () => {
    expect(findCondition([ready(), deleting], "Deleting")).toBe(deleting);
    expect(findCondition([ready()], ConditionType.DeletionBlocked)).toBeUndefined();
  });

  it("removes by type, leaving the others and the input alone", () => {
    const input = [ready(), deleting];
    expect(removeCondition(input, "Ready")).toEqual([deleting]);
    expect(removeCondition(input, "Absent")).toEqual(input);
    expect(input).toHaveLength(2);
  });
});
