/**
 * The EDA story (`--eda`): the operator of `operator-eda.ts` sends HMAC-signed events to a
 * rulebook activation's webhook (the EDA simulator), whose rules launch
 * `create-compute-instance` / `delete-compute-instance` on the AAP simulator, and whose
 * playbooks write the outcome back onto the ComputeInstance through the Kubernetes API.
 *
 * 1. three ComputeInstances are created; each playbook writes back the finalizer
 *    `provisionkit.io/aap` and the applied-version annotation, and the operator sees Ready;
 * 2. batch-1 is deleted while its provision job runs: EDA cannot cancel, so the provider
 *    answers `waiting`, and the delete event goes only once the playbook wrote back (the
 *    applied version, without the finalizer: an object being deleted takes no new one);
 * 3. web-1's spec changes: a new event, the new version applied;
 * 4. the activation restarts while api-1's create event is still queued: the event is lost,
 *    the provider's provision timeout turns it into a Failed job, the engine sends it again;
 * 5. queue-1's first provision playbook fails: the failure annotation fails the job at once,
 *    and the retry succeeds.
 */
import {
  ANNOTATION_APPLIED_CONFIG_VERSION,
  ANNOTATION_OPERATION,
  ANNOTATION_PLAYBOOK_FAILURE,
  FINALIZER_AAP,
} from "@provisionkit/provider-eda";
import { EdaSimulator, type AapJobScript, type AapLaunchContext } from "@provisionkit/testing";
import { createWorld, storyFailure } from "./demo-world.js";
import { edaSummaryTable, eventFates, eventsOf } from "./eda-summary.js";
import { EdaWatch } from "./eda-watch.js";
import type { Expectation } from "./expectations.js";
import { operationOf } from "./invariants.js";
import { provisioningOf, shortVersion } from "./observer.js";
import { computeInstanceEdaOperator, type EdaProviderOverrides } from "./operator-eda.js";
import type { ComputeInstance, ComputeInstanceSpec } from "./operator.js";
import {
  DEMO_RULES,
  describeScript,
  operatorInstances,
  startDemoAap,
  type OperatorInstance,
} from "./story-kit.js";
import { finish, type BackendTruth } from "./verdict.js";

/** The secret the rulebook's webhook source checks the signatures with (`hmac_secret`). */
const HMAC_SECRET = "demo-webhook-hmac-secret";
/** Each event waits this long in the activation's queue before its rule runs. */
const EVENT_LATENCY_MS = 1000;
/** How long the activation is `starting` (the webhook answers 503) after a (re)start. */
const ACTIVATION_STARTUP_MS = 1000;
const PROVISION_TIMEOUT_MS = 8000;

/** Provider timings for a demo (the defaults: 60 and 30 min, 15 s, 10 s). */
const PROVIDER: EdaProviderOverrides = {
  provisionTimeoutMs: PROVISION_TIMEOUT_MS,
  deprovisionTimeoutMs: PROVISION_TIMEOUT_MS,
  // Half the demo's smallest retry backoff, as the default is half the engine's default.
  minEventIntervalMs: 500,
  pollIntervalMs: 500,
};

/** Where the story must end: the events EDA received, the jobs AAP ran, the final state. */
const EXPECTED: Record<string, Expectation> = {
  "web-1": {
    final: "Ready",
    events: ["provision launched", "provision launched"],
    jobs: ["provision successful", "provision successful"],
  },
  "db-1": { final: "Ready", events: ["provision launched"], jobs: ["provision successful"] },
  "batch-1": {
    final: "deleted",
    events: ["provision launched", "deprovision launched"],
    jobs: ["provision successful", "deprovision successful"],
  },
  "api-1": {
    final: "Ready",
    events: ["provision lost", "provision launched"],
    jobs: ["provision successful"],
  },
  "queue-1": {
    final: "Ready",
    events: ["provision launched", "provision launched"],
    jobs: ["provision failed", "provision successful"],
  },
};

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;

