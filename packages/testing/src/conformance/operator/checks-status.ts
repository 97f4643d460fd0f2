/**
 * E3 and E4 from the objects as observed and the backend's ledger.
 *
 * @module
 */
import { shortVersion } from "../driver/world.js";
import type { ConformanceJob, Violation } from "../types.js";
import { keysOf } from "./checks-ledger.js";
import type { ObjectSample } from "./observer.js";
import type { CheckedWorld as OperatorWorld } from "./checked-world.js";

function succeeded(world: OperatorWorld, key: string): ConformanceJob[] {
  return world
    .jobs(key, "provision")
    .filter((j) => j.outcome === "succeeded" && j.finishedAt !== undefined)
    .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
}

function live(sample: ObjectSample): boolean {
  return sample.exists && !sample.deleting;
}

/**
 * E3: (a) the reconciled version never names a version no provision had succeeded with;
 * (b) within `reconcileWithinMs` after a provision succeeded (and stayed the latest), the
 * reconciled version equals its version; (c) once no job ran during the last observations,
 * an existing object's reconciled version equals its desired version (skipped when
 * `quietSince` is undefined: a goal was not reached).
 */
export function checkE3(world: OperatorWorld, quietSince: number | undefined): Violation[] {
  const out: Violation[] = [];
  const within = world.options.reconcileWithinMs ?? 1_500;
  for (const key of keysOf(world)) {
    const samples = world.observer.samples.get(key) ?? [];
    const done = succeeded(world, key);
    const claimed = new Set<string>();
    for (const sample of samples) {
      const r = sample.reconciled;
      if (r === undefined || claimed.has(r)) continue;
      const applied = done.some(
        (j) => j.configVersion === r && (j.finishedAt ?? Infinity) <= sample.at,
      );
      if (!applied) {
        claimed.add(r);
        out.push({
          rule: "E3",
          message: `E3: ${key}: at ${world.t(sample.at)} the reconciled version is ${shortVersion(r)}, but no provision of that version had succeeded in the backend`,
        });
      }
    }
    const lastAt = world.observedUntil();
    done.forEach((job, i) => {
      const end = job.finishedAt ?? 0;
      const next = done[i + 1]?.finishedAt ?? Infinity;
      const by = end + within;
      if (next <= by || lastAt < by) return;
      const window = samples.filter(
        (s, k) => (samples[k + 1]?.at ?? Infinity) >= end && s.at <= by,
      );
      if (window.some((s) => !live(s))) return;
      if (window.some((s) => s.reconciled === job.configVersion)) return;
      out.push({
        rule: "E3",
        message: `E3: ${key}: ${world.label(job)} succeeded, but within ${within} ms the reconciled version read was ${window.map((s) => shortVersion(s.reconciled)).join(", ")}`,
      });
    });
    if (quietSince === undefined) continue;
    const object = world.object(key.split("/").at(-1) ?? key);
    const active = world.jobs(key).some((j) => (j.finishedAt ?? Infinity) > quietSince);
    if (object && !object.metadata.deletionTimestamp && !active) {
      const desired = world.desired(object);
      const reconciled = world.reconciled(object);
      if (desired !== reconciled) {
        out.push({
          rule: "E3",
          message: `E3: ${key}: at the end, with no job since ${world.t(quietSince)}, desired is ${shortVersion(desired)} but reconciled is ${shortVersion(reconciled)}`,
        });
      }
    }
  }
  return out;
}

/** When the operator's finalizer left an object being deleted (or the object went). */
export function releasedAt(world: OperatorWorld, key: string): number | undefined {
  const samples = world.observer.samples.get(key) ?? [];
  return samples.find((s, i) => i > 0 && (!s.exists || (s.deleting && !s.finalizer)))?.at;
}

/**
 * Whether a failure of this deprovision job keeps the deletion blocked, as its provider
 * declared it (matched by correlation id, else the first declaration for the object after
 * the job was created); `true`, the contract's default, when nothing was declared.
 */
export function blocksDeletion(world: OperatorWorld, job: ConformanceJob): boolean {
  const forKey = world.declarations.filter((d) => d.resourceKey === job.resourceKey);
  const declared =
    (job.correlationId !== undefined
      ? forKey.find((d) => d.correlationId === job.correlationId)
      : undefined) ?? forKey.find((d) => d.at >= job.createdAt);
  return declared?.blockDeletionOnFailure ?? true;
}

/**
 * E4: (a) the finalizer is released only after the latest deprovision succeeded, or failed
 * with `blockDeletionOnFailure=false`, or with no deprovision when nothing was ever
 * provisioned or the provider answered `skipped` (whether that answer was right is the
 * provider suite's P6); (b) after a deprovision failed with `blockDeletionOnFailure=true`, the status
 * says deletion is blocked (the user's `deletionBlocked` accessor) before the deprovision is
 * retried, or within `reconcileWithinMs`.
 */
export function checkE4(world: OperatorWorld): Violation[] {
  const out: Violation[] = [];
  const within = world.options.reconcileWithinMs ?? 1_500;
  for (const key of keysOf(world)) {
    const at = releasedAt(world, key);
    const deprovisions = world.jobs(key, "deprovision");
    if (at !== undefined) {
      const before = deprovisions.filter((j) => j.createdAt <= at);
      const latest = before.at(-1);
      const provisions = world.jobs(key, "provision").filter((j) => j.createdAt <= at);
      let problem: string | undefined;
      const skipped = world.skips.some((k) => k.resourceKey === key && k.at <= at);
      if (!latest && provisions.length > 0 && !skipped) {
        problem = `with no deprovision job, though ${provisions.map((j) => world.label(j)).join(", ")} ran and the provider never answered skipped`;
      } else if (latest && (latest.finishedAt ?? Infinity) > at) {
        problem = `while ${world.label(latest)} was running`;
      } else if (latest && latest.outcome !== "succeeded" && blocksDeletion(world, latest)) {
        problem = `after ${world.label(latest)} ended ${latest.outcome ?? "?"} with blockDeletionOnFailure=true`;
      }
      if (problem !== undefined) {
        out.push({
          rule: "E4",
          message: `E4: ${key}: the finalizer was released at ${world.t(at)} ${problem}`,
        });
      }
    }
    out.push(...blockedShown(world, key, deprovisions, at, within));
  }
  return out;
}

function blockedShown(
  world: OperatorWorld,
  key: string,
  deprovisions: ConformanceJob[],
  releasedAt: number | undefined,
  within: number,
): Violation[] {
  const out: Violation[] = [];
  const samples = world.observer.samples.get(key) ?? [];
  deprovisions.forEach((job, i) => {
    const failedAt = job.finishedAt;
    if (failedAt === undefined || job.outcome === "succeeded" || !blocksDeletion(world, job)) {
      return;
    }
    const end = Math.min(
      deprovisions[i + 1]?.createdAt ?? Infinity,
      releasedAt ?? Infinity,
      failedAt + within,
    );
    // Not observed long enough to tell (the scenario ended first).
    if (end === failedAt + within && world.observedUntil() < end) return;
    const window = samples.filter(
      (s, k) => (samples[k + 1]?.at ?? Infinity) >= failedAt && s.at <= end,
    );
    if (window.some((s) => s.blocked) || window.some((s) => !s.exists)) return;
    const until = end === failedAt + within ? `within ${within} ms` : `before ${world.t(end)}`;
    out.push({
      rule: "E4",
      message: `E4: ${key}: ${world.label(job)} failed with blockDeletionOnFailure=true, but the status never said deletion is blocked ${until}`,
    });
  });
  return out;
}
