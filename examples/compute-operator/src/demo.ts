/**
 * The provisionkit demo: the ComputeInstance operator of `operator.ts`, run against an
 * embedded Kubernetes API server and an embedded AAP Controller (both simulators from
 * `@provisionkit/testing`, on loopback, in real time), through a short story told through
 * the Kubernetes API only, as kubectl would tell it:
 *
 * 1. four ComputeInstances are created (a fifth comes in step 3);
 * 2. batch-1 is deleted while its provision job still runs: cancel, wait, then tear down;
 * 3. web-1's spec changes: a new provision job applies the new config version;
 * 4. the operator is stopped while jobs run, and a new one takes over;
 * 5. cache-1 is deleted, its first teardown fails: deletion stays blocked (DeletionBlocked)
 *    until the engine's retry succeeds.
 *
 * It ends with a table per resource and one line of invariants computed from the AAP
 * simulator's job ledger and the objects the API serves; the exit code is 1 if an
 * invariant broke or the story did not reach its expected end in time.
 */
import { KubeConfig } from "@kubernetes/client-node";
import {
  ConditionType,
  configVersion,
  type EngineOptionsInput,
  type Logger,
} from "@provisionkit/core";
import type { ControllerMetrics, ProvisioningController } from "@provisionkit/core/kubernetes";
import {
  AapSimulator,
  KubernetesApiSimulator,
  type AapJobScript,
  type AapLedgerJob,
} from "@provisionkit/testing";
import { DemoConsole, type Tone } from "./console.js";
import {
  checkInvariants,
  invariantLine,
  operationOf,
  type ObservedResource,
} from "./invariants.js";
import { Kubectl } from "./kubectl.js";
import { Observer, conditionIsTrue, provisioningOf } from "./observer.js";
import {
  COMPUTE_INSTANCE,
  computeInstanceOperator,
  type ComputeInstance,
  type ComputeInstanceSpec,
} from "./operator.js";
import { summaryTable, type Milestones, type ResourceOutcome } from "./summary.js";

const CREATE = "create-compute-instance";
const DELETE = "delete-compute-instance";
const STORY_DEADLINE_MS = 60_000;
const OPERATOR_DOWNTIME_MS = 2500;

/** Engine timings for a demo: real AAP jobs take minutes, these take seconds. */
const ENGINE: EngineOptionsInput = {
  pollIntervalMs: 500,
  provisionBackoff: { initialMs: 1000, maxMs: 2000 },
  deprovisionBackoff: { initialMs: 1500, maxMs: 3000 },
  errorBackoff: { initialMs: 500, maxMs: 2000 },
  pendingLaunchGraceMs: 2000,
};

const startedAt = Date.now();
const milestones: Milestones = { startedAt };
const out = new DemoConsole(process.stdout, startedAt);
process.on("exit", () => out.close()); // the cursor comes back whatever happens
process.on("SIGINT", () => process.exit(130));

// ------------------------------------------------------------------ the world

const kube = new KubernetesApiSimulator({
  crds: [{ ...COMPUTE_INSTANCE, scope: "Namespaced", statusSubresource: true }],
  coreEvents: true,
});
await kube.start();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromString(kube.kubeconfig());

const aap = new AapSimulator({
  defaultScript: { pendingMs: 300, waitingMs: 300, runMs: 2500, cancelDelayMs: 1000 },
});
aap.addJobTemplate({ name: CREATE, allowSimultaneous: true });
aap.addJobTemplate({ name: DELETE, allowSimultaneous: true });
const aapUrl = await aap.start();

const kubectl = new Kubectl(kubeConfig);
const observer = new Observer(kubectl, out);

// ------------------------------------------------------------------ the operator's hooks

/** A pino-shaped logger that prints into the demo's log. */
const logger: Logger = {
  debug: () => {},
  info: (fields, message) => operatorLog("dim", fields, message),
  warn: (fields, message) => operatorLog("busy", fields, message),
  error: (fields, message) => operatorLog("bad", fields, message),
};
/** Lines the operator's events already say. */
const QUIET = [/^launched AAP /, /^AAP job launched/];
const printed = new Set<string>();
function operatorLog(tone: Tone, fields: Record<string, unknown>, message: string): void {
  if (QUIET.some((pattern) => pattern.test(message))) return;
  const key = typeof fields.key === "string" ? fields.key : undefined;
  const details = Object.entries(fields)
    .filter(
      ([name, value]) => name !== "key" && ["string", "number", "boolean"].includes(typeof value),
    )
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(" ");
  const subject = key ? (key.split("/").pop() ?? key) : "operator";
  const text = `log: ${message}${details ? ` (${details})` : ""}`;
  if (printed.has(`${subject} ${text}`) && tone === "dim") return; // a repeated cancel request, say
  printed.add(`${subject} ${text}`);
  out.event(subject, text, tone);
}

