import { describe, expect, it } from "vitest";
import { JobState, isJobState, isSuccessful, isTerminal, isUnsuccessful } from "@provisionkit/core";

// Expected classification of every state, written out independently of the source.
const table: [JobState, { terminal: boolean; successful: boolean; unsuccessful: boolean }][] = [
  ["Pending", { terminal: false, successful: false, unsuccessful: false }],
  ["Waiting", { terminal: false, successful: false, unsuccessful: false }],
  ["Running", { terminal: false, successful: false, unsuccessful: false }],
  ["Succeeded", { terminal: true, successful: true, unsuccessful: false }],
  ["Failed", { terminal: true, successful: false, unsuccessful: true }],
  ["Canceled", { terminal: true, successful: false, unsuccessful: true }],
  ["Unknown", { terminal: false, successful: false, unsuccessful: false }],
];

describe("JobState", () => {
  it("has exactly the seven states of the contract, each mapped to its own name", () => {
    expect(Object.keys(JobState).sort()).toEqual(table.map(([s]) => s).sort());
    for (const [state] of table) expect(JobState[state]).toBe(state);
  });

  it.each(table)("classifies %s", (state, expected) => {
    expect(isTerminal(state)).toBe(expected.terminal);
    expect(isSuccessful(state)).toBe(expected.successful);
    expect(isUnsuccessful(state)).toBe(expected.unsuccessful);
    expect(isJobState(state)).toBe(true);
  });

  it("does not treat Unknown as terminal (keep polling)", () => {
    expect(isTerminal(JobState.Unknown)).toBe(false);
    expect(isUnsuccessful(JobState.Unknown)).toBe(false);
  });

  it("terminal is exactly successful or unsuccessful", () => {
    for (const [state] of table) {
      expect(isTerminal(state)).toBe(isSuccessful(state) || isUnsuccessful(state));
    }
  });

  it.each([
    ["lower-case", "succeeded"],
    ["padded", " Running"],
    ["empty", ""],
    ["other word", "Cancelled"],
    ["prototype key", "toString"],
    ["number", 1],
    ["null", null],
    ["undefined", undefined],
    ["boxed string", new String("Running")],
    ["array", ["Running"]],
    ["object", { state: "Running" }],
  ])("isJobState rejects %s", (_label, value) => {
    expect(isJobState(value)).toBe(false);
  });
});
