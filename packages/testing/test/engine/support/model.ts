/**
 * The model behind the engine's property-based tests: a random *world* (provider
 * capabilities and behaviour, engine options) and a random sequence of *steps* (the
 * controller running, spec changes, deletion, clock advances, backend faults, crashes).
 * `scenario.ts` drives one resource through them.
 */
import fc from "fast-check";
import type { EngineOptionsInput, JobType } from "@provisionkit/core";
import type { ConformanceJobScript } from "../../../src/index.js";

/** The specs a resource switches between (their config versions are A, B and C). */
export const SPECS = [{ size: 1 }, { size: 2 }, { size: 3 }] as const;

/** Small backoffs keep runs short on the virtual clock. */
export const BASE_OPTIONS = {
  pollIntervalMs: 10_000,
  provisionBackoff: { initialMs: 2_000, factor: 2, maxMs: 16_000 },
  deprovisionBackoff: { initialMs: 3_000, factor: 3, maxMs: 30_000 },
  errorBackoff: { initialMs: 1_000, factor: 2, maxMs: 8_000 },
  pendingLaunchGraceMs: 30_000,
} satisfies EngineOptionsInput;

/** How one scripted job ends, and after how long. */
export type JobScript = Required<Pick<ConformanceJobScript, "outcome" | "durationMs">>;

/** One random world: provider capabilities and behaviour, engine options. */
export interface World {
  findJob: boolean;
  /** The provider can cancel (`cancelJob`, and a cancel of the running provision job on deprovision). */
  cancelJob: boolean;
  blockDeletionOnFailure: boolean;
  onSpecChangeWhileRunning: "wait" | "cancel";
  jobTimeoutMs: number | undefined;
  /** How long the backend takes to honour a cancel request. */
  cancelDelayMs: number;
  /** Outcomes and durations of the first jobs of each type (later ones: 30 s, success). */
  provisionScripts: JobScript[];
  deprovisionScripts: JobScript[];
}

export type CrashPoint =
  /** The "before-launch" write fails: nothing is launched. */
  | "before-launch-write-fails"
  /** The pending marker is written, then the process dies before calling the provider. */
  | "after-marker-written"
  /** The marker is written, the launch happens, the write recording its outcome fails. */
  | "between-launch-and-record"
  /** The next "update" write fails, whatever it records. */
  | "update-write-fails";

export type Step =
  /** The controller runs for `ms`: reconcile, sleep until the requested requeue, repeat. */
  | { kind: "run"; ms: number }
  | { kind: "reconcile" }
  | { kind: "advance"; ms: number }
  | { kind: "spec"; spec: number }
  | { kind: "delete" }
  | ({ kind: "script"; type: JobType } & JobScript)
  /** The next `calls` requests of any kind are rate limited. */
  | { kind: "rateLimit"; calls: number; retryAfterMs: number }
  /** The next `calls` reads (status reads, lookups, cancels) fail with a 503. */
  | { kind: "failReads"; calls: number }
  /** The next launch request of `type` is carried out, and its answer lost. */
  | { kind: "loseAnswer"; type: JobType }
  | { kind: "crash"; at: CrashPoint };

const outcomeArb = fc.constantFrom("succeeded" as const, "failed" as const);
const durationArb = fc.integer({ min: 1_000, max: 150_000 });
const typeArb = fc.constantFrom("provision" as const, "deprovision" as const);

/** How one scripted job ends, and after how long. */
export const scriptArb: fc.Arbitrary<JobScript> = fc.record({
  outcome: outcomeArb,
  durationMs: durationArb,
});

/** `{ kind, ...fields }` with a constant kind. */
function stepOf<K extends Step["kind"], T extends object>(
  kind: K,
  fields: { [F in keyof T]: fc.Arbitrary<T[F]> },
): fc.Arbitrary<{ kind: K } & T> {
  return fc.record({ kind: fc.constant(kind), ...fields }) as fc.Arbitrary<{ kind: K } & T>;
}

/** One step; the controller running and the clock moving dominate, faults are rarer. */
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: stepOf("run", { ms: fc.integer({ min: 0, max: 120_000 }) }) },
  { weight: 4, arbitrary: fc.constant({ kind: "reconcile" as const }) },
  {
    weight: 4,
    arbitrary: stepOf("advance", {
      ms: fc.oneof(
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 5_000, max: 60_000 }),
        fc.integer({ min: 60_000, max: 400_000 }),
      ),
    }),
  },
  {
    weight: 3,
    // mostly between two specs, so that A -> B -> A is frequent
    arbitrary: stepOf("spec", {
      spec: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 1 }) }, fc.constant(2)),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "delete" as const }) },
  {
    weight: 3,
    arbitrary: stepOf("script", { type: typeArb, outcome: outcomeArb, durationMs: durationArb }),
  },
  {
    weight: 1,
    arbitrary: stepOf("rateLimit", {
      calls: fc.integer({ min: 1, max: 3 }),
      retryAfterMs: fc.integer({ min: 0, max: 20_000 }),
    }),
  },
  { weight: 1, arbitrary: stepOf("failReads", { calls: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: stepOf("loseAnswer", { type: typeArb }) },
  {
    weight: 2,
    arbitrary: stepOf("crash", {
      at: fc.constantFrom<CrashPoint>(
        "before-launch-write-fails",
        "after-marker-written",
        "between-launch-and-record",
        "update-write-fails",
      ),
    }),
  },
);

/** A step sequence; "medium" size, so that long histories (A -> B -> A, retries) are common. */
export const stepsArb = fc.array(stepArb, { maxLength: 40, size: "medium" });

/**
 * Random worlds: every capability and policy combination, up to four scripted jobs of
 * each type. No job timeout unless overridden (`jobTimeoutMs: <arbitrary>`).
 */
export function worldArb(
  overrides: Partial<Record<keyof World, fc.Arbitrary<unknown>>> = {},
): fc.Arbitrary<World> {
  return fc.record({
    findJob: fc.boolean(),
    cancelJob: fc.boolean(),
    blockDeletionOnFailure: fc.boolean(),
    onSpecChangeWhileRunning: fc.constantFrom("wait" as const, "cancel" as const),
    jobTimeoutMs: fc.constant(undefined),
    cancelDelayMs: fc.integer({ min: 0, max: 20_000 }),
    provisionScripts: fc.array(scriptArb, { maxLength: 4 }),
    deprovisionScripts: fc.array(scriptArb, { maxLength: 4 }),
    ...overrides,
  }) as fc.Arbitrary<World>;
}