/** Runs the EDA story to its verdict. */
export async function runEdaStory(): Promise<void> {
  const world = await createWorld({
    // Lines the operator's events already say.
    quiet: [/^EDA queued the /],
    observer: {
      annotations: [ANNOTATION_APPLIED_CONFIG_VERSION, ANNOTATION_PLAYBOOK_FAILURE],
      finalizers: [FINALIZER_AAP],
      column: {
        title: "APPLIED-CONFIG-VERSION",
        cell: (object) => ({
          text: shortVersion(
            object.metadata.annotations?.[ANNOTATION_APPLIED_CONFIG_VERSION] ?? "-",
          ),
        }),
      },
    },
  });
  const { out, kubectl, observer, until, isReady, isGone, keyOf } = world;

  // What each playbook run does, per resource and operation, in launch order.
  const plans = new Map<string, AapJobScript[]>();
  const plan = (name: string, operation: string, script: AapJobScript) =>
    plans.set(`${name} ${operation}`, [...(plans.get(`${name} ${operation}`) ?? []), script]);
  const scriptFor = (launch: AapLaunchContext): AapJobScript => {
    const payload = asRecord(asRecord(asRecord(launch.extraVars.ansible_eda)?.event)?.payload);
    const metadata = asRecord(payload?.metadata);
    const operation = asRecord(metadata?.annotations)?.[ANNOTATION_OPERATION];
    return plans.get(`${String(metadata?.name)} ${String(operation)}`)?.shift() ?? {};
  };

  const { aap, jobsOf } = await startDemoAap(world, { script: scriptFor });
  const eda = new EdaSimulator({
    aap,
    kubernetes: world.kube.kubeconfig(),
    rules: [...DEMO_RULES],
    webhook: { hmac: { secret: HMAC_SECRET } },
    activation: {
      startupMs: ACTIVATION_STARTUP_MS,
      eventLatencyMs: EVENT_LATENCY_MS,
      jobPollMs: 500,
      // As rulebooks that provision should (ansible-rulebook's default is sequential).
      executionStrategy: "parallel",
    },
  });
  const { webhookUrl } = await eda.start();
  const watch = new EdaWatch(eda, out, observer);

  const startOperator = operatorInstances(
    world,
    () =>
      computeInstanceEdaOperator({
        kubeConfig: world.kubeConfig,
        eda: { url: webhookUrl, hmacSecret: HMAC_SECRET },
        logger: world.logger,
        metrics: world.metrics,
        tracer: world.recorder,
        engine: world.engine,
        provider: PROVIDER,
      }),
    (state) => (watch.operatorState = state),
  );
  const eventsFor = (name: string) => eventsOf(eda.events(), keyOf(name));

  /** kubectl create, with the outcome of its provision playbook planned first. */
  async function create(name: string, spec: ComputeInstanceSpec, script: AapJobScript = {}) {
    plan(name, "provision", script);
    await world.userCreates(name, spec, `playbook: ${describeScript(script)}`);
    await until(`EDA received ${name}'s provision event`, () => eventsFor(name).length > 0);
  }

  let operator: OperatorInstance | undefined;
  let failure: string | undefined;
  try {
    operator = await startOperator();
    observer.start();
    watch.start();
    await until("the EDA activation is running", () => eda.activationStatus === "running");

    out.heading(
      "1. Three ComputeInstances are created; each event goes to the rulebook's webhook " +
        "(HMAC-signed), its rule launches create-compute-instance, the playbook writes back",
    );
    await create("web-1", { image: "rhel-9.4", cores: 2, memoryGiB: 4 }, { runMs: 2500 });
    await create("db-1", { image: "rhel-9.4", cores: 4, memoryGiB: 16 }, { runMs: 3000 });
    await create("batch-1", { image: "rhel-9.4", cores: 8, memoryGiB: 32 }, { runMs: 4000 });

    out.heading(
      "2. batch-1 is deleted while its provision job runs: EDA cannot cancel, so the provider " +
        "answers waiting, and the delete event goes once the playbook wrote back",
    );
    await until(
      "batch-1's provision job is running",
      () => jobsOf("batch-1")[0]?.status === "running",
    );
    plan("batch-1", "deprovision", { runMs: 2000 });
    out.event("batch-1", "$ kubectl delete   [its provision job is still running]", "user");
    world.milestones.deletedAt = { "batch-1": Date.now() };
    await kubectl.delete("batch-1");
    await until("the provider answers waiting for batch-1", () =>
      observer.reasonsSeen("batch-1").has("DeprovisionWaiting"),
    );

    out.heading("3. web-1's spec changes (cores 2 → 4): a new event, the new version applied");
    await until("web-1 is Ready", () => isReady("web-1"));
    plan("web-1", "provision", { runMs: 2500 });
    await world.userPatchesSpec("web-1", { cores: 4 });
    await until("web-1 is Ready with cores=4", () => isReady("web-1"));
    await until("batch-1 is deleted", () => isGone("batch-1"));

    out.heading(
      "4. The activation restarts while api-1's create event is queued: the event is lost, " +
        `the provider's ${PROVISION_TIMEOUT_MS / 1000} s provision timeout fails the job, the engine sends it again`,
    );
    await create("api-1", { image: "rhel-9.4", cores: 2, memoryGiB: 8 });
    await until("api-1's event is queued", () => eventsFor("api-1")[0]?.fate === "queued");
    out.event("eda", "the rulebook activation restarts (an upgrade, a pod eviction…)", "user");
    eda.restartActivation();
    await until("the EDA activation is running again", () => eda.activationStatus === "running");

    out.heading(
      "5. queue-1 is created and its first provision playbook fails: the failure annotation " +
        "fails the job at once, the retry succeeds",
    );
    await create(
      "queue-1",
      { image: "fedora-40", cores: 2, memoryGiB: 4 },
      { runMs: 1500, outcome: "failed", jobExplanation: "no capacity left in zone eu-1a" },
    );
    plan("queue-1", "provision", { runMs: 1500 });
    await until("queue-1 is Ready", () => isReady("queue-1"));
    await until("api-1 is Ready", () => isReady("api-1"));
    await until("db-1 is Ready", () => isReady("db-1"));
  } catch (error) {
    failure = storyFailure(error);
  }

  watch.stop();
  await finish(world, {
    failure,
    operator,
    explain: "web-1",
    shutdown: async () => {
      const truth: BackendTruth = {
        ledger: aap.ledger(),
        events: eda.events(),
        effects: eda.effects(),
      };
      await eda.stop();
      await aap.stop();
      return truth;
    },
    expected: EXPECTED,
    eventsOf: (truth, key) => eventFates(truth.events ?? [], key),
    checks: (finals, truth) => storyChecks(finals, truth, observer.reasonsSeen("batch-1")),
    title:
      "Summary: events from the EDA simulator's log, the jobs their rules launched from the AAP " +
      "simulator's ledger, final state from the Kubernetes API",
    table: (outcomes, truth) =>
      edaSummaryTable(
        {
          outcomes: outcomes.map((o) => ({ ...o, key: keyOf(o.name) })),
          events: truth.events ?? [],
          effects: truth.effects ?? [],
          milestones: world.milestones,
        },
        out.paint,
      ),
    success:
      "with exactly the events and jobs expected (the lost event failed by the provider's " +
      "timeout and sent again, the failed playbook retried, no delete event fired into a running job).",
  });

  /** What the story shows beyond the expected jobs and events. */
  function storyChecks(
    finals: ReadonlyMap<string, ComputeInstance | undefined>,
    truth: BackendTruth,
    batchReasons: ReadonlySet<string>,
  ): string[] {
    const problems: string[] = [];
    if (!batchReasons.has("DeprovisionWaiting")) {
      problems.push("batch-1: the provider never answered waiting while its provision job ran");
    }
    const batch = truth.ledger.filter((job) => job.resourceKey === keyOf("batch-1"));
    const provision = batch.filter((job) => operationOf(job) === "provision").at(-1);
    const deleteEvent = eventsOf(truth.events ?? [], keyOf("batch-1")).find(
      (e) => e.operation === "deprovision",
    );
    if (
      provision?.finishedAt !== undefined &&
      deleteEvent !== undefined &&
      deleteEvent.receivedAt < provision.finishedAt
    ) {
      problems.push("batch-1: the delete event was sent while its provision job still ran");
    }
    const records = (name: string) =>
      provisioningOf(finals.get(name))?.jobs.filter((job) => job.type === "provision") ?? [];
    if (!records("api-1").some((job) => job.state === "Failed" && /timed out/.test(job.message))) {
      problems.push("api-1: no provision job was failed by the provider's timeout");
    }
    const failed = records("queue-1").find(
      (job) => job.state === "Failed" && /playbook reported a failure/.test(job.message),
    );
    if (!failed) {
      problems.push("queue-1: no provision job was failed by the playbook's failure annotation");
    } else if (
      failed.finishedAt &&
      Date.parse(failed.finishedAt) - Date.parse(failed.launchedAt) >= PROVISION_TIMEOUT_MS
    ) {
      problems.push("queue-1: the failed playbook was only noticed at the provision timeout");
    }
    return problems;
  }
}
