/**
 * The AAP story (the README's demo): the operator of `operator.ts` against the AAP
 * simulator, launching `create-compute-instance` / `delete-compute-instance` directly.
 *
 * 1. four ComputeInstances are created (a fifth comes in step 3);
 * 2. batch-1 is deleted while its provision job still runs: cancel, wait, then tear down;
 * 3. web-1's spec changes: a new provision job applies the new config version;
 * 4. the operator is stopped while jobs run, and a new one takes over;
 * 5. cache-1 is deleted, its first teardown fails: deletion stays blocked (DeletionBlocked)
 *    until the engine's retry succeeds.
 */
import { ConditionType } from "@provisionkit/core";
import type { AapJobScript } from "@provisionkit/testing";
import { createWorld, sleep, storyFailure } from "./demo-world.js";
import type { Expectation } from "./expectations.js";
import { operationOf } from "./invariants.js";
import { conditionIsTrue } from "./observer.js";
import { computeInstanceOperator, type ComputeInstanceSpec } from "./operator.js";
import { CREATE, DELETE, describeScript, operatorInstances, startDemoAap } from "./story-kit.js";
import { summaryTable } from "./summary.js";
import { finish } from "./verdict.js";

const OPERATOR_DOWNTIME_MS = 2500;

/** Where the story must end: the jobs AAP ran for each resource, and its final state. */
const EXPECTED: Record<string, Expectation> = {
  "web-1": { final: "Ready", jobs: ["provision successful", "provision successful"] },
  "db-1": { final: "Ready", jobs: ["provision successful"] },
  "cache-1": {
    final: "deleted",
    jobs: ["provision successful", "deprovision failed", "deprovision successful"],
  },
  "batch-1": { final: "deleted", jobs: ["provision canceled", "deprovision successful"] },
  "queue-1": { final: "Ready", jobs: ["provision successful"] },
};

/** Runs the AAP story to its verdict. */
export async function runAapStory(): Promise<void> {
  const world = await createWorld({
    // Lines the operator's events already say.
    quiet: [/^launched AAP /, /^AAP job launched/],
  });
  const { out, kubectl, observer, until, isReady, isGone } = world;

  const { aap, jobsOf } = await startDemoAap(world, { cancelDelayMs: 1000 });
  const startOperator = operatorInstances(
    world,
    () =>
      computeInstanceOperator({
        kubeConfig: world.kubeConfig,
        aap: { url: aap.url, token: "sim-token" },
        logger: world.logger,
        metrics: world.metrics,
        tracer: world.recorder,
        engine: world.engine,
      }),
    (state) => (observer.operatorState = state),
  );

  /** kubectl create, with the AAP outcome of its provision job scripted first. */
  async function create(name: string, spec: ComputeInstanceSpec, script: AapJobScript) {
    aap.scriptNext(CREATE, script);
    await world.userCreates(name, spec, `AAP: ${describeScript(script)}`);
    await until(`${name}'s provision job is launched`, () => jobsOf(name).length > 0);
  }

  let operator = await startOperator();
  observer.start();
  let blockedSeen = false;
  let failure: string | undefined;

  try {
    out.heading(
      "1. Four ComputeInstances are created; AAP provisions each with create-compute-instance",
    );
    await create("web-1", { image: "rhel-9.4", cores: 2, memoryGiB: 4 }, { runMs: 3000 });
    await create("db-1", { image: "rhel-9.4", cores: 4, memoryGiB: 16 }, { runMs: 3500 });
    await create("cache-1", { image: "fedora-40", cores: 1, memoryGiB: 2 }, { runMs: 2000 });
    await create(
      "batch-1",
      { image: "rhel-9.4", cores: 8, memoryGiB: 32 },
      { runMs: 30_000, cancelDelayMs: 1500 },
    );

    out.heading(
      "2. batch-1 is deleted while its 30 s provision job runs: cancel, wait, then tear down",
    );
    await until(
      "batch-1's provision job is running",
      () => jobsOf("batch-1")[0]?.status === "running",
    );
    aap.scriptNext(DELETE, { runMs: 2000 });
    out.event("batch-1", "$ kubectl delete   [its provision job is still running]", "user");
    await kubectl.delete("batch-1");
    await until("batch-1's teardown is launched", () =>
      jobsOf("batch-1").some((job) => operationOf(job) === "deprovision"),
    );

    out.heading(
      "3. web-1's spec changes (cores 2 → 4): a new provision job applies it; queue-1 is created",
    );
    await until("web-1 is Ready", () => isReady("web-1"));
    aap.scriptNext(CREATE, { runMs: 5000 });
    await world.userPatchesSpec("web-1", { cores: 4 });
    await until("web-1's second provision job is launched", () => jobsOf("web-1").length === 2);
    await create("queue-1", { image: "fedora-40", cores: 2, memoryGiB: 4 }, { runMs: 1500 });

    out.heading("4. The operator restarts while web-1's and queue-1's jobs run in AAP");
    await until(
      "queue-1's provision job is running",
      () => jobsOf("queue-1")[0]?.status === "running",
    );
    observer.operatorState = "stopping";
    out.event("operator", "stopping (a rollout, a crash, a node drain…)", "user");
    await operator.stop();
    world.milestones.restart = { stoppedAt: Date.now(), startedAt: Number.NaN };
    observer.operatorState = "DOWN (jobs go on in AAP)";
    await sleep(OPERATOR_DOWNTIME_MS);
    out.event(
      "operator",
      "a new operator process starts; it knows only what the API serves",
      "user",
    );
    operator = await startOperator();
    world.milestones.restart.startedAt = Date.now();
    await until("queue-1 is Ready", () => isReady("queue-1"));

    out.heading(
      "5. cache-1 is deleted; its first teardown fails, so deletion stays blocked until a retry",
    );
    aap.scriptNext(DELETE, {
      runMs: 1500,
      outcome: "failed",
      jobExplanation: "volume vol-cache-1 is still attached",
    });
    out.event("cache-1", "$ kubectl delete   [AAP: the first teardown fails]", "user");
    await kubectl.delete("cache-1");
    await until("cache-1 shows DeletionBlocked", async () => {
      blockedSeen = conditionIsTrue(await kubectl.get("cache-1"), ConditionType.DeletionBlocked);
      return blockedSeen;
    });
    await until("cache-1 is deleted", () => isGone("cache-1"));

    await until("web-1 is Ready with cores=4", () => isReady("web-1"));
    await until("db-1 is Ready", () => isReady("db-1"));
    await until("batch-1 is deleted", () => isGone("batch-1"));
  } catch (error) {
    failure = storyFailure(error);
  }

  await finish(world, {
    failure,
    operator,
    shutdown: async () => {
      const ledger = aap.ledger();
      await aap.stop();
      return { ledger };
    },
    explain: "web-1",
    jobIdOf: (job) => `${job.kind}:${job.id}`,
    expected: EXPECTED,
    checks: () => (blockedSeen ? [] : ["cache-1 never showed the DeletionBlocked condition"]),
    title: "Summary: jobs from the AAP simulator's ledger, final state from the Kubernetes API",
    table: (outcomes) => summaryTable(outcomes, world.milestones, out.paint),
    success:
      "with exactly the jobs expected (none lost or launched twice across the operator restart).",
  });
}
