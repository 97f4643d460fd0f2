/**
 * The black-box scenarios: what a user does to objects (through the Kubernetes API only) and
 * to the operator process (SIGKILL, start again), and what each waits for.
 *
 * @module
 */
import type { JobType } from "@provisionkit/core";
import { provisioning, ready, released } from "../operator/goals.js";
import type { RuleId } from "../types.js";
import type { BlackBoxWorld } from "./world.js";

/** One black-box scenario. */
export interface BlackBoxScenario {
  /** Stable id (also the name of its object). */
  id: string;
  /** Human title. */
  title: string;
  /** The rules it is about (every check runs after every scenario regardless). */
  rules: RuleId[];
  /** It kills and restarts the operator process (skipped for an already-running operator). */
  restarts?: boolean;
  /** Drive the world. */
  run(world: BlackBoxWorld): Promise<void>;
}

/** A provision job long enough to delete (or crash) while it runs, ms. */
export const LONG_JOB_MS = 2_500;

/** Start the operator, create the object with spec A, wait until it is Ready (E3). */
async function createReady(world: BlackBoxWorld, name: string): Promise<void> {
  world.startOperator();
  await world.create(name, 0);
  await ready(world, name);
}

/** Wait until a job of `operation` is active, then until the operator wrote the object since its launch. */
async function launchedAndRecorded(
  world: BlackBoxWorld,
  name: string,
  operation: JobType,
): Promise<void> {
  const key = world.key(name);
  const active = () => world.jobs(key, operation).find((j) => j.outcome === undefined);
  await world.until(
    () => active() !== undefined,
    operation === "provision" ? "E3" : "E4",
    () =>
      `${operation === "provision" ? "E3" : "E4"}: ${key}: no ${operation} job was launched by ${world.t(Date.now())}`,
  );
  const job = active();
  if (!job) return;
  await world.until(
    () => world.writtenAfter(name, job.createdAt),
    "E5",
    () =>
      `E5: ${key}: the operator launched ${world.label(job)} but wrote nothing to the object afterwards (by ${world.t(Date.now())}): a restart cannot know the job exists — record the job id in the status right after the launch`,
  );
}

/** Every black-box scenario, in report order. */
export const BLACKBOX_SCENARIOS: readonly BlackBoxScenario[] = Object.freeze([
  {
    id: "create-to-ready",
    title: "a created object is provisioned and its reconciled version reported",
    rules: ["E3"],
    async run(world: BlackBoxWorld) {
      await createReady(world, "create-to-ready");
    },
  },
  {
    id: "spec-change",
    title: "spec A → B → A re-provisions each time and reports each version",
    rules: ["E2", "E3"],
    async run(world: BlackBoxWorld) {
      const name = "spec-change";
      await createReady(world, name);
      await world.setSpec(name, 1);
      await ready(world, name);
      await world.setSpec(name, 0);
      await ready(world, name);
    },
  },
  {
    id: "delete-after-ready",
    title:
      "deleting a ready object: the teardown runs, its completion is observed, the finalizer released",
    rules: ["E4"],
    async run(world: BlackBoxWorld) {
      const name = "delete-after-ready";
      await createReady(world, name);
      await world.delete(name);
      await released(world, name);
    },
  },
  {
    id: "delete-while-provisioning",
    title:
      "deleting while the provision job runs: cancel it (or wait for it), then tear down, then release",
    rules: ["E1", "E4"],
    async run(world: BlackBoxWorld) {
      const name = "delete-while-provisioning";
      world.stage.scriptNext("provision", LONG_JOB_MS);
      world.startOperator();
      await world.create(name, 0);
      await provisioning(world, name);
      await world.delete(name);
      await released(world, name);
    },
  },
  {
    id: "crash-mid-provision",
    title:
      "the operator is killed (SIGKILL) while its provision job runs, then started again: the job is not launched twice",
    rules: ["E2", "E5"],
    restarts: true,
    async run(world: BlackBoxWorld) {
      const name = "crash-mid-provision";
      world.stage.scriptNext("provision", LONG_JOB_MS);
      world.startOperator();
      await world.create(name, 0);
      await launchedAndRecorded(world, name, "provision");
      await world.crash();
      world.startOperator();
      await ready(world, name);
    },
  },
  {
    id: "crash-mid-deprovision",
    title:
      "the operator is killed (SIGKILL) while its teardown runs, then started again: the deletion still finishes",
    rules: ["E1", "E4", "E5"],
    restarts: true,
    async run(world: BlackBoxWorld) {
      const name = "crash-mid-deprovision";
      await createReady(world, name);
      world.stage.scriptNext("deprovision", LONG_JOB_MS);
      await world.delete(name);
      await launchedAndRecorded(world, name, "deprovision");
      await world.crash();
      world.startOperator();
      await released(world, name);
    },
  },
]);
