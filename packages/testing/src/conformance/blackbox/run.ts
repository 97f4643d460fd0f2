/**
 * `runBlackBoxConformance`: the black-box operator suite, for an operator in any language.
 *
 * @module
 */
import { runInOrder, selectScenarios, suiteReport } from "../runner.js";
import { timelineJob } from "../timeline.js";
import type { ConformanceReport, ScenarioResult, Violation } from "../types.js";
import { checkE2, checkE5, keysOf } from "../operator/checks-ledger.js";
import { checkE3, checkE4 } from "../operator/checks-status.js";
import { GoalTimeout } from "../operator/outcomes.js";
import { advised, checkOverlaps } from "./advice.js";
import { BLACKBOX_SCENARIOS, type BlackBoxScenario } from "./scenarios.js";
import { Stage } from "./stage.js";
import type { BlackBoxConformanceOptions, BlackBoxScenarioInfo } from "./types.js";
import { BlackBoxWorld } from "./world.js";

/** How long a scenario keeps watching once its goals are reached, ms. */
const SETTLE_MS = 600;
/** Jobs drawn per timeline. */
const MAX_TIMELINE_JOBS = 40;
/** Operator output lines put into a failed scenario's error or report. */
const OUTPUT_LINES = 15;

/** The black-box scenarios: ids, titles, rules, and whether they restart the operator. */
export function blackBoxScenarios(): readonly BlackBoxScenarioInfo[] {
  return BLACKBOX_SCENARIOS.map(({ id, title, rules, restarts }) => ({
    id,
    title,
    rules: [...rules],
    restarts: restarts === true,
  }));
}

/**
 * E3's Ready condition: once nothing runs, an existing object is Ready (the status map's
 * `readyCondition` is `True`) exactly when its desired version equals its reconciled one.
 */
function checkReady(world: BlackBoxWorld, quietSince: number): Violation[] {
  const out: Violation[] = [];
  const map = world.stage.reader.map;
  for (const key of keysOf(world)) {
    const object = world.observer.object(key);
    if (!object || object.metadata.deletionTimestamp) continue;
    if (world.jobs(key).some((j) => (j.finishedAt ?? Infinity) > quietSince)) continue;
    const condition = world.stage.reader.condition(object, map.readyCondition);
    const reconciled = world.reconciled(object);
    const desired = world.desired(object);
    const same = reconciled !== undefined && reconciled === desired;
    if ((condition === "True") !== same) {
      out.push({
        rule: "E3",
        message: `E3: ${key}: at the end the ${map.readyCondition} condition is ${condition ?? "absent"}, but the desired version is ${desired} and the reconciled version is ${reconciled ?? "absent"} (Ready must be True exactly when they are equal)`,
      });
    }
  }
  return out;
}

function check(world: BlackBoxWorld, quietSince: number | undefined): Violation[] {
  return [
    ...checkOverlaps(world),
    ...checkE2(world),
    ...checkE3(world, quietSince),
    ...(quietSince === undefined ? [] : checkReady(world, quietSince)),
    ...checkE4(world),
    ...checkE5(world),
    ...world.expectations,
  ];
}

function dedupe(violations: Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((v) => !seen.has(v.message) && seen.add(v.message));
}

