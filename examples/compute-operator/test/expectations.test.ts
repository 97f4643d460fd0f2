import { describe, expect, it } from "vitest";
import { expectationProblems, type ActualEnd, type Expectation } from "../src/expectations.ts";
import { brief } from "../src/observer.ts";

// A story passes only when every resource ends where it should, with exactly the jobs (and,
// in the EDA story, the events) expected: each difference must be named.

const EXPECTED: Record<string, Expectation> = {
  "web-1": { final: "Ready", jobs: ["provision successful"] },
  "api-1": {
    final: "Ready",
    events: ["provision lost", "provision launched"],
    jobs: ["provision successful"],
  },
  "batch-1": {
    final: "deleted",
    events: ["provision launched", "deprovision launched"],
    jobs: ["provision successful", "deprovision successful"],
  },
};

const ends: Record<string, ActualEnd> = {
  "web-1": { jobs: ["provision successful"], exists: true, readyAtLastSpec: true },
  "api-1": {
    jobs: ["provision successful"],
    events: ["provision lost", "provision launched"],
    exists: true,
    readyAtLastSpec: true,
  },
  "batch-1": {
    jobs: ["provision successful", "deprovision successful"],
    events: ["provision launched", "deprovision launched"],
    exists: false,
    readyAtLastSpec: false,
  },
};

const check = (changes: Record<string, Partial<ActualEnd>> = {}) =>
  expectationProblems(EXPECTED, (name) => ({ ...ends[name]!, ...changes[name] }));

describe("the story's expected ends", () => {
  it("passes when every resource ends as expected", () => {
    expect(check()).toEqual([]);
  });

  it("names a job too many or missing", () => {
    expect(check({ "web-1": { jobs: ["provision successful", "provision successful"] } })).toEqual([
      "web-1: AAP ran [provision successful, provision successful], expected [provision successful]",
    ]);
  });

  it("names events that differ, when events are expected", () => {
    expect(check({ "api-1": { events: ["provision launched"] } })).toEqual([
      "api-1: EDA received [provision launched], expected [provision lost, provision launched]",
    ]);
    // The AAP story expects no events: none are compared.
    expect(check({ "web-1": { events: ["provision lost"] } })).toEqual([]);
  });

  it("names a resource left behind or not Ready at its last spec", () => {
    expect(check({ "batch-1": { exists: true }, "web-1": { readyAtLastSpec: false } })).toEqual([
      "web-1 is not Ready with the config version of its last spec",
      "batch-1 was not deleted",
    ]);
  });
});

describe("brief", () => {
  it("shortens EDA job ids, UUIDs and config versions, and leaves AAP job ids alone", () => {
    const id =
      "eda:provision:6bdfc79c-1234-4abc-8def-0123456789ab:1764121000000:sha256:" + "ab".repeat(32);
    expect(brief(`provision job ${id} launched`)).toBe(
      "provision job eda:provision:6bdfc79c launched",
    );
    expect(brief("correlation id 6bdfc79c-1234-4abc-8def-0123456789ab")).toBe(
      "correlation id 6bdfc79c…",
    );
    expect(brief(`job:1001 for sha256:${"cd".repeat(32)}`)).toBe("job:1001 for sha256:cdcdcdcd");
  });
});
