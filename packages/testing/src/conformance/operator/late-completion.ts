/**
 * Operator scenarios of a provision whose completion signal reaches the resource late, or
 * never: an event-driven backend's playbook write-back (issue 14). The provision job itself
 * ends on time in the backend; what the provider reads from the resource comes after the
 * deletion began, or not at all. Whatever the provider reads, the provision ran: the
 * deletion must tear it down (P6), or the backend keeps what it built for an object that is
 * gone (an orphan).
 *
 * @module
 */
import type { JobType } from "@provisionkit/core";
import type { EdaWriteBackFault } from "../../eda/types.js";
import type { ConformanceBackend, ConformanceJob } from "../types.js";
import { released } from "./goals.js";
import { GoalTimeout, ScenarioSkipped } from "./outcomes.js";
import type { OperatorScenario } from "./scenarios.js";
import { JOB_MS } from "./timings.js";
import type { OperatorWorld } from "./world.js";

/**
 * A backend whose jobs' completion signal can be made late or lost: the EDA simulator backend
 * (the playbook's write-back onto the resource). Detected structurally.
 */
export interface WriteBackControl {
  /** The next job of `operation` writes back late (`delayMs` after it ended), or never (`lost`). */
  delayNextWriteBack(operation: JobType, fault: EdaWriteBackFault): void;
}

function writeBackControl(backend: ConformanceBackend): WriteBackControl | undefined {
  const candidate = backend as Partial<WriteBackControl>;
  return typeof candidate.delayNextWriteBack === "function"
    ? (candidate as WriteBackControl)
    : undefined;
}

const NAME = "widget-1";
/** How late the write-back lands after the provision job ended, ms. */
const LATE_MS = 8 * JOB_MS;

/**
 * Provision jobs that ran with no deprovision job created at or after their end: what the
 * backend keeps for an object that is gone.
 */
export function orphanedProvisions(jobs: readonly ConformanceJob[]): ConformanceJob[] {
  const deprovisions = jobs.filter((j) => j.operation === "deprovision");
  return jobs
    .filter((j) => j.operation === "provision")
    .filter(
      (p) => p.finishedAt === undefined || !deprovisions.some((d) => d.createdAt >= p.finishedAt!),
    );
}

function lateCompletion(lost: boolean): OperatorScenario {
  return {
    id: lost ? "provision-write-back-lost" : "provision-write-back-late",
    title: lost
      ? "a provision whose completion never reaches the object: its deletion still tears it down"
      : "a provision whose completion reaches the object only after the deletion began: the deletion tears it down",
    rules: ["P6", "E4"],
    skip: lost
      ? (abilities) =>
          abilities.findJob
            ? undefined
            : "the provider cannot see the backend's job (no findJob): a completion that never comes ends only at its own provision timeout"
      : undefined,
    async run(world: OperatorWorld) {
      const control = writeBackControl(world.backend);
      if (!control) {
        throw new ScenarioSkipped(
          "the backend cannot make a job's completion signal late (only an event-driven backend's playbook write-back can be)",
        );
      }
      control.delayNextWriteBack("provision", lost ? { lost: true } : { delayMs: LATE_MS });
      // The late write-back, and the settling after the release, come on top of the usual goals.
      world.extendDeadline(lost ? 2 * JOB_MS : 2 * LATE_MS + 2 * JOB_MS);
      const key = world.key(NAME);
      await world.startController();
      await world.create(NAME, 0);
      // The provision job ended in the backend; its write-back has not reached the object.
      await world.until(
        () => world.jobs(key, "provision").some((j) => j.outcome === "succeeded"),
        "E3",
        () => `E3: ${key}: no provision job succeeded by ${world.t(Date.now())}`,
      );
      world.mark(
        key,
        lost
          ? "provision ended; its write-back is lost"
          : "provision ended; its write-back is late",
      );
      await world.delete(NAME);
      await released(world, NAME);
      // Let the late write-back land, and whatever follows it run.
      await world.settle(lost ? 2 * JOB_MS : LATE_MS + 2 * JOB_MS);
      const [orphan] = orphanedProvisions(world.jobs(key));
      if (orphan) {
        const when = lost ? "never" : `only ${LATE_MS} ms after it ended`;
        throw new GoalTimeout(
          "P6",
          `P6: ${key} was released with no teardown after ${world.label(orphan)}, whose completion reached the object ${when}: the provider answered skipped though the provision ran, an orphan`,
        );
      }
    },
  };
}

/** The late and the lost write-back scenarios. */
export const LATE_COMPLETION_SCENARIOS: readonly OperatorScenario[] = [
  lateCompletion(false),
  lateCompletion(true),
];
