/**
 * Time to Ready through AAP directly versus through Event-Driven Ansible, measured on the
 * simulators: N ComputeInstances are created at once, the real ProvisioningController
 * drives them (real HTTP, real watches, real client-node), and the time from each create to
 * its Ready condition is recorded. The backend runs on a {@link ScaledClock}, so minutes of
 * AAP job time pass in seconds; every figure printed is in simulated time, beside the
 * model's parameters.
 *
 * ```sh
 * npx -y pnpm@10 run latency                      # 10 resources, 100x
 * npx -y pnpm@10 run latency -- --resources 20 --speedup 200
 * ```
 *
 * It is a model, not a benchmark of AAP: what it shows is how the paths' structure (who
 * polls whom, how often, and what the rulebook waits for) turns the same job durations into
 * very different times to Ready.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { ConditionType, configVersion, type Provider } from "@provisionkit/core";
import { ProvisioningController } from "@provisionkit/core/kubernetes";
import { AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider } from "@provisionkit/provider-eda";
import {
  AapSimulator,
  EdaSimulator,
  KubernetesApiSimulator,
  ScaledClock,
  type AapJobScript,
  type KubeObject,
} from "@provisionkit/testing";
import { COMPUTE_INSTANCE, FINALIZER } from "./operator.js";
import { addDemoTemplates, DEMO_RULES } from "./story-kit.js";

// ------------------------------------------------------------------ the model

interface Model {
  resources: number;
  speedup: number;
  job: Required<Pick<AapJobScript, "pendingMs" | "waitingMs" | "runMs">>;
  /** The operator's poll interval of AAP jobs (engine `pollIntervalMs`). */
  operatorPollMs: number;
  /** The rule engine's latency from an event's receipt to its launch. */
  edaRuleLatencyMs: number;
  /** How often ansible-rulebook polls a job it launched (EDA_JOB_TEMPLATE_REFRESH_DELAY). */
  edaJobPollMs: number;
}

type Path = "aap" | "eda-parallel" | "eda-sequential";

const PATHS: { path: Path; label: string }[] = [
  { path: "aap", label: "AAP direct (AapProvider)" },
  { path: "eda-parallel", label: "EDA webhook, execution_strategy: parallel" },
  { path: "eda-sequential", label: "EDA webhook, execution_strategy: sequential" },
];

const HMAC_SECRET = "latency-model-hmac-key";
const NAMESPACE = "default";
const TIMEOUT_REAL_MS = 120_000;

function parseArgs(argv: readonly string[]): Model {
  const value = (name: string, fallback: number): number => {
    const index = argv.indexOf(`--${name}`);
    if (index === -1) return fallback;
    const parsed = Number(argv[index + 1]);
    if (!Number.isFinite(parsed) || parsed <= 0) {
      throw new Error(`--${name} needs a positive number, got ${String(argv[index + 1])}`);
    }
    return parsed;
  };
  return {
    resources: Math.round(value("resources", 10)),
    speedup: value("speedup", 100),
    job: { pendingMs: 2_000, waitingMs: 3_000, runMs: value("job-seconds", 120) * 1000 },
    operatorPollMs: 10_000,
    edaRuleLatencyMs: 1_000,
    edaJobPollMs: 10_000,
  };
}

// ------------------------------------------------------------------ one run

