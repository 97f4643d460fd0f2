/**
 * What scenarios wait for, each a bounded wait whose timeout names a rule.
 *
 * @module
 */
import { shortVersion } from "../driver/world.js";
import type { OperatorWorld } from "./world.js";

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
        : `E3: ${key}: no provision launched after the user's write at ${world.t(since)} succeeded by ${world.t(Date.now())} (jobs: ${
            world
              .jobs(key)
              .map((j) => world.label(j))
              .join(", ") || "none"
          })`;
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
      `E3: ${key}: no provision job was launched by ${world.t(Date.now())} (jobs: ${
        world
          .jobs(key)
          .map((j) => world.label(j))
          .join(", ") || "none"
      })`,
  );
}

/** Wait until the object is gone (E4: deletion completes once the deprovision succeeded). */
export async function gone(world: OperatorWorld, name: string): Promise<void> {
  const key = world.key(name);
  await world.until(
    () => world.object(name) === undefined,
    "E4",
    () => {
      const object = world.object(name);
      const finalizers = object?.metadata.finalizers?.join(", ") ?? "none";
      return `E4: ${key}: still not deleted at ${world.t(Date.now())} (finalizers: ${finalizers}; jobs: ${
        world
          .jobs(key)
          .map((j) => world.label(j))
          .join(", ") || "none"
      })`;
    },
  );
}
