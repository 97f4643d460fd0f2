import type { ConformanceReport, TimelineJob } from "../src/conformance/types.js";

/** The provision job both timelines of the sample start with. */
const FIRST_PROVISION: TimelineJob = {
  id: "mem-1",
  operation: "provision",
  configVersion: "sha256:aaaaaaaaaaaaaaaa",
  start: 0,
  end: 30_000,
  outcome: "succeeded",
};

/**
 * A report with one passed, one failed (two jobs of one resource overlapping, E1) and one
 * skipped scenario, and text that needs escaping.
 */
export function sampleReport(): ConformanceReport {
  return {
    suite: "provider",
    subject: "BrokenProvider <on> the memory backend",
    capabilities: { findJob: true, cancel: false },
    startedAt: "2026-11-26T00:00:00.000Z",
    durationMs: 1234,
    passed: false,
    scenarios: [
      {
        id: "create-to-ready",
        title: "create to Ready",
        rules: ["P2", "P4", "E3"],
        status: "passed",
        violations: [],
        durationMs: 12,
        virtualMs: 60_000,
        timelines: [
          {
            resourceKey: "conformance/w-1",
            jobs: [FIRST_PROVISION],
            marks: [{ at: 0, label: "created" }],
          },
        ],
      },
      {
        id: "delete-while-provisioning",
        title: "delete while the provision job runs",
        rules: ["P5", "E1", "E4"],
        status: "failed",
        violations: [
          {
            rule: "P5",
            message:
              "P5: deprovision job mem-2 was created at 20 s while provision job mem-1 was active (<script>alert(1)</script>)",
          },
          {
            rule: "E1",
            message:
              "E1: conformance/w-1: jobs mem-1 and mem-2 were active together from 20 s to 30 s",
          },
        ],
        counterexample: { seed: 42, path: "0:1", steps: "[create, delete@20s]" },
        durationMs: 30,
        virtualMs: 90_000,
        timelines: [
          {
            resourceKey: "conformance/w-1",
            jobs: [
              FIRST_PROVISION,
              {
                id: "mem-2",
                operation: "deprovision",
                start: 20_000,
                end: 50_000,
                outcome: "succeeded",
              },
              { id: "mem-3", operation: "provision", start: 60_000 },
            ],
            marks: [
              { at: 20_000, label: "deleted" },
              { at: 55_000, label: "finalizer released" },
            ],
          },
        ],
      },
      {
        id: "purged-job",
        title: "a job purged before it was seen to end",
        rules: ["P3"],
        status: "skipped",
        skipReason: "the backend cannot purge jobs (controls.purge is false)",
        violations: [],
        durationMs: 0,
        virtualMs: 0,
        timelines: [],
      },
    ],
    rules: [
      { rule: "P3", status: "skipped", failedIn: [], skipReason: "no scenario checking it ran" },
      { rule: "P5", status: "failed", failedIn: ["delete-while-provisioning"] },
      { rule: "E1", status: "failed", failedIn: ["delete-while-provisioning"] },
      { rule: "E3", status: "passed", failedIn: [] },
    ],
  };
}

/**
 * The operator suite's kind of report: real time, a run of 2.4 s, events a few milliseconds
 * apart (their labels would overlap on one row), a short canceled job that whole seconds
 * would hide, and a mark at the right edge.
 */
export function crowdedReport(): ConformanceReport {
  return {
    suite: "operator",
    subject: "ComputeInstance operator",
    capabilities: { findJob: true, cancel: true },
    startedAt: "2026-12-05T00:00:00.000Z",
    durationMs: 2400,
    passed: true,
    scenarios: [
      {
        id: "crowded-marks",
        title: "events a few milliseconds apart",
        rules: ["E1"],
        status: "passed",
        violations: [],
        durationMs: 2400,
        virtualMs: 2400,
        timelines: [
          {
            resourceKey: "conformance/w-2",
            jobs: [
              {
                id: "job-10",
                operation: "provision",
                configVersion: "sha256:bbbbbbbbbbbbbbbb",
                start: 100,
                end: 240,
                outcome: "canceled",
              },
              {
                id: "job-11",
                operation: "deprovision",
                start: 260,
                end: 1900,
                outcome: "succeeded",
              },
            ],
            marks: [
              { at: 0, label: "created" },
              { at: 120, label: "spec changed" },
              { at: 130, label: "deleted" },
              { at: 140, label: "controller crashed" },
              { at: 150, label: "controller started" },
              { at: 2390, label: "finalizer released" },
            ],
          },
        ],
      },
    ],
    rules: [{ rule: "E1", status: "passed", failedIn: [] }],
  };
}
