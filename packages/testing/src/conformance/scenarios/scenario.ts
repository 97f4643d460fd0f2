/**
 * What a scenario is, and how one world is run and checked.
 *
 * @module
 */
import { resolveEngineOptions, type EngineOptionsInput, type Provider } from "@provisionkit/core";
import { runChecks } from "../checks/index.js";
import { Driver, GoalNotReached, type ProviderSetBuilder } from "../driver/driver.js";
import { Session } from "../driver/session.js";
import type { Trace } from "../driver/trace.js";
import { World, type Liveness } from "../driver/world.js";
import { timelines } from "../timeline.js";
import { providerErrors } from "./provider-errors.js";
import type {
  BackendControls,
  ConformanceBackend,
  ConformanceCapabilities,
  RuleId,
  ScenarioResult,
  Violation,
} from "../types.js";

/** What a scenario needs; without it, it is skipped with the reason in the report. */
export interface ScenarioNeeds {
  /** Backend controls. */
  controls?: (keyof BackendControls)[];
  /** Provider capabilities. */
  capabilities?: ("findJob" | "cancel")[];
}

/** What a scenario runs with. */
export interface ScenarioEnv {
  /** A fresh backend harness. */
  backend: () => ConformanceBackend;
  /** The capabilities assumed. */
  capabilities: ConformanceCapabilities;
  /** The backend's controls. */
  controls: BackendControls;
  /** Whether the backend has `providerWith`. */
  providerWith: boolean;
  /** Seed of randomized scenarios. */
  seed: number;
  /** Runs of randomized scenarios. */
  numRuns: number;
  /** The provider calls' deadline (L1) and what a late call's report names. */
  liveness?: Liveness;
}

/**
 * What running a scenario produced (the runner adds id, title, status, timing). A
 * `skipReason` with no violation and no error makes it skipped: it found out while running
 * that it could not check what it is about.
 */
export type ScenarioOutcome = Pick<ScenarioResult, "violations" | "timelines" | "virtualMs"> &
  Partial<Pick<ScenarioResult, "error" | "counterexample" | "skipReason" | "providerErrors">>;

/** One scenario of the provider conformance suite. */
export interface ConformanceScenario {
  /** Stable id, e.g. `delete-while-provisioning`. */
  id: string;
  /** Human title. */
  title: string;
  /** The rules it is about. */
  rules: RuleId[];
  /** What it needs. */
  needs?: ScenarioNeeds;
  /** A reason to skip beyond {@link ScenarioNeeds}, if any. */
  skip?(env: ScenarioEnv): string | undefined;
  /** Run it. */
  run(env: ScenarioEnv): Promise<ScenarioOutcome>;
}

/** The engine options of every scenario: poll 10 s, backoffs from 30 s, grace 30 s. */
export const SCENARIO_ENGINE_OPTIONS: EngineOptionsInput = Object.freeze({
  pollIntervalMs: 10_000,
  provisionBackoff: { initialMs: 30_000, factor: 2, maxMs: 8 * 60_000 },
  deprovisionBackoff: { initialMs: 30_000, factor: 2, maxMs: 8 * 60_000 },
  errorBackoff: { initialMs: 5_000, factor: 2, maxMs: 2 * 60_000 },
  pendingLaunchGraceMs: 30_000,
  unknownLaunchPolicy: "block",
});

/** How one world is set up. */
export interface WorldSetup {
  /** Engine options on top of {@link SCENARIO_ENGINE_OPTIONS}. */
  engine?: EngineOptionsInput;
  /** The provider under test (default `backend.provider()`). */
  provider?: (backend: ConformanceBackend) => Provider;
  /** Processes started at once (default 1). */
  processes?: number;
  /** Their providers (default one fresh provider each). */
  build?: ProviderSetBuilder;
  /**
   * Run the world until every resource is Ready or gone after the body (default true).
   * False ends it where the body ends: a scenario whose goal is a state the engine must hold
   * (blocked on an unknown launch, awaiting a human).
   */
  quiesce?: boolean;
}

/** One world's trace and its check results. */
export interface WorldRun {
  /** What happened. */
  trace: Trace;
  /** Every check's findings. */
  violations: Violation[];
  /** An error that ended the run (not a violation). */
  error?: string;
}

/**
 * Open a world, run `body` in it, then run it until every resource is Ready or gone, close
 * it and check it. A goal not reached ends the body early and is checked like the rest.
 */
export async function runWorld(
  env: ScenarioEnv,
  setup: WorldSetup,
  body: (session: Session) => Promise<void>,
): Promise<WorldRun> {
  const options = resolveEngineOptions({ ...SCENARIO_ENGINE_OPTIONS, ...setup.engine });
  const world = await World.open(env.backend(), options, env.capabilities, env.liveness);
  let error: string | undefined;
  try {
    const make = setup.provider;
    const driver = new Driver(world, make ? () => make(world.backend) : undefined);
    for (let i = 0; i < (setup.processes ?? 1); i++) driver.startProcess(setup.build);
    const session = new Session(driver);
    await body(session);
    if (setup.quiesce !== false) await session.quiesce();
  } catch (caught) {
    if (!(caught instanceof GoalNotReached)) {
      error = caught instanceof Error ? (caught.stack ?? caught.message) : String(caught);
    }
  }
  const trace = await world.close();
  if (error === undefined && trace.errors.length > 0) error = trace.errors.join("\n");
  return { trace, violations: runChecks(trace), ...(error === undefined ? {} : { error }) };
}

/** The outcome of a scenario made of one world. */
export function outcomeOf(run: WorldRun): ScenarioOutcome {
  const outcome: ScenarioOutcome = {
    violations: run.violations,
    timelines: timelines(run.trace),
    virtualMs: run.trace.end - run.trace.start,
  };
  if (run.error !== undefined) outcome.error = run.error;
  const errors = providerErrors(run.trace);
  if (errors.length > 0) outcome.providerErrors = errors;
  return outcome;
}

/** A scenario made of one world. */
export function single(
  scenario: Omit<ConformanceScenario, "run">,
  body: (session: Session, env: ScenarioEnv) => Promise<void>,
  setup: (env: ScenarioEnv) => WorldSetup = () => ({}),
): ConformanceScenario {
  return {
    ...scenario,
    run: async (env) => outcomeOf(await runWorld(env, setup(env), (session) => body(session, env))),
  };
}
