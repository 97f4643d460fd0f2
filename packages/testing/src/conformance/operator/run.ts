/**
 * `runOperatorConformance`: the operator conformance suite, run programmatically.
 *
 * @module
 */
import { runInOrder, selectScenarios, suiteReport } from "../runner.js";
import { timelineJob } from "../timeline.js";
import type {
  ConformanceReport,
  ResourceTimeline,
  RuleId,
  ScenarioResult,
  Violation,
} from "../types.js";
import { checkDeprovisionRetries, checkProvisionRetries } from "./checks-backoff.js";
import { checkHandovers } from "./checks-handover.js";
import { checkE1, checkE2, checkE5, keysOf } from "./checks-ledger.js";
import { checkE3, checkE4 } from "./checks-status.js";
import { OPERATOR_SCENARIOS, SETTLE_MS, type OperatorScenario } from "./scenarios.js";
import { checkSoakOptions, soakOptions, soakScenario, type SoakRun } from "./soak.js";
import type { OperatorConformanceOptions, OperatorSoakFigures } from "./types.js";
import { CallLate, GoalTimeout, ScenarioSkipped } from "./outcomes.js";
import { OperatorWorld, type ProviderAbilities } from "./world.js";

/** The rules the operator suite checks after every scenario. */
const CHECKED_IN_EVERY_SCENARIO: readonly RuleId[] = ["E1", "E2", "E3", "E4", "E5", "L1"];

/**
 * The rows of an operator report's rule table: the rules checked after every scenario, every
 * rule a scenario of the suite is about (P6 for the late-completion scenarios), and any rule a
 * violation names, so that no failure goes without its row.
 */
export function operatorRuleIds(results: readonly ScenarioResult[]): ReadonlySet<string> {
  return new Set<string>([
    ...CHECKED_IN_EVERY_SCENARIO,
    ...OPERATOR_SCENARIOS.flatMap((scenario) => scenario.rules),
    ...results.flatMap((result) => [...result.rules, ...result.violations.map((v) => v.rule)]),
  ]);
}

/** The scenarios of the operator suite: ids, titles, rules. */
export function operatorScenarios(): readonly OperatorScenario[] {
  return OPERATOR_SCENARIOS;
}

/** Jobs drawn per timeline (a runaway operator launches hundreds). */
const MAX_TIMELINE_JOBS = 40;

function timelines(world: OperatorWorld): ResourceTimeline[] {
  return keysOf(world).map((key) => ({
    resourceKey: key,
    jobs: world
      .jobs(key)
      .slice(0, MAX_TIMELINE_JOBS)
      .map((j) => timelineJob(j, world.start)),
    marks: world.marks.get(key) ?? [],
  }));
}

/** The checks, after a scenario: every rule, every scenario. */
function check(world: OperatorWorld, quietSince: number | undefined): Violation[] {
  return [
    ...checkE1(world),
    ...checkE2(world),
    ...checkProvisionRetries(world),
    ...checkE3(world, quietSince),
    ...checkE4(world),
    ...checkDeprovisionRetries(world),
    ...checkE5(world),
    ...checkHandovers(world),
    ...world.expectations,
  ];
}

/** Run one operator scenario in a fresh world and check it. */
export async function runOperatorScenario(
  scenario: OperatorScenario,
  options: OperatorConformanceOptions,
): Promise<ScenarioResult> {
  return (await runScenario(scenario, options)).result;
}

async function runScenario(
  scenario: OperatorScenario & { soak?: SoakRun },
  options: OperatorConformanceOptions,
): Promise<{ result: ScenarioResult; abilities: ProviderAbilities; soak?: OperatorSoakFigures }> {
  const started = performance.now();
  const world = await OperatorWorld.open(options, scenario.id);
  const skipReason = scenario.skip?.(world.abilities);
  if (skipReason !== undefined) {
    await world.close();
    return { result: skipped(scenario, skipReason, started), abilities: world.abilities };
  }
  const violations: Violation[] = [];
  let error: string | undefined;
  let skipLate: string | undefined;
  try {
    await scenario.run(world);
    const quietSince = Date.now();
    await world.settle(SETTLE_MS);
    scenario.soak?.checkOrphans(world);
    violations.push(...check(world, quietSince));
  } catch (thrown) {
    if (thrown instanceof CallLate) {
      // Reported below, with any other late call, once the controllers stopped.
      violations.push(...check(world, undefined));
    } else if (thrown instanceof GoalTimeout) {
      violations.push({ rule: thrown.rule, message: thrown.message });
      violations.push(...check(world, undefined));
    } else if (thrown instanceof ScenarioSkipped) {
      // What ran until then is still checked: a violation fails the scenario all the same.
      skipLate = thrown.reason;
      violations.push(...check(world, undefined));
    } else error = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
  } finally {
    await world.close();
  }
  // A call can miss its deadline while a goal times out, or while the controllers stop.
  violations.unshift(...world.lateViolations());
  const soak = scenario.soak?.figures(world, violations);
  const result: ScenarioResult = {
    id: scenario.id,
    title: scenario.title,
    rules: [...scenario.rules],
    status: violations.length > 0 || error !== undefined ? "failed" : "passed",
    violations: dedupe(violations),
    durationMs: Math.round(performance.now() - started),
    virtualMs: Date.now() - world.start,
    timelines: timelines(world),
  };
  if (error !== undefined) result.error = error;
  if (skipLate !== undefined && result.status === "passed") {
    return { result: skipped(scenario, skipLate, started), abilities: world.abilities };
  }
  return { result, abilities: world.abilities, ...(soak ? { soak } : {}) };
}

