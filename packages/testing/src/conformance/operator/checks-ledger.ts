/**
 * E1, E2 and E5 from the backend's ledger and the user's writes.
 *
 * @module
 */
import { activeTogether } from "../checks/overlaps.js";
import type { ConformanceJob, Violation } from "../types.js";
import type { CheckedWorld as OperatorWorld } from "./checked-world.js";

/** Object keys with jobs or user writes. */
export function keysOf(world: OperatorWorld): string[] {
  const keys = new Set(world.userWrites.keys());
  for (const job of world.ledger()) keys.add(job.resourceKey);
  return [...keys].sort();
}

/** E1: never two jobs of one object active at once. */
export function checkE1(world: OperatorWorld): Violation[] {
  const out: Violation[] = [];
  for (const key of keysOf(world)) {
    for (const [a, b] of activeTogether(world.jobs(key))) {
      const message = `E1: ${key}: ${world.label(a)} and ${world.label(b)} were active together`;
      out.push({ rule: "E1", message });
    }
  }
  return out;
}

/** The last user write (create, spec change, deletion) of `key` at or before `at`. */
function writeBefore(world: OperatorWorld, key: string, at: number): number | undefined {
  return (world.userWrites.get(key) ?? []).filter((w) => w <= at).at(-1);
}

/**
 * E2: for each state the user left an object in (between two of their writes), at most one
 * provision succeeds, and none is launched once one succeeded: a provision launched with no
 * change from the user is a duplicate, or an endless re-provisioning.
 */
export function checkE2(world: OperatorWorld): Violation[] {
  const out: Violation[] = [];
  for (const key of keysOf(world)) {
    const bySegment = new Map<number, ConformanceJob[]>();
    for (const job of world.jobs(key, "provision")) {
      const segment = writeBefore(world, key, job.createdAt) ?? world.start;
      bySegment.set(segment, [...(bySegment.get(segment) ?? []), job]);
    }
    for (const [segment, jobs] of bySegment) {
      const first = jobs.find((j) => j.outcome === "succeeded");
      if (!first) continue;
      for (const job of jobs) {
        if (job === first) continue;
        const after = first.finishedAt !== undefined && job.createdAt >= first.finishedAt;
        if (!after && job.outcome !== "succeeded") continue;
        const why = after
          ? `launched after ${world.label(first)} had succeeded`
          : `succeeded as well as ${world.label(first)}`;
        out.push({
          rule: "E2",
          message: `E2: ${key}: ${world.label(job)} ${why}, with no change by the user since ${world.t(segment)}`,
        });
      }
    }
  }
  return out;
}

/** E5: no job launched twice (two jobs with one correlation id). */
export function checkE5(world: OperatorWorld): Violation[] {
  const out: Violation[] = [];
  const seen = new Map<string, ConformanceJob>();
  for (const job of world.ledger()) {
    if (job.correlationId === undefined) continue;
    const before = seen.get(job.correlationId);
    if (before) {
      out.push({
        rule: "E5",
        message: `E5: ${job.resourceKey}: ${world.label(job)} was launched again with the correlation id of ${world.label(before)}`,
      });
    } else seen.set(job.correlationId, job);
  }
  return out;
}
