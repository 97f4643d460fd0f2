import { describe, expect, it } from "vitest";
import type { JobRecord, ProvisioningStatus } from "../../src/index.ts";
import { withStoredBookkeeping } from "../../src/kubernetes/visible-status.ts";

const job = (over: Partial<JobRecord> = {}): JobRecord => ({
  jobId: "1",
  type: "provision",
  state: "Running",
  message: "running",
  provider: "p",
  correlationId: "c",
  launchedAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  nextCheckAt: "2026-01-01T00:00:10.000Z",
  attempt: 1,
  ...over,
});
const status = (jobs: JobRecord[], over: Partial<ProvisioningStatus> = {}): ProvisioningStatus => ({
  jobs,
  conditions: [],
  ...over,
});

describe("withStoredBookkeeping", () => {
  it("a poll that only moved updatedAt and nextCheckAt equals the stored status", () => {
    const stored = status([job()]);
    const next = status([
      job({ updatedAt: "2026-01-01T00:00:10.000Z", nextCheckAt: "2026-01-01T00:00:20.000Z" }),
    ]);
    expect(withStoredBookkeeping(stored, next)).toEqual(stored);
  });

  it("keeps every visible change: state, message, progress, a failed read, a new job", () => {
    const stored = status([job()]);
    const changes: Partial<JobRecord>[] = [
      { state: "Succeeded" },
      { message: "half way" },
      { progress: 50 },
      {
        statusError: { code: "X", message: "m", count: 1, at: "a", retryAt: "b" },
      },
    ];
    for (const change of changes) {
      const next = status([job({ ...change, updatedAt: "2026-01-01T00:00:10.000Z" })]);
      const masked = withStoredBookkeeping(stored, next)!;
      expect(masked).not.toEqual(stored);
      // … and the bookkeeping of the masked status is the stored one.
      expect(masked.jobs[0]!.updatedAt).toBe(stored.jobs[0]!.updatedAt);
    }
    const added = status([job(), job({ jobId: "2", type: "deprovision" })]);
    expect(withStoredBookkeeping(stored, added)).toEqual(added);
  });

  it("status-level: deprovisionWaitUntil is bookkeeping, the other fields are not", () => {
    const stored = status([job()], { deprovisionWaitUntil: "2026-01-01T00:00:10.000Z" });
    expect(
      withStoredBookkeeping(
        stored,
        status([job()], { deprovisionWaitUntil: "2026-01-01T00:00:20.000Z" }),
      ),
    ).toEqual(stored);
    expect(withStoredBookkeeping(stored, { ...stored, reconciledConfigVersion: "v" })).not.toEqual(
      stored,
    );
    // Removed in next, present in stored: the stored value stands (still bookkeeping only).
    const { deprovisionWaitUntil: _, ...without } = stored;
    expect(withStoredBookkeeping(stored, without)).toEqual(stored);
  });

  it("a job whose nextCheckAt is absent in store has it absent in the masked status", () => {
    const stored = status([job({ nextCheckAt: undefined })]);
    delete stored.jobs[0]!.nextCheckAt;
    const next = status([job({ nextCheckAt: "2026-01-01T00:00:20.000Z" })]);
    expect(withStoredBookkeeping(stored, next)).toEqual(stored);
  });

  it("no stored status: everything is visible", () => {
    const next = status([job()]);
    expect(withStoredBookkeeping(undefined, next)).toBe(next);
  });

  it("the read across a job's timeout deadline must be written (undefined), not one before or after", () => {
    const timeout = 60_000; // deadline 00:01:00
    const stored = status([job({ updatedAt: "2026-01-01T00:00:50.000Z" })]);
    const across = status([job({ updatedAt: "2026-01-01T00:01:00.000Z" })]);
    expect(withStoredBookkeeping(stored, across, timeout)).toBeUndefined();
    const before = status([job({ updatedAt: "2026-01-01T00:00:55.000Z" })]);
    expect(withStoredBookkeeping(stored, before, timeout)).toEqual(stored);
    const after = status([job({ updatedAt: "2026-01-01T00:01:00.000Z" })]);
    const later = status([job({ updatedAt: "2026-01-01T00:01:10.000Z" })]);
    expect(withStoredBookkeeping(after, later, timeout)).toEqual(after);
    // Without a timeout, crossing means nothing.
    expect(withStoredBookkeeping(stored, across)).toEqual(stored);
  });
});
