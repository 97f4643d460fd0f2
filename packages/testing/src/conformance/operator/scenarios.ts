/**
 * The scenarios of the operator conformance suite.
 *
 * @module
 */
import type { RuleId } from "../types.js";
import type { StartControllerOptions } from "./controllers.js";
import { blocked, failed, provisioning, ready, released } from "./goals.js";
import { LATE_COMPLETION_SCENARIOS } from "./late-completion.js";
import { JOB_MS, LONG_JOB_MS } from "./timings.js";
import type { OperatorController } from "./types.js";
import type { OperatorWorld, ProviderAbilities } from "./world.js";

/** One scenario of the operator suite. */
export interface OperatorScenario {
  /** Stable id. */
  id: string;
  /** Human title. */
  title: string;
  /** The rules it is about (every check runs after every scenario regardless). */
  rules: RuleId[];
  /** Why the scenario cannot run with this provider (it is then skipped and reported so). */
  skip?(abilities: ProviderAbilities): string | undefined;
  /** Drive the world (controllers started by the scenario). */
  run(world: OperatorWorld): Promise<void>;
}

const NEEDS_FIND_JOB = (abilities: ProviderAbilities): string | undefined =>
  abilities.findJob
    ? undefined
    : "the provider has no findJob: a job launched just before a crash cannot be found again (E5 needs it)";

const NEEDS_PROVIDER_WITH = (abilities: ProviderAbilities): string | undefined =>
  abilities.chooseBlockDeletion
    ? undefined
    : "the backend has no providerWith, so blockDeletionOnFailure cannot be chosen";

/** How long a scenario keeps observing once its goals are reached, ms. */
export const SETTLE_MS = 3 * JOB_MS;
const NAME = "widget-1";
/** Failed jobs in a row in the failure scenarios: three retries, so the backoff can be seen to grow. */
const FAILURES = 3;

/** Start a controller and create the widget with spec A; returns the controller. */
async function startAndCreate(
  world: OperatorWorld,
  options?: StartControllerOptions,
): Promise<OperatorController> {
  const controller = await world.startController(options);
  await world.create(NAME, 0);
  return controller;
}

/** Start a controller, create the widget, and wait until it is Ready. */
async function createReady(world: OperatorWorld, options?: StartControllerOptions): Promise<void> {
  await startAndCreate(world, options);
  await ready(world, NAME);
}

/**
 * A controller crashes right after launching a job of `operation` (of a Ready widget for a
 * deprovision), before recording it; the next controller must adopt the job.
 */
function crashAfterLaunch(operation: "provision" | "deprovision", title: string): OperatorScenario {
  const deprovision = operation === "deprovision";
  return {
    id: `crash-after-${operation}-launch`,
    title,
    rules: ["E1", deprovision ? "E4" : "E2", "E5"],
    skip: NEEDS_FIND_JOB,
    async run(world: OperatorWorld) {
      world.scriptNext(operation, { durationMs: 4 * JOB_MS });
      const first = await startAndCreate(world, { crashAfter: operation });
      if (deprovision) {
        await ready(world, NAME);
        await world.delete(NAME);
      }
      await world.crashed(first, deprovision ? "E4" : "E3", `a ${operation} launch`);
      await world.startController();
      world.mark(world.key(NAME), "new controller started");
      await world.adopted(first);
      await (deprovision ? released(world, NAME) : ready(world, NAME));
    },
  };
}

/**
 * The object's first provision job (the long one) must have run to its end: not canceled,
 * not replaced, since nothing (no spec change, no deletion) asked for it to stop.
 */
function expectLongJobKept(world: OperatorWorld, name: string): void {
  const key = world.key(name);
  const [job, ...others] = world.jobs(key, "provision");
  if (!job) return;
  const timeout = world.engine.jobTimeoutMs;
  const why = `a job running ${LONG_JOB_MS} ms was given up though neither a spec change nor a deletion asked for it (the operator's jobTimeoutMs is ${timeout === undefined ? "not set" : `${timeout} ms`}: a timeout meant as seconds or minutes, written as milliseconds?)`;
  if (job.cancelRequestedAt !== undefined) {
    world.expect(
      "E3",
      `${key}: ${world.label(job)} was asked to cancel at ${world.t(job.cancelRequestedAt)}: ${why}`,
    );
  } else if (others.some((o) => o.createdAt < (job.finishedAt ?? Infinity))) {
    world.expect(
      "E3",
      `${key}: another provision was launched while ${world.label(job)} ran: ${why}`,
    );
  }
}

