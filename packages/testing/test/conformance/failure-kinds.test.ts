/**
 * `ConformanceJobScript.failureKind` (issue 21): how the ready-made backends take it. The
 * scenario that uses it is judged in integration/test/conformance-failure-kinds.test.ts (a
 * provider whose state table misses AWX's `error` fails P3 there).
 */
import { JobState } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { aapScript } from "../../src/conformance/backends/aap-run.js";
import { VirtualClock } from "../../src/index.js";
import { MemoryBackend } from "../../src/conformance/memory/backend.js";

describe("a job scripted to end in one of the backend's other failure states", () => {
  it("on AAP ends in AWX's error, for jobs and workflow jobs", () => {
    for (const workflow of [false, true]) {
      expect(aapScript({ outcome: "failed", failureKind: "error" }, workflow).outcome).toBe(
        "error",
      );
      expect(aapScript({ outcome: "failed" }, workflow).outcome).toBe("failed");
    }
  });

  it("is refused with a RangeError naming the kinds when unknown or without outcome failed", () => {
    expect(() => aapScript({ outcome: "failed", failureKind: "crashed" }, false)).toThrow(
      /failureKind "crashed" needs outcome "failed" and one of "error"/,
    );
    expect(() => aapScript({ failureKind: "error" }, false)).toThrow(RangeError);
    const memory = new MemoryBackend({ clock: new VirtualClock() });
    expect(() => memory.scriptNext("provision", { outcome: "failed", failureKind: "x" })).toThrow(
      /failureKind "x" needs outcome "failed" and one of "error"/,
    );
    expect(() => memory.scriptNext("provision", { failureKind: "error" })).toThrow(RangeError);
  });

  it("on the memory backend ends Failed, a failure in the ledger", () => {
    const clock = new VirtualClock();
    const memory = new MemoryBackend({ clock });
    memory.scriptNext("provision", { outcome: "failed", failureKind: "error", durationMs: 5_000 });
    const job = memory.launch({
      resourceKey: "ns/w1",
      operation: "provision",
      configVersion: "v1",
      correlationId: "c1",
    });
    clock.advance(6_000);
    expect(memory.job(job.id)?.state).toBe(JobState.Failed);
    expect(memory.ledger().find((j) => j.id === job.id)?.outcome).toBe("failed");
  });
});
