import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { JobStore } from "../src/aap/job-store.js";
import type { JobRecord, ResolvedScript, TemplateRecord } from "../src/aap/model.js";
import { computeSchedule, type Schedule } from "../src/aap/schedule.js";

function template(id: number, allowSimultaneous: boolean): TemplateRecord {
  return {
    id,
    kind: "job_template",
    name: `t${id}`,
    organization: "Default",
    organizationId: 1,
    description: "",
    askVariables: true,
    askLimit: false,
    askInventory: false,
    allowSimultaneous,
    extraVars: {},
    survey: { enabled: false, spec: {} },
    inventory: 1,
    script: undefined,
    createdAt: 0,
    launches: 0,
  };
}

function script(pendingMs: number, runMs: number, neverFinishes: boolean): ResolvedScript {
  return {
    outcome: "successful",
    pendingMs,
    waitingMs: 3,
    runMs,
    neverFinishes,
    artifacts: {},
    resultTraceback: undefined,
    jobExplanation: undefined,
    cancelDelayMs: 7,
    cancelEndsAs: "canceled",
  };
}

/** The full recomputation the store replaced: every job of every template, in order. */
function fullRecomputation(jobs: JobRecord[]): Map<number, Schedule> {
  const result = new Map<number, Schedule>();
  const release = new Map<number, number>();
  for (const job of [...jobs].sort((a, b) => a.id - b.id)) {
    const before = job.template.allowSimultaneous
      ? -Infinity
      : (release.get(job.template.id) ?? -Infinity);
    const schedule = computeSchedule(job, before);
    result.set(job.id, schedule);
    if (!job.template.allowSimultaneous)
      release.set(job.template.id, Math.max(before, schedule.end));
  }
  return result;
}

type Op =
  | { kind: "create"; template: number; pendingMs: number; runMs: number; never: boolean }
  | { kind: "cancel"; job: number; mode: "in-request" | "task-manager" }
  | { kind: "finish"; job: number; outcome: "failed" | "error" }
  | { kind: "read"; job: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("create" as const),
    template: fc.integer({ min: 0, max: 2 }),
    pendingMs: fc.integer({ min: 0, max: 50 }),
    runMs: fc.integer({ min: 0, max: 200 }),
    never: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("cancel" as const),
    job: fc.nat(),
    mode: fc.constantFrom("in-request" as const, "task-manager" as const),
  }),
  fc.record({
    kind: fc.constant("finish" as const),
    job: fc.nat(),
    outcome: fc.constantFrom("failed" as const, "error" as const),
  }),
  fc.record({ kind: fc.constant("read" as const), job: fc.nat() }),
);

describe("JobStore incremental schedules", () => {
  it("equal the full recomputation after every operation of random sequences", () => {
    let cascades = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(op, fc.integer({ min: 0, max: 40 })), { maxLength: 80 }),
        (ops) => {
          // Templates 1 and 2 do not allow simultaneous jobs (their jobs queue), 3 does.
          const templates = [template(1, false), template(2, false), template(3, true)];
          const store = new JobStore();
          const jobs: JobRecord[] = [];
          let now = 0;
          for (const [step, advance] of ops) {
            now += advance;
            const job =
              jobs.length > 0 ? jobs[(step as { job?: number }).job! % jobs.length] : undefined;
            const before = fullRecomputation(jobs);
            if (step.kind === "create") {
              const created = store.create({
                template: templates[step.template]!,
                createdAt: now,
                extraVars: {},
                surveyPasswords: {},
                ignoredFields: {},
                limit: null,
                inventory: null,
                script: script(step.pendingMs, step.runMs, step.never),
              });
              jobs.push(created);
            } else if (job && step.kind === "cancel") {
              store.cancel(job, now, step.mode);
            } else if (job && step.kind === "finish") {
              if (!store.view(job, now).terminal) store.finish(job, step.outcome, now);
            } else if (job) {
              store.schedule(job);
            }
            const expected = fullRecomputation(jobs);
            // Read in a random-ish order (reverse every other step) so that lazy prefixes
            // are extended from both ends.
            const order = now % 2 === 0 ? jobs : [...jobs].reverse();
            for (const each of order) expect(store.schedule(each)).toEqual(expected.get(each.id));
            for (const each of jobs) {
              const old = before.get(each.id);
              if (old && each !== job && old.end !== expected.get(each.id)?.end) cascades++;
            }
          }
        },
      ),
      { seed: 20261205, numRuns: 300 },
    );
    // The sequences did exercise the dependency: some change moved another job's end.
    expect(cascades).toBeGreaterThan(0);
  });

  it("moves a queued job when an earlier job of its template is canceled", () => {
    const store = new JobStore();
    const serial = template(1, false);
    const base = {
      template: serial,
      extraVars: {},
      surveyPasswords: {},
      ignoredFields: {},
      limit: null,
      inventory: null,
    };
    const first = store.create({ ...base, createdAt: 0, script: script(0, 1000, false) });
    const second = store.create({ ...base, createdAt: 0, script: script(0, 10, false) });
    expect(store.schedule(second).pendingEnd).toBe(1003);
    store.cancel(first, 100, "in-request");
    expect(store.schedule(second).pendingEnd).toBe(107);
    expect(store.schedule(second).blocked).toBe(true);
  });
});