/** Every scenario of the operator suite, in report order. */
export const OPERATOR_SCENARIOS: readonly OperatorScenario[] = Object.freeze([
  {
    id: "create-to-ready",
    title: "a created object is provisioned and its reconciled version reported",
    rules: ["E3"],
    async run(world: OperatorWorld) {
      await createReady(world);
    },
  },
  {
    id: "spec-change",
    title: "spec A → B → A re-provisions each time and reports each version once",
    rules: ["E2", "E3"],
    async run(world: OperatorWorld) {
      await createReady(world);
      await world.setSpec(NAME, 1);
      await ready(world, NAME);
      await world.setSpec(NAME, 0);
      await ready(world, NAME);
    },
  },
  {
    id: "long-job",
    title: `a provision job of ${LONG_JOB_MS / 1000} s, longer than a job timeout written in the wrong unit, runs to its end`,
    rules: ["E3"],
    async run(world: OperatorWorld) {
      world.extendDeadline(LONG_JOB_MS);
      world.scriptNext("provision", { durationMs: LONG_JOB_MS });
      await startAndCreate(world);
      try {
        await ready(world, NAME);
      } finally {
        expectLongJobKept(world, NAME);
      }
    },
  },
  {
    id: "delete-after-ready",
    title: "deleting a ready object releases the finalizer only after the deprovision succeeded",
    rules: ["E4"],
    async run(world: OperatorWorld) {
      await createReady(world);
      await world.delete(NAME);
      await released(world, NAME);
    },
  },
  {
    id: "delete-while-provisioning",
    title: "deleting while the provision job runs: cancel (or wait), deprovision, release",
    rules: ["E1", "E4"],
    async run(world: OperatorWorld) {
      // A provider that can cancel must cancel a job that would outlast the scenario; one
      // that cannot (EDA) must wait for it to end, so its job ends within the budget.
      const canCancel = world.abilities.cancel;
      world.scriptNext("provision", { durationMs: canCancel ? 60_000 : 8 * JOB_MS });
      await startAndCreate(world);
      await provisioning(world, NAME);
      await world.delete(NAME);
      await released(world, NAME);
    },
  },
  {
    id: "restart-mid-job",
    title:
      "a controller stopped while a job runs, then a new one: the job is adopted, not relaunched",
    rules: ["E1", "E2", "E5"],
    async run(world: OperatorWorld) {
      world.scriptNext("provision", { durationMs: 4 * JOB_MS });
      const first = await startAndCreate(world);
      await provisioning(world, NAME);
      await world.stopController(first);
      world.mark(world.key(NAME), "controller stopped");
      await world.startController();
      world.mark(world.key(NAME), "new controller started");
      await ready(world, NAME);
    },
  },
  {
    id: "failed-provision-retried",
    title: "failed provisions are retried with growing backoff until one succeeds",
    rules: ["E2", "E3"],
    async run(world: OperatorWorld) {
      for (let i = 0; i < FAILURES; i++) world.scriptNext("provision", { outcome: "failed" });
      await startAndCreate(world);
      await failed(world, NAME, "provision");
      await ready(world, NAME);
    },
  },
  {
    id: "failed-deprovision-blocked",
    title:
      "a failed deprovision with blockDeletionOnFailure keeps the finalizer, says DeletionBlocked, retries with backoff",
    rules: ["E4"],
    skip: NEEDS_PROVIDER_WITH,
    async run(world: OperatorWorld) {
      for (let i = 0; i < FAILURES; i++) world.scriptNext("deprovision", { outcome: "failed" });
      await createReady(world, { blockDeletionOnFailure: true });
      await world.delete(NAME);
      await failed(world, NAME, "deprovision");
      world.expectDeclared(NAME, true);
      await blocked(world, NAME);
      await released(world, NAME);
    },
  },
  {
    id: "failed-deprovision-released",
    title: "a failed deprovision without blockDeletionOnFailure releases the finalizer",
    rules: ["E4"],
    skip: NEEDS_PROVIDER_WITH,
    async run(world: OperatorWorld) {
      world.scriptNext("deprovision", { outcome: "failed" });
      await createReady(world, { blockDeletionOnFailure: false });
      await world.delete(NAME);
      await failed(world, NAME, "deprovision");
      world.expectDeclared(NAME, false);
      await released(world, NAME);
    },
  },
  crashAfterLaunch(
    "provision",
    "a controller crashes right after launching a provision, before recording it: the next one adopts the job",
  ),
  crashAfterLaunch(
    "deprovision",
    "a controller crashes right after launching a deprovision, before recording it: the next one adopts it",
  ),
  {
    id: "two-controllers",
    title: "two controllers at once: create, change, delete without duplicates or overlaps",
    rules: ["E1", "E2"],
    async run(world: OperatorWorld) {
      await Promise.all([world.startController(), world.startController()]);
      await world.create(NAME, 0);
      await ready(world, NAME);
      await world.setSpec(NAME, 1);
      await ready(world, NAME);
      await world.delete(NAME);
      await released(world, NAME);
    },
  },
  ...LATE_COMPLETION_SCENARIOS,
]);
