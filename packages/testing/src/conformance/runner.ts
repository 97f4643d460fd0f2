/**
 * `runConformance`: the provider conformance suite, run programmatically.
 *
 * @module
 */
import { capabilitiesOf, resolveEngineOptions } from "@provisionkit/core";
import { DEFAULT_CALL_DEADLINE_MS } from "./driver/deadline.js";
import { World } from "./driver/world.js";
import { PROVIDER_SCENARIOS } from "./scenarios/index.js";
import type { ConformanceScenario, ScenarioEnv } from "./scenarios/scenario.js";
import {
  RULE_IDS,
  type ConformanceBackend,
  type ConformanceCapabilities,
  type ConformanceReport,
  type RuleResult,
  type ScenarioResult,
} from "./types.js";

/** What {@link runConformance} reports as it goes. */
export type ConformanceProgressEvent =
  /** The run starts, with these scenarios. */
  | { type: "start"; subject: string; scenarios: string[] }
  /** A scenario starts. */
  | { type: "scenario-start"; id: string; title: string }
  /** A scenario ended (passed, failed or skipped). */
  | { type: "scenario-end"; result: ScenarioResult };

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** A fresh backend harness; called once per scenario world (and once to probe the provider). */
  backend: () => ConformanceBackend;
  /** What was tested, for the report (default `<provider name> on <backend name>`). */
  subject?: string;
  /** Capabilities; `findJob` and `cancel` are detected from a probe provider unless given. */
  capabilities?: Partial<ConformanceCapabilities>;
  /** Only these scenario ids (default all). */
  scenarios?: string[];
  /** Seed of the randomized scenario (default 42). */
  seed?: number;
  /** Runs of the randomized scenario (default 25). */
  numRuns?: number;
  /**
   * Each provider call's deadline, real ms (default 30 000): a call past it has its
   * `AbortSignal` aborted and is reported under L1, and its scenario stops there.
   */
  callDeadlineMs?: number;
  /** Called as scenarios start and end. */
  onProgress?(event: ConformanceProgressEvent): void;
}

/** The scenarios of the provider suite: ids, titles, rules, needs. */
export function providerScenarios(): readonly ConformanceScenario[] {
  return PROVIDER_SCENARIOS;
}

/** Detect `findJob` and `cancel` from a provider of a started backend, unless stated. */
export async function detectCapabilities(
  options: Pick<ConformanceOptions, "backend" | "capabilities">,
): Promise<{ capabilities: ConformanceCapabilities; providerName: string }> {
  const given = options.capabilities ?? {};
  const world = await World.open(options.backend(), resolveEngineOptions(), {
    findJob: false,
    cancel: false,
  });
  try {
    const provider = world.backend.provider();
    const caps = capabilitiesOf(provider);
    const capabilities: ConformanceCapabilities = {
      findJob: given.findJob ?? caps.canFindJob,
      cancel: given.cancel ?? caps.canCancel,
    };
    if (given.blockDeletionOnFailure !== undefined) {
      capabilities.blockDeletionOnFailure = given.blockDeletionOnFailure;
    }
    return { capabilities, providerName: String(provider.name) };
  } finally {
    await world.close();
  }
}

/** Why a scenario cannot run in `env`, if it cannot. */
export function skipReason(scenario: ConformanceScenario, env: ScenarioEnv): string | undefined {
  const controls = (scenario.needs?.controls ?? []).filter((c) => !env.controls[c]);
  if (controls.length > 0) {
    return `the backend harness lacks the test control(s) ${controls.join(", ")}`;
  }
  const capabilities = (scenario.needs?.capabilities ?? []).filter((c) => !env.capabilities[c]);
  if (capabilities.length > 0) {
    const what = capabilities.map((c) =>
      c === "findJob" ? "findJob (crash adoption)" : "cancel (cancelJob)",
    );
    return `the provider lacks the capability ${what.join(" and ")}`;
  }
  return scenario.skip?.(env);
}