const counters = { launched: 0, finished: 0, reconciles: 0, conflicts: 0 };
const readyMs: number[] = [];
const deletionMs: number[] = [];
const metrics: ControllerMetrics = {
  jobLaunched: () => void counters.launched++,
  jobFinished: () => void counters.finished++,
  timeToReady: (_labels, ms) => void readyMs.push(ms),
  deletionCompleted: (ms) => void deletionMs.push(ms),
  reconciled: ({ outcome }) => {
    counters.reconciles++;
    if (outcome === "conflict") counters.conflicts++;
  },
};

let instances = 0;
async function startOperator(): Promise<ProvisioningController<ComputeInstance>> {
  instances += 1;
  const operator = computeInstanceOperator({
    kubeConfig,
    aap: { url: aapUrl, token: "sim-token" },
    logger,
    metrics,
    engine: ENGINE,
  });
  await operator.start();
  observer.operatorState = `running (instance #${instances})`;
  return operator;
}

// ------------------------------------------------------------------ story helpers

class StoryTimeout extends Error {}
const storyDeadline = startedAt + STORY_DEADLINE_MS;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Math.min(Date.now() + timeoutMs, storyDeadline);
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new StoryTimeout(`${what}: not reached by ${out.clock().trim()}`);
    }
    await sleep(100);
  }
}

const specs = new Map<string, ComputeInstanceSpec>();
const jobsOf = (name: string): AapLedgerJob[] =>
  aap.ledger().filter((job) => job.resourceKey === `${kubectl.namespace}/${name}`);
const describeSpec = (spec: ComputeInstanceSpec) =>
  `image=${spec.image} cores=${spec.cores} memoryGiB=${spec.memoryGiB}`;
const describeScript = (script: AapJobScript) =>
  `${script.outcome ?? "successful"} after ${((script.runMs ?? 2500) / 1000).toFixed(1)}s of running`;

async function isReady(name: string): Promise<boolean> {
  const object = await kubectl.get(name);
  const spec = specs.get(name);
  return (
    conditionIsTrue(object, ConditionType.Ready) &&
    spec !== undefined &&
    provisioningOf(object)?.reconciledConfigVersion === configVersion(spec)
  );
}
const isGone = async (name: string) => (await kubectl.get(name)) === undefined;

/** kubectl create, with the AAP outcome of its provision job scripted first. */
async function create(name: string, spec: ComputeInstanceSpec, script: AapJobScript) {
  aap.scriptNext(CREATE, script);
  specs.set(name, spec);
  observer.track(name);
  out.event(
    name,
    `$ kubectl create  ${describeSpec(spec)}   [AAP: ${describeScript(script)}]`,
    "user",
  );
  await kubectl.create(name, spec);
  await until(`${name}'s provision job is launched`, () => jobsOf(name).length > 0);
}

// ------------------------------------------------------------------ the story

let operator = await startOperator();
observer.start();
let blockedSeen = false;
let storyFailure: string | undefined;

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
  specs.set("web-1", { image: "rhel-9.4", cores: 4, memoryGiB: 4 });
  out.event("web-1", '$ kubectl patch --type merge -p \'{"spec":{"cores":4}}\'', "user");
  await kubectl.patchSpec("web-1", { cores: 4 });
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
  milestones.restart = { stoppedAt: Date.now(), startedAt: Number.NaN };
  observer.operatorState = "DOWN (jobs go on in AAP)";
  await sleep(OPERATOR_DOWNTIME_MS);
  out.event("operator", "a new operator process starts; it knows only what the API serves", "user");
  operator = await startOperator();
  milestones.restart.startedAt = Date.now();
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
  storyFailure =
    error instanceof StoryTimeout ? error.message : `the story failed: ${String(error)}`;
}

// ------------------------------------------------------------------ the verdict

await observer.stop();
await operator.stop();
const storyEnd = Date.now();
const names = [...specs.keys()];
const finals = new Map<string, ComputeInstance | undefined>();
for (const name of names) finals.set(name, await kubectl.get(name));
const ledger = aap.ledger();
await kube.stop();
await aap.stop();

