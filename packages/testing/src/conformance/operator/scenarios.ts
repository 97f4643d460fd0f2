/**
 * The scenarios of the operator conformance suite.
 *
 * @module
 */
import type { RuleId } from "../types.js";
import { gone, provisioning, ready } from "./goals.js";
import { JOB_MS, type OperatorWorld } from "./world.js";

/** One scenario of the operator suite. */
export interface OperatorScenario {
  /** Stable id. */
  id: string;
  /** Human title. */
  title: string;
  /** The rules it is about (every check runs after every scenario regardless). */
  rules: RuleId[];
  /** Drive the world (controllers started by the scenario). */
  run(world: OperatorWorld): Promise<void>;
}

/** How long a scenario keeps observing once its goals are reached, ms. */
export const SETTLE_MS = 3 * JOB_MS;
const NAME = "widget-1";

/** Every scenario of the operator suite, in report order. */
export const OPERATOR_SCENARIOS: readonly OperatorScenario[] = Object.freeze([
  {
    id: "create-to-ready",
    title: "a created object is provisioned and its reconciled version reported",
    rules: ["E3"],
    async run(world: OperatorWorld) {
      await world.startController();
      world.create(NAME, 0);
      await ready(world, NAME);
    },
  },
  {
    id: "spec-change",
    title: "spec A → B → A re-provisions each time and reports each version once",
    rules: ["E2", "E3"],
    async run(world: OperatorWorld) {
      await world.startController();
      world.create(NAME, 0);
      await ready(world, NAME);
      world.setSpec(NAME, 1);
      await ready(world, NAME);
      world.setSpec(NAME, 0);
      await ready(world, NAME);
    },
  },
  {
    id: "delete-after-ready",
    title: "deleting a ready object releases the finalizer only after the deprovision succeeded",
    rules: ["E4"],
    async run(world: OperatorWorld) {
      await world.startController();
      world.create(NAME, 0);
      await ready(world, NAME);
      world.delete(NAME);
      await gone(world, NAME);
    },
  },
  {
    id: "delete-while-provisioning",
    title: "deleting while the provision job runs: cancel (or wait), deprovision, release",
    rules: ["E1", "E4"],
    async run(world: OperatorWorld) {
      // A provider that can cancel must cancel a job that would outlast the scenario; one
      // that cannot (EDA) must wait for it to end, so its job ends within the budget.
      const canCancel = typeof world.backend.provider().cancelJob === "function";
      world.scriptNext("provision", { durationMs: canCancel ? 60_000 : 8 * JOB_MS });
      await world.startController();
      world.create(NAME, 0);
      await provisioning(world, NAME);
      world.delete(NAME);
      await gone(world, NAME);
    },
  },
  {
    id: "restart-mid-job",
    title:
      "a controller stopped while a job runs, then a new one: the job is adopted, not relaunched",
    rules: ["E1", "E2", "E5"],
    async run(world: OperatorWorld) {
      world.scriptNext("provision", { durationMs: 4 * JOB_MS });
      const first = await world.startController();
      world.create(NAME, 0);
      await provisioning(world, NAME);
      await world.stopController(first);
      world.mark(world.key(NAME), "controller stopped");
      await world.startController();
      world.mark(world.key(NAME), "new controller started");
      await ready(world, NAME);
    },
  },
  {
    id: "two-controllers",
    title: "two controllers at once: create, change, delete without duplicates or overlaps",
    rules: ["E1", "E2"],
    async run(world: OperatorWorld) {
      await Promise.all([world.startController(), world.startController()]);
      world.create(NAME, 0);
      await ready(world, NAME);
      world.setSpec(NAME, 1);
      await ready(world, NAME);
      world.delete(NAME);
      await gone(world, NAME);
    },
  },
]);
