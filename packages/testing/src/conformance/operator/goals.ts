/**
 * What scenarios wait for, each a bounded wait whose timeout names a rule.
 *
 * @module
 */
import type { JobType } from "@provisionkit/core";
import { shortVersion } from "../driver/world.js";
import { GoalTimeout } from "./outcomes.js";
import type { CheckedWorld as OperatorWorld } from "./checked-world.js";

/** The object's jobs (of `operation`, or all) for a timeout's message, or `none`. */
function jobList(world: OperatorWorld, key: string, operation?: JobType, none = "none"): string {
  return (
    world
      .jobs(key, operation)
      .map((j) => world.label(j))
      .join(", ") || none
  );
}

/**
 * Wait until a provision launched after the user's last write succeeded and the reconciled
 * version (read with the user's accessor) equals the latest succeeded provision's (E3).
 */
export async function ready(world: OperatorWorld, name: string): Promise<void> {
  const key = world.key(name);
  const since = world.userWrites.get(key)?.at(-1) ?? world.start;
  const latest = () =>
    world
      .jobs(key, "provision")
      .filter((j) => j.outcome === "succeeded")
      .at(-1);
  await world.until(
    () => {
      const job = latest();
      const object = world.object(name);
      return (
        job !== undefined &&
        job.createdAt >= since &&
        object !== undefined &&
        world.reconciled(object) === job.configVersion
      );
    },
    "E3",
    () => {
      const job = latest();
      const object = world.object(name);
      const reconciled = object ? shortVersion(world.reconciled(object)) : "(object gone)";
      return job && job.createdAt >= since
        ? `E3: ${key}: ${world.label(job)} succeeded, but at ${world.t(Date.now())} the reconciled version read is still ${reconciled}`
        : `E3: ${key}: no provision launched after the user's write at ${world.t(since)} succeeded by ${world.t(Date.now())} (jobs: ${jobList(
            world,
            key,
          )})`;
    },
  );
}

/** Wait until a provision job of the object is active in the backend (a precondition). */
export async function provisioning(world: OperatorWorld, name: string): Promise<void> {
  const key = world.key(name);
  await world.until(
    () => world.jobs(key, "provision").some((j) => j.outcome === undefined),
    "E3",
    () =>
      `E3: ${key}: no provision job was launched by ${world.t(Date.now())} (jobs: ${jobList(
        world,
        key,
      )})`,
  );
}

/**
 * Wait until the operator released the object: its finalizer is gone from the deleting object,
 * or the object is (E4: once the deprovision succeeded). Other parties' finalizers (an EDA
 * playbook's, say) may keep it a while longer: they are not the operator's to release.
 */
export async function released(world: OperatorWorld, name: string): Promise<void> {
  const key = world.key(name);
  await world.until(
    () => {
      const sample = world.observer.latest(key);
      return sample !== undefined && (!sample.exists || (sample.deleting && !sample.finalizer));
    },
    "E4",
    () => {
      const object = world.object(name);
      const finalizers = object?.metadata.finalizers?.join(", ") ?? "none";
      return `E4: ${key}: ${world.options.finalizer} still not released at ${world.t(Date.now())} (finalizers: ${finalizers}; jobs: ${jobList(
        world,
        key,
      )})`;
    },
  );
}

/** Wait until a job of the operation ended failed in the backend (a precondition). */
export async function failed(
  world: OperatorWorld,
  name: string,
  operation: JobType,
): Promise<void> {
  const key = world.key(name);
  const rule = operation === "provision" ? "E2" : "E4";
  await world.until(
    () => world.jobs(key, operation).some((j) => j.outcome === "failed"),
    rule,
    () =>
      `${rule}: ${key}: no ${operation} job had failed by ${world.t(Date.now())} (jobs: ${jobList(
        world,
        key,
      )})`,
  );
}

/**
 * Wait until the object's status says deletion is blocked (E4); the object going first is a
 * violation at once.
 */
export async function blocked(world: OperatorWorld, name: string): Promise<void> {
  const key = world.key(name);
  const seen = () => (world.observer.samples.get(key) ?? []).some((s) => s.blocked);
  const deprovisions = () => jobList(world, key, "deprovision", "no deprovision");
  await world.until(
    () => {
      const sample = world.observer.latest(key);
      return seen() || (sample !== undefined && (!sample.exists || !sample.finalizer));
    },
    "E4",
    () =>
      `E4: ${key}: the status never said deletion is blocked by ${world.t(Date.now())}, though ${deprovisions()} ran with blockDeletionOnFailure=true`,
  );
  if (!seen()) {
    throw new GoalTimeout(
      "E4",
      `E4: ${key}: the finalizer was released before the status ever said deletion is blocked (${deprovisions()}, blockDeletionOnFailure=true)`,
    );
  }
}