/** Creates `model.resources` objects at once and returns each one's time to Ready (simulated ms). */
async function measure(model: Model, path: Path): Promise<number[]> {
  const clock = new ScaledClock({ speedup: model.speedup });
  const real = (simulatedMs: number) => Math.max(1, Math.round(clock.toReal(simulatedMs)));
  const kube = new KubernetesApiSimulator({
    crds: [{ ...COMPUTE_INSTANCE, scope: "Namespaced", statusSubresource: true }],
  });
  await kube.start();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeconfig());
  const aap = new AapSimulator({ clock, defaultScript: model.job });
  addDemoTemplates(aap);
  const aapUrl = await aap.start();
  let eda: EdaSimulator | undefined;
  let provider: Provider;
  if (path === "aap") {
    provider = new AapProvider({
      client: { url: aapUrl, auth: { type: "bearer", token: "sim-token" } },
      now: () => clock.now(),
    });
  } else {
    eda = new EdaSimulator({
      aap,
      clock,
      kubernetes: kube.kubeconfig(),
      rules: [...DEMO_RULES],
      webhook: { hmac: { secret: HMAC_SECRET } },
      activation: {
        eventLatencyMs: model.edaRuleLatencyMs,
        jobPollMs: model.edaJobPollMs,
        executionStrategy: path === "eda-parallel" ? "parallel" : "sequential",
      },
      pumpIntervalMs: 2,
    });
    const { webhookUrl } = await eda.start();
    provider = new EdaProvider({
      target: { type: "webhook", url: webhookUrl },
      auth: { type: "hmac", secret: HMAC_SECRET },
      // Simulated time for the provider's own deadlines; the defaults (60 min) apply.
      now: () => clock.now(),
      pollIntervalMs: real(model.operatorPollMs),
    });
  }
  const controller = new ProvisioningController({
    kubeConfig,
    resource: { ...COMPUTE_INSTANCE, namespace: NAMESPACE },
    provider,
    finalizer: FINALIZER,
    engine: {
      pollIntervalMs: real(model.operatorPollMs),
      pendingLaunchGraceMs: real(30_000),
      provisionBackoff: { initialMs: real(30_000), maxMs: real(30 * 60_000) },
      errorBackoff: { initialMs: real(5_000), maxMs: real(5 * 60_000) },
    },
    resyncIntervalMs: 0,
  });
  await controller.start();

  const names = Array.from({ length: model.resources }, (_, i) => `vm-${i + 1}`);
  const created = new Map<string, number>();
  const ready = new Map<string, number>();
  for (const name of names) {
    const spec = { image: "rhel-9.4", cores: 2, memoryGiB: 4, name };
    kube.createObject({
      apiVersion: `${COMPUTE_INSTANCE.group}/${COMPUTE_INSTANCE.version}`,
      kind: COMPUTE_INSTANCE.kind,
      metadata: { name, namespace: NAMESPACE },
      spec,
    });
    created.set(name, clock.now());
  }
  const isReady = (object: KubeObject): boolean => {
    const status = object.status as
      | {
          conditions?: { type: string; status: string }[];
          provisioning?: { reconciledConfigVersion?: string };
        }
      | undefined;
    return (
      status?.conditions?.some((c) => c.type === ConditionType.Ready && c.status === "True") ===
        true && status.provisioning?.reconciledConfigVersion === configVersion(object.spec)
    );
  };
  const deadline = Date.now() + TIMEOUT_REAL_MS;
  while (ready.size < names.length) {
    if (Date.now() > deadline) {
      throw new Error(`${path}: only ${ready.size} of ${names.length} Ready after the time limit`);
    }
    for (const object of kube.listObjects(COMPUTE_INSTANCE, NAMESPACE)) {
      const name = object.metadata.name;
      if (!ready.has(name) && isReady(object)) ready.set(name, clock.now());
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await controller.stop();
  await eda?.stop();
  await aap.stop();
  await kube.stop();
  return names.map((name) => ready.get(name)! - created.get(name)!);
}

// ------------------------------------------------------------------ report

function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

async function main(): Promise<void> {
  const model = parseArgs(process.argv.slice(2));
  const { job } = model;
  const jobTotal = job.pendingMs + job.waitingMs + job.runMs;
  console.log(
    `Time to Ready of ${model.resources} ComputeInstances created at once, ` +
      `simulated time at ${model.speedup}x (each path on fresh simulators)\n`,
  );
  const rows: string[][] = [["path", "p50", "p95", "max"]];
  for (const { path, label } of PATHS) {
    const started = Date.now();
    console.log(`  measuring ${label}…`);
    const samples = (await measure(model, path)).sort((a, b) => a - b);
    console.log(`    done in ${((Date.now() - started) / 1000).toFixed(1)} s of real time`);
    rows.push([
      label,
      seconds(percentile(samples, 50)),
      seconds(percentile(samples, 95)),
      seconds(samples.at(-1)!),
    ]);
  }
  console.log("");
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) {
    console.log(
      `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("   ")}`,
    );
  }
  console.log(
    [
      "",
      "Model:",
      `  AAP job: pending ${seconds(job.pendingMs)} + waiting ${seconds(job.waitingMs)} + running ` +
        `${seconds(job.runMs)} = ${seconds(jobTotal)}; templates allow simultaneous jobs.`,
      `  AAP direct: the operator launches at once and polls the job every ${seconds(model.operatorPollMs)}.`,
      `  EDA: rule-engine latency ${seconds(model.edaRuleLatencyMs)}; the rulebook polls each job it ` +
        `launched every ${seconds(model.edaJobPollMs)} (EDA_JOB_TEMPLATE_REFRESH_DELAY) and, with ` +
        "execution_strategy: sequential (ansible-rulebook's default), starts the next event's action " +
        "only after that poll saw the previous job end; the playbook writes back when its job ends and " +
        "the operator sees it through its watch.",
      `  Real-time parts (HTTP, watches, reconciles) are stretched ${model.speedup}x: each real ` +
        `millisecond of overhead reads as ${model.speedup} ms here; lower --speedup for finer, slower runs.`,
    ].join("\n"),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