async function runScenario(
  scenario: BlackBoxScenario,
  options: BlackBoxConformanceOptions,
  shared: Stage | undefined,
): Promise<ScenarioResult> {
  const started = performance.now();
  const base = { id: scenario.id, title: scenario.title, rules: [...scenario.rules] };
  if (scenario.restarts && options.operator === "already-running") {
    return {
      ...base,
      status: "skipped",
      skipReason: "the operator is already running: the suite cannot kill and restart it",
      violations: [],
      durationMs: 0,
      virtualMs: 0,
      timelines: [],
    };
  }
  const stage = shared ?? (await Stage.open(options));
  let world: BlackBoxWorld;
  try {
    world = await BlackBoxWorld.open(stage, scenario.id);
  } catch (thrown) {
    if (!shared) await stage.close();
    throw thrown;
  }
  const violations: Violation[] = [];
  let error: string | undefined;
  try {
    await scenario.run(world);
    const quietSince = Date.now();
    await world.settle(SETTLE_MS);
    violations.push(...check(world, quietSince));
  } catch (thrown) {
    if (thrown instanceof GoalTimeout) {
      violations.push({ rule: thrown.rule, message: thrown.message });
      violations.push(...check(world, undefined));
    } else error = thrown instanceof Error ? thrown.message : String(thrown);
  } finally {
    try {
      await world.close();
    } finally {
      if (!shared) await stage.close();
    }
  }
  const result: ScenarioResult = {
    ...base,
    status: violations.length > 0 || error !== undefined ? "failed" : "passed",
    violations: advised(world, dedupe(violations)),
    durationMs: Math.round(performance.now() - started),
    virtualMs: Date.now() - world.start,
    timelines: keysOf(world).map((key) => ({
      resourceKey: key,
      jobs: world
        .jobs(key)
        .slice(0, MAX_TIMELINE_JOBS)
        .map((j) => timelineJob(j, world.start)),
      marks: world.marks.get(key) ?? [],
    })),
  };
  if (error !== undefined || result.status === "failed") {
    const output = world.processes.flatMap((p, i) => [
      `--- operator process ${i + 1} (pid ${p.pid ?? "?"}, ${p.exitedWith ?? "running"}) ---`,
      ...p.output.slice(-OUTPUT_LINES),
    ]);
    const tail = output.length > 0 ? `\n${output.join("\n")}` : "";
    if (error !== undefined) result.error = `${error}${tail}`;
    else if (tail) result.error = `the operator's last output:${tail}`;
  }
  return result;
}

/**
 * Run the black-box operator suite: for each scenario (or those named) it starts a
 * Kubernetes API simulator serving `options.crd` (or uses `options.kubeconfig`'s cluster)
 * and the AAP simulator with the provision and deprovision job templates, starts the
 * operator command with the environment contract (`BlackBoxEnv`: kubeconfig file, AAP URL,
 * token, template names), creates, changes and deletes objects through the Kubernetes API
 * only, kills (SIGKILL) and restarts the operator in the crash scenarios, and judges E1–E5
 * from the AAP simulator's job ledger and the objects as watched, reading the operator's own
 * status fields through `options.statusMap`. Nothing of the operator's code is known to it.
 *
 * With `operator: "already-running"`, one pair of simulators serves every scenario, handed to
 * `onEnvironment` before the first, and the crash scenarios are skipped.
 *
 * @example
 * ```ts
 * const report = await runBlackBoxConformance({
 *   crd: { group: "demo.provisionkit.io", version: "v1alpha1", plural: "computeinstances", kind: "ComputeInstance" },
 *   operator: { command: "python3", args: ["examples/python-operator/python_operator.py"] },
 *   statusMap: {
 *     finalizer: "demo.provisionkit.io/teardown",
 *     reconciledVersion: "status.reconciledConfigVersion",
 *     desiredVersion: "status.desiredConfigVersion",
 *     job: { resourceName: "resource.name", resourceNamespace: "resource.namespace", configVersion: "config_version" },
 *   },
 * });
 * ```
 */
export async function runBlackBoxConformance(
  options: BlackBoxConformanceOptions,
): Promise<ConformanceReport> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const scenarios = selectScenarios(BLACKBOX_SCENARIOS, options.scenarios, "black-box");
  const command =
    options.operator === "already-running"
      ? "already running"
      : [options.operator.command, ...(options.operator.args ?? [])].join(" ");
  const subject = options.subject ?? `black-box operator on ${options.crd.kind}: ${command}`;
  let shared: Stage | undefined;
  if (options.operator === "already-running") {
    shared = await Stage.open(options);
    await options.onEnvironment?.(shared.env);
  }
  try {
    const results = await runInOrder(scenarios, subject, options, (scenario) =>
      runScenario(scenario, options, shared),
    );
    const rules = new Set<string>([
      "E1",
      "E2",
      "E3",
      "E4",
      "E5",
      ...results.flatMap((r) => r.violations.map((v) => v.rule)),
    ]);
    return suiteReport(
      "operator",
      subject,
      { findJob: false, cancel: false },
      { startedAt, started },
      results,
      rules,
    );
  } finally {
    await shared?.close();
  }
}
