/**
 * Randomized interleavings (fast-check): random sequences of controller steps, clock
 * moves, spec changes, a deletion, crashes, a second replica coming and going, scripted
 * job outcomes and backend faults, each run to quiescence and checked against every rule.
 * A failure is shrunk, and reported with its seed, path and steps.
 *
 * @module
 */
import fc from "fast-check";
import { CRASH_POINTS, type CrashPoint } from "../driver/crash.js";
import { SPECS, type Session } from "../driver/session.js";
import type { JobType } from "@provisionkit/core";
import {
  outcomeOf,
  runWorld,
  type ConformanceScenario,
  type ScenarioEnv,
  type WorldRun,
} from "./scenario.js";

/** One random step. */
export type RandomStep =
  | { kind: "run"; ms: number }
  | { kind: "advance"; ms: number }
  | { kind: "spec"; spec: keyof typeof SPECS }
  | { kind: "delete" }
  | { kind: "crash"; point: CrashPoint; occurrence: number }
  | { kind: "replicas"; count: 1 | 2 }
  | { kind: "script"; operation: JobType; outcome: "succeeded" | "failed"; durationMs: number }
  | { kind: "rateLimit"; retryAfterMs: number }
  | { kind: "transient" }
  | { kind: "purge" };

/** Property runs after the first failure, at most (bounds the shrinking). */
const MAX_SHRINK_RUNS = 150;

/** Mostly short moves (within a job's run), sometimes long ones (past backoffs). */
const duration = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 15_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 15_000, max: 60_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 300_000 }) },
);

function stepsArb(env: ScenarioEnv): fc.Arbitrary<RandomStep[]> {
  const { controls } = env;
  const steps: fc.WeightedArbitrary<RandomStep>[] = [
    { weight: 6, arbitrary: fc.record({ kind: fc.constant("run" as const), ms: duration }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: duration }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("spec" as const),
        spec: fc.constantFrom("A" as const, "B" as const, "C" as const),
      }),
    },
    { weight: 3, arbitrary: fc.constant({ kind: "delete" as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("crash" as const),
        point: fc.constantFrom(...CRASH_POINTS),
        occurrence: fc.integer({ min: 1, max: 3 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("replicas" as const),
        count: fc.constantFrom(1 as const, 2 as const),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("script" as const),
        operation: fc.constantFrom("provision" as const, "deprovision" as const),
        outcome: controls.failures
          ? fc.constantFrom("succeeded" as const, "failed" as const)
          : fc.constant("succeeded" as const),
        durationMs: fc.integer({ min: 1_000, max: 150_000 }),
      }),
    },
  ];
  // One kind of backend fault per run, so that each fault's errors can be told apart (P8).
  const faults: fc.Arbitrary<RandomStep>[] = [];
  if (controls.rateLimit)
    faults.push(
      fc.record({
        kind: fc.constant("rateLimit" as const),
        retryAfterMs: fc.integer({ min: 1_000, max: 30_000 }),
      }),
    );
  if (controls.transientFailure) faults.push(fc.constant({ kind: "transient" as const }));
  if (controls.purge) faults.push(fc.constant({ kind: "purge" as const }));
  const pick = faults.length > 0 ? fc.integer({ min: 0, max: faults.length - 1 }) : fc.constant(-1);
  return pick.chain((index) => {
    const fault = faults[index];
    return fc.array(fc.oneof(...steps, ...(fault ? [{ weight: 1, arbitrary: fault }] : [])), {
      maxLength: 20,
    });
  });
}

async function apply(s: Session, key: string, step: RandomStep): Promise<void> {
  const gone = s.world.object(key) === undefined;
  switch (step.kind) {
    case "run":
      return s.runFor(step.ms);
    case "advance":
      return s.advance(step.ms);
    case "spec":
      if (!gone) s.setSpec(key, SPECS[step.spec]);
      return;
    case "delete":
      return s.delete(key);
    case "crash":
      return s.driver.crashAt(step.point, step.occurrence);
    case "replicas": {
      const live = s.driver.processes;
      if (step.count === 2 && live.length < 2) s.driver.startProcess();
      const last = live.at(-1);
      if (step.count === 1 && live.length > 1 && last) s.driver.stopProcess(last);
      return;
    }
    case "script":
      return s.scriptNext(step.operation, { outcome: step.outcome, durationMs: step.durationMs });
    case "rateLimit":
      return s.rateLimitNext(1, step.retryAfterMs);
    case "transient":
      return s.failNext(1);
    case "purge": {
      const ended = s
        .ledger(key)
        .filter((j) => j.finishedAt !== undefined && j.purgedAt === undefined);
      const job = ended.at(-1);
      if (job) s.purge(job);
      return;
    }
  }
}

function play(env: ScenarioEnv, steps: readonly RandomStep[]): Promise<WorldRun> {
  return runWorld(env, {}, async (s) => {
    const key = s.create("w1", SPECS.A);
    await s.runFor(1_000);
    for (const step of steps) await apply(s, key, step);
  });
}

/** The randomized scenario. */
export const randomizedInterleavings: ConformanceScenario = {
  id: "randomized-interleavings",
  title: "randomized interleavings of controller steps and backend events",
  rules: ["P3", "P5", "E1", "E2", "E3", "E4", "E5"],
  async run(env) {
    let failures = 0;
    let last: WorldRun | undefined;
    const property = fc.asyncProperty(stepsArb(env), async (steps) => {
      if (failures > MAX_SHRINK_RUNS) return;
      const run = await play(env, steps);
      last = run;
      if (run.violations.length === 0 && run.error === undefined) return;
      failures++;
      throw new Error(run.violations.map((v) => v.message).join("\n") || run.error);
    });
    const details = await fc.check(property, { seed: env.seed, numRuns: env.numRuns });
    if (!details.failed || !details.counterexample) {
      const sample = last ?? (await play(env, []));
      const outcome = outcomeOf(sample);
      if (details.failed)
        outcome.error = `fast-check stopped: ${fc.defaultReportMessage(details) ?? ""}`;
      return outcome;
    }
    const [steps] = details.counterexample;
    const replay = await play(env, steps);
    const outcome = outcomeOf(replay);
    outcome.counterexample = {
      seed: details.seed,
      ...(details.counterexamplePath ? { path: details.counterexamplePath } : {}),
      steps: steps.map((step) => JSON.stringify(step)).join("\n"),
    };
    if (replay.violations.length === 0 && replay.error === undefined) {
      outcome.error = `the shrunk counterexample did not fail again when replayed: ${fc.defaultReportMessage(details) ?? ""}`;
    }
    return outcome;
  },
};