/** Run one scenario and time it. */
export async function runScenario(
  scenario: ConformanceScenario,
  env: ScenarioEnv,
): Promise<ScenarioResult> {
  const base = { id: scenario.id, title: scenario.title, rules: [...scenario.rules] };
  const reason = skipReason(scenario, env);
  if (reason !== undefined) {
    return {
      ...base,
      status: "skipped",
      skipReason: reason,
      violations: [],
      durationMs: 0,
      virtualMs: 0,
      timelines: [],
    };
  }
  const started = performance.now();
  let result: ScenarioResult;
  try {
    const liveness = { ...env.liveness, scenario: scenario.id, seed: env.seed };
    const outcome = await scenario.run({ ...env, liveness });
    const failed = outcome.violations.length > 0 || outcome.error !== undefined;
    const status = failed ? "failed" : outcome.skipReason !== undefined ? "skipped" : "passed";
    result = { ...base, ...outcome, status, durationMs: 0 };
    if (status !== "skipped") delete result.skipReason;
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    result = {
      ...base,
      status: "failed",
      violations: [],
      error: message,
      durationMs: 0,
      virtualMs: 0,
      timelines: [],
    };
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

/** What a failed scenario failed on: its broken rules, or its error's first line. */
function failedOn(result: ScenarioResult): string {
  const rules = [...new Set(result.violations.map((v) => v.rule))];
  if (rules.length > 0) return rules.join(", ");
  const first = (result.error ?? "an error").split("\n")[0] ?? "an error";
  return `an error: ${first.slice(0, 200)}`;
}

/**
 * One verdict per rule from the scenario results. A rule no scenario saw broken, but one of
 * whose scenarios failed anyway, is `inconclusive` (never `passed`): its failures may have
 * been filed under another rule (issue 13: E5 showed passed while the crash-adoption
 * scenario failed on E3/E4).
 */
export function ruleResults(results: readonly ScenarioResult[]): RuleResult[] {
  return RULE_IDS.map((rule) => {
    const failedIn = results
      .filter((r) => r.violations.some((v) => v.rule === rule))
      .map((r) => r.id);
    // Every scenario is about L1: each provider call of each scenario has a deadline.
    const about = results.filter((r) => rule === "L1" || r.rules.includes(rule));
    const checkedIn = about.filter((r) => r.status !== "skipped").map((r) => r.id);
    const result: RuleResult = { rule, status: "passed", failedIn, checkedIn };
    // An L1 failure is never filed under another rule (a late call is always reported as
    // L1), so another rule's failure leaves L1 shown: every call made had its deadline.
    const broken =
      rule === "L1" ? [] : about.filter((r) => r.status === "failed" && !failedIn.includes(r.id));
    if (failedIn.length > 0) result.status = "failed";
    else if (broken.length > 0) {
      result.status = "inconclusive";
      result.inconclusiveIn = broken.map((r) => r.id);
      const why = broken.map((r) => `${r.id} failed on ${failedOn(r)}`);
      result.skipReason = `a scenario about ${rule} failed, so the run cannot show ${rule} holds (${why.join("; ")})`;
    } else if (checkedIn.length === 0) {
      result.status = "skipped";
      const reasons = about.map((r) => `${r.id}: ${r.skipReason ?? "not run"}`);
      result.skipReason =
        reasons.length > 0
          ? `every scenario about it was skipped (${reasons.join("; ")})`
          : "no scenario about it was run";
    }
    return result;
  });
}

/**
 * What every scenario of a run gets: the provider's capabilities (detected from a probe, or
 * given), the backend's controls, the seed and the number of randomized runs; and the names
 * a report shows.
 */
export async function scenarioEnv(
  options: Omit<ConformanceOptions, "onProgress" | "subject">,
): Promise<{ env: ScenarioEnv; providerName: string; backendName: string }> {
  const { capabilities, providerName } = await detectCapabilities(options);
  const probe = options.backend();
  const env: ScenarioEnv = {
    backend: options.backend,
    capabilities,
    controls: { ...probe.controls },
    providerWith: typeof probe.providerWith === "function",
    seed: options.seed ?? 42,
    numRuns: options.numRuns ?? 25,
    liveness: { callDeadlineMs: options.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS },
  };
  return { env, providerName, backendName: probe.name };
}

/**
 * Run the provider conformance suite: every scenario (or those named), each in a fresh
 * world, every check after each. Skipped scenarios and rules say why.
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const { env, providerName, backendName } = await scenarioEnv(options);
  const capabilities = env.capabilities;
  const scenarios = selectScenarios(PROVIDER_SCENARIOS, options.scenarios, "conformance");
  const subject = options.subject ?? `${providerName} on ${backendName}`;
  const results = await runInOrder(scenarios, subject, options, (scenario) =>
    runScenario(scenario, env),
  );
  return suiteReport("provider", subject, capabilities, { startedAt, started }, results);
}

/** The scenarios of `all` named in `wanted` (all when absent), in suite order. */
export function selectScenarios<S extends { id: string }>(
  all: readonly S[],
  wanted: readonly string[] | undefined,
  suite: string,
): S[] {
  const unknown = (wanted ?? []).filter((id) => !all.some((s) => s.id === id));
  if (unknown.length > 0)
    throw new RangeError(`unknown ${suite} scenario(s): ${unknown.join(", ")}`);
  return all.filter((s) => !wanted || wanted.includes(s.id));
}

/** Run `scenarios` one after the other, telling `listener.onProgress` as they start and end. */
export async function runInOrder<S extends { id: string; title: string }>(
  scenarios: readonly S[],
  subject: string,
  listener: { onProgress?(event: ConformanceProgressEvent): void },
  run: (scenario: S) => Promise<ScenarioResult>,
): Promise<ScenarioResult[]> {
  listener.onProgress?.({ type: "start", subject, scenarios: scenarios.map((s) => s.id) });
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    listener.onProgress?.({ type: "scenario-start", id: scenario.id, title: scenario.title });
    const result = await run(scenario);
    results.push(result);
    listener.onProgress?.({ type: "scenario-end", result });
  }
  return results;
}

/**
 * The report of a suite's run: its results, a verdict per rule (only `rules`, when given),
 * passed unless a scenario failed.
 */
export function suiteReport(
  suite: ConformanceReport["suite"],
  subject: string,
  capabilities: ConformanceReport["capabilities"],
  time: { startedAt: string; started: number },
  results: ScenarioResult[],
  rules?: ReadonlySet<string>,
): ConformanceReport {
  return {
    suite,
    subject,
    capabilities,
    startedAt: time.startedAt,
    durationMs: Math.round(performance.now() - time.started),
    scenarios: results,
    rules: ruleResults(results).filter((r) => !rules || rules.has(r.rule)),
    passed: results.every((r) => r.status !== "failed"),
  };
}
