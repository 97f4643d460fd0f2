/**
 * @module
 */
import { CRASH_POINTS, type CrashPoint } from "../driver/crash.js";
import { SPECS, type Session } from "../driver/session.js";
import { timelines } from "../timeline.js";
import type { Violation } from "../types.js";
import { runWorld, type ConformanceScenario, type WorldRun } from "./scenario.js";

/** create → Ready → spec change → Ready → delete → gone. */
async function lifecycle(s: Session): Promise<void> {
  const key = s.create("w1", SPECS.A);
  await s.untilReady(key);
  s.setSpec(key, SPECS.B);
  await s.untilReady(key);
  s.delete(key);
  await s.untilGone(key);
}

/** Put a context after the rule id of each violation: `E5 [crash …]: …`. */
export function withContext(violations: readonly Violation[], context: string): Violation[] {
  return violations.map((v) => ({
    rule: v.rule,
    message: v.message.replace(`${v.rule}: `, `${v.rule} [${context}]: `),
  }));
}

/**
 * One lifecycle without a crash counts how often each crash point is passed; then one
 * lifecycle per (point, occurrence) crashes there and restarts the process at once.
 */
export const crashAtEveryStep: ConformanceScenario = {
  id: "crash-at-every-step",
  title: "crash and restart at every step of a lifecycle",
  rules: ["E1", "E2", "E3", "E4", "E5"],
  async run(env) {
    const counts = new Map<CrashPoint, number>();
    const baseline = await runWorld(env, {}, async (s) => {
      const process = s.driver.processes[0];
      await lifecycle(s);
      for (const [point, n] of process?.counts ?? []) counts.set(point, n);
    });
    const violations: Violation[] = [...withContext(baseline.violations, "no crash")];
    let error = baseline.error;
    let shown: WorldRun = baseline;
    let virtualMs = baseline.trace.end - baseline.trace.start;
    for (const point of CRASH_POINTS) {
      for (let occurrence = 1; occurrence <= (counts.get(point) ?? 0); occurrence++) {
        const run = await runWorld(env, {}, async (s) => {
          s.driver.crashAt(point, occurrence);
          await lifecycle(s);
        });
        const context = `crash ${point} #${occurrence}`;
        virtualMs += run.trace.end - run.trace.start;
        if (run.violations.length > 0 && shown === baseline && baseline.violations.length === 0)
          shown = run;
        violations.push(...withContext(run.violations, context));
        if (run.error !== undefined && error === undefined) error = `[${context}] ${run.error}`;
      }
    }
    return {
      violations: dedupe(violations),
      timelines: timelines(shown.trace),
      virtualMs,
      ...(error === undefined ? {} : { error }),
    };
  },
};

/** At most three violations per rule across the crash runs, plus a count of the rest. */
function dedupe(violations: readonly Violation[]): Violation[] {
  const byRule = new Map<string, Violation[]>();
  for (const v of violations) byRule.set(v.rule, [...(byRule.get(v.rule) ?? []), v]);
  return [...byRule.values()].flatMap((list) =>
    list.length <= 3
      ? list
      : [
          ...list.slice(0, 3),
          {
            rule: list[0]?.rule ?? "E5",
            message: `${list[0]?.rule ?? "E5"}: … and ${list.length - 3} more in other crash runs`,
          },
        ],
  );
}
