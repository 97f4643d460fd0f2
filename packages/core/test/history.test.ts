import { describe, expect, it } from "vitest";
import {
  DEFAULT_HISTORY_LIMIT,
  appendJob,
  jobsOfType,
  latestJob,
  updateJob,
  type JobRecord,
  type JobType,
} from "@provisionkit/core";

const rec = (jobId: string, type: JobType = "provision"): JobRecord => ({
  jobId,
  type,
  state: "Succeeded",
  message: "",
  provider: "p",
  correlationId: `c-${jobId}`,
  launchedAt: "2024-01-01T00:00:00.000Z",
  updatedAt: "2024-01-01T00:00:00.000Z",
  attempt: 1,
});
const ids = (jobs: readonly JobRecord[]) => jobs.map((j) => `${j.type[0]}${j.jobId}`);
/** Appends provision records p1..pN to an empty history with the given limit. */
const provisions = (n: number, limit?: number) =>
  Array.from({ length: n }, (_, i) => rec(String(i + 1))).reduce<JobRecord[]>(
    (h, r) => appendJob(h, r, limit),
    [],
  );

describe("appendJob", () => {
  it("keeps 10 records by default, dropping the oldest first", () => {
    expect(DEFAULT_HISTORY_LIMIT).toBe(10);
    expect(provisions(10)).toHaveLength(10);
    const h = provisions(12);
    expect(ids(h)).toEqual(["p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12"]);
  });

  it("appends at the end and does not mutate its input", () => {
    const before = [rec("1")];
    const after = appendJob(before, rec("2"), 5);
    expect(ids(after)).toEqual(["p1", "p2"]);
    expect(ids(before)).toEqual(["p1"]);
  });

  it("never drops the newest deprovision, even when it is the oldest record", () => {
    const h = [rec("x", "deprovision"), rec("1"), rec("2")];
    expect(ids(appendJob(h, rec("3"), 3))).toEqual(["dx", "p2", "p3"]);
  });

  it("never drops the newest provision, even when it is the oldest record", () => {
    const h = [rec("1"), rec("a", "deprovision"), rec("b", "deprovision")];
    expect(ids(appendJob(h, rec("c", "deprovision"), 2))).toEqual(["p1", "dc"]);
  });

  it("still drops older records of a type that has a newer one", () => {
    const h = [rec("1"), rec("a", "deprovision"), rec("2"), rec("b", "deprovision")];
    expect(ids(appendJob(h, rec("3"), 2))).toEqual(["db", "p3"]);
  });

  it("keeps two records with limit 1 when both types are present", () => {
    expect(ids(appendJob([rec("1")], rec("a", "deprovision"), 1))).toEqual(["p1", "da"]);
    expect(ids(appendJob([rec("1"), rec("a", "deprovision")], rec("2"), 1))).toEqual(["da", "p2"]);
    expect(ids(provisions(3, 1))).toEqual(["p3"]);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("rejects limit %s", (limit) => {
    expect(() => appendJob([], rec("1"), limit)).toThrow(RangeError);
  });

  it("rejects a duplicate (jobId, type) but accepts the same id with the other type", () => {
    const h = [rec("7")];
    expect(() => appendJob(h, rec("7"))).toThrow(RangeError);
    expect(ids(appendJob(h, rec("7", "deprovision")))).toEqual(["p7", "d7"]);
  });
});

describe("latestJob / jobsOfType", () => {
  const h = [rec("1"), rec("a", "deprovision"), rec("2"), rec("b", "deprovision"), rec("3")];

  it("latestJob returns the newest record of the type", () => {
    expect(latestJob(h, "provision")?.jobId).toBe("3");
    expect(latestJob(h, "deprovision")?.jobId).toBe("b");
    expect(latestJob([rec("1")], "deprovision")).toBeUndefined();
    expect(latestJob([], "provision")).toBeUndefined();
  });

  it("jobsOfType returns the records of the type, oldest first", () => {
    expect(ids(jobsOfType(h, "provision"))).toEqual(["p1", "p2", "p3"]);
    expect(ids(jobsOfType(h, "deprovision"))).toEqual(["da", "db"]);
  });
});

describe("updateJob", () => {
  const fail = (j: JobRecord): JobRecord => ({ ...j, state: "Failed" });

  it("replaces the record with the id and returns a new array without mutating the input", () => {
    const h = [rec("1"), rec("2")];
    const out = updateJob(h, "2", fail);
    expect(out.map((j) => j.state)).toEqual(["Succeeded", "Failed"]);
    expect(out).not.toBe(h);
    expect(h.map((j) => j.state)).toEqual(["Succeeded", "Succeeded"]);
    expect(out[0]).toBe(h[0]);
  });

  it("matches the type too when one is given", () => {
    const h = [rec("7"), rec("7", "deprovision")];
    expect(updateJob(h, "7", fail, "deprovision").map((j) => j.state)).toEqual([
      "Succeeded",
      "Failed",
    ]);
    expect(updateJob(h, "7", fail, "provision").map((j) => j.state)).toEqual([
      "Failed",
      "Succeeded",
    ]);
  });

  it("returns the history unchanged when nothing matches", () => {
    const h = [rec("1"), rec("a", "deprovision")];
    expect(updateJob(h, "nope", fail)).toEqual(h);
    expect(updateJob(h, "1", fail, "deprovision")).toEqual(h);
  });
});