const observed: ObservedResource[] = names.map((name) => {
  const object = finals.get(name);
  const status = provisioningOf(object);
  const resource: ObservedResource = {
    key: `${kubectl.namespace}/${name}`,
    exists: object !== undefined,
    deleting: Boolean(object?.metadata.deletionTimestamp),
    ready: conditionIsTrue(object, ConditionType.Ready),
  };
  if (status?.desiredConfigVersion) resource.desiredConfigVersion = status.desiredConfigVersion;
  if (status?.reconciledConfigVersion) {
    resource.reconciledConfigVersion = status.reconciledConfigVersion;
  }
  return resource;
});
const report = checkInvariants(ledger, observed);

/** Where the story must end: the jobs AAP ran for each resource, and its final state. */
const EXPECTED: Record<string, { final: "Ready" | "deleted"; jobs: string[] }> = {
  "web-1": { final: "Ready", jobs: ["provision successful", "provision successful"] },
  "db-1": { final: "Ready", jobs: ["provision successful"] },
  "cache-1": {
    final: "deleted",
    jobs: ["provision successful", "deprovision failed", "deprovision successful"],
  },
  "batch-1": { final: "deleted", jobs: ["provision canceled", "deprovision successful"] },
  "queue-1": { final: "Ready", jobs: ["provision successful"] },
};
const storyProblems: string[] = storyFailure ? [storyFailure] : [];
for (const [name, expected] of Object.entries(EXPECTED)) {
  const jobs = ledger
    .filter((job) => job.resourceKey === `${kubectl.namespace}/${name}`)
    .map((job) => `${operationOf(job) ?? "?"} ${job.status}`);
  if (jobs.join(", ") !== expected.jobs.join(", ")) {
    storyProblems.push(
      `${name}: AAP ran [${jobs.join(", ")}], expected [${expected.jobs.join(", ")}]`,
    );
  }
  const object = finals.get(name);
  const spec = specs.get(name);
  if (expected.final === "deleted" && object) storyProblems.push(`${name} was not deleted`);
  if (expected.final === "Ready") {
    const reconciled = provisioningOf(object)?.reconciledConfigVersion;
    if (
      !conditionIsTrue(object, ConditionType.Ready) ||
      !spec ||
      reconciled !== configVersion(spec)
    ) {
      storyProblems.push(`${name} is not Ready with the config version of its last spec`);
    }
  }
}
if (!blockedSeen) storyProblems.push("cache-1 never showed the DeletionBlocked condition");

const outcomes: ResourceOutcome[] = names.map((name) => ({
  name,
  object: finals.get(name),
  jobs: ledger
    .filter((job) => job.resourceKey === `${kubectl.namespace}/${name}`)
    .sort((a, b) => a.createdAt - b.createdAt),
}));
const average = (values: number[]) =>
  values.length === 0
    ? "-"
    : `${(values.reduce((a, b) => a + b, 0) / values.length / 1000).toFixed(1)}s`;

out.close();
out.print([
  "",
  out.paint({
    text: "Summary: jobs from the AAP simulator's ledger, final state from the Kubernetes API",
    tone: "bold",
  }),
  "",
  ...summaryTable(outcomes, milestones, out.paint).map((line) => `  ${line}`),
  "",
  `Operator metrics (from its hooks): ${counters.launched} jobs launched, ${counters.finished} seen ` +
    `to finish; Ready ${average(readyMs)} after creation or a spec change on average ` +
    `(${readyMs.length} times); deletion done ${average(deletionMs)} after kubectl delete on ` +
    `average (${deletionMs.length} times); ${counters.reconciles} reconciles, ` +
    `${counters.conflicts} conflicts (409) retried.`,
  storyProblems.length === 0
    ? out.paint({
        text:
          `Story: every resource reached its expected end in ${((storyEnd - startedAt) / 1000).toFixed(1)}s, ` +
          `with exactly the jobs expected (none lost or launched twice across the operator restart).`,
        tone: "good",
      })
    : out.paint({ text: `STORY INCOMPLETE: ${storyProblems.join("; ")}`, tone: "bad" }),
  out.paint({ text: invariantLine(report), tone: report.problems.length === 0 ? "good" : "bad" }),
]);

const code = storyProblems.length === 0 && report.problems.length === 0 ? 0 : 1;
process.exitCode = code;
// Nothing should be left running; if a socket lingers, do not hang the README command.
setTimeout(() => process.exit(code), 2000).unref();