function skipped(scenario: OperatorScenario, reason: string, started: number): ScenarioResult {
  return {
    id: scenario.id,
    title: scenario.title,
    rules: [...scenario.rules],
    status: "skipped",
    skipReason: reason,
    violations: [],
    durationMs: Math.round(performance.now() - started),
    virtualMs: 0,
    timelines: [],
  };
}

/** Violations reported per rule and scenario before the rest is summed up. */
const MAX_PER_RULE = 5;

/** Without repeats, and at most {@link MAX_PER_RULE} per rule (then a count of the rest). */
function dedupe(violations: Violation[]): Violation[] {
  const seen = new Set<string>();
  const unique = violations.filter((v) => !seen.has(v.message) && seen.add(v.message));
  const out: Violation[] = [];
  const rules = [...new Set(unique.map((v) => v.rule))];
  for (const rule of rules) {
    const of = unique.filter((v) => v.rule === rule);
    out.push(...of.slice(0, MAX_PER_RULE));
    if (of.length > MAX_PER_RULE) {
      out.push({ rule, message: `${rule}: … and ${of.length - MAX_PER_RULE} more like these` });
    }
  }
  return out;
}

/**
 * Run the operator conformance suite: each scenario (or those named) starts a fresh
 * Kubernetes API simulator serving `options.crd` (or uses `options.cluster`), the backend
 * (default: a memory backend with ~200 ms real-time jobs), and the user's controller(s) from
 * `options.operator`, each on a link to the API that the crash scenarios cut; drives objects
 * through the API as a user would; watches them; and checks E1–E5 against the backend's
 * ledger. Every wait is bounded by `timeoutMs`: a goal not reached is a violation. A
 * scenario the provider cannot take part in (crash adoption without `findJob`, say) is
 * skipped, with the reason in the report.
 *
 * @example
 * ```ts
 * const report = await runOperatorConformance({
 *   crd: { group: "example.com", version: "v1", plural: "widgets", kind: "Widget" },
 *   finalizer: "example.com/provisioning",
 *   spec: (i) => ({ size: i + 1 }),
 *   operator: ({ kubeConfig, provider, namespace, engine }) =>
 *     new ProvisioningController({
 *       kubeConfig, provider, finalizer: "example.com/provisioning",
 *       resource: { group: "example.com", version: "v1", plural: "widgets", kind: "Widget", namespace },
 *       engine: { ...myEngineOptions, ...engine },
 *     }),
 * });
 * ```
 */
export async function runOperatorConformance(
  options: OperatorConformanceOptions,
): Promise<ConformanceReport> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  if (options.soak) {
    checkSoakOptions(options.soak);
    options = soakOptions(options, options.soak);
  }
  const scenarios: readonly (OperatorScenario & { soak?: SoakRun })[] = options.soak
    ? [soakScenario(options.soak)]
    : selectScenarios(OPERATOR_SCENARIOS, options.scenarios, "operator conformance");
  const subject = options.subject ?? `operator on ${options.crd.kind}`;
  let capabilities = { findJob: false, cancel: false };
  let soak: OperatorSoakFigures | undefined;
  const results = await runInOrder(scenarios, subject, options, async (scenario) => {
    const ran = await runScenario(scenario, options);
    capabilities = { findJob: ran.abilities.findJob, cancel: ran.abilities.cancel };
    soak = ran.soak ?? soak;
    return ran.result;
  });
  const time = { startedAt, started };
  const rules = operatorRuleIds(results);
  const report = suiteReport("operator", subject, capabilities, time, results, rules);
  return soak ? { ...report, soak } : report;
}
