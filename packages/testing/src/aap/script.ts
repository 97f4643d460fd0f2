/**
 * Job scripts: validation, merging with the defaults, and resolution per launch.
 *
 * @module
 */
import { jsonClone } from "./python-json.js";
import type { ResolvedScript } from "./model.js";
import type { AapJobScript, AapLaunchContext, AapOutcome } from "./types.js";

const OUTCOMES: readonly AapOutcome[] = ["successful", "failed", "error", "canceled"];
const DURATIONS = ["pendingMs", "waitingMs", "runMs", "cancelDelayMs"] as const;

/**
 * Checks a script's values and throws a `RangeError` naming the first bad one.
 *
 * @param where - What the script belongs to, for the message.
 */
export function validateScript(script: AapJobScript, where: string): void {
  for (const key of DURATIONS) {
    const value = script[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`${where}: ${key} must be a finite number >= 0, got ${value}`);
    }
  }
  if (script.outcome !== undefined && !OUTCOMES.includes(script.outcome)) {
    throw new RangeError(`${where}: unknown outcome ${String(script.outcome)}`);
  }
  if (script.cancelEndsAs !== undefined && !["canceled", "failed"].includes(script.cancelEndsAs)) {
    throw new RangeError(`${where}: unknown cancelEndsAs ${String(script.cancelEndsAs)}`);
  }
}

/**
 * The script of one launch: `script` (the one-shot script or the template's own, resolved
 * against the launch) over `base` (the simulator's default script) over the built-in
 * defaults. Workflow jobs get no waiting phase and no artifacts.
 */
export function resolveScript(
  base: AapJobScript | undefined,
  script: AapJobScript | ((launch: AapLaunchContext) => AapJobScript) | undefined,
  launch: AapLaunchContext,
): ResolvedScript {
  const own = typeof script === "function" ? script(launch) : script;
  if (own) validateScript(own, `script of ${launch.templateName}`);
  const merged: AapJobScript = { ...base, ...own };
  const artifacts =
    typeof merged.artifacts === "function" ? merged.artifacts(launch) : merged.artifacts;
  const job = launch.kind === "job";
  return {
    outcome: merged.outcome ?? "successful",
    pendingMs: merged.pendingMs ?? 500,
    waitingMs: job ? (merged.waitingMs ?? 500) : 0,
    runMs: merged.runMs ?? 5000,
    neverFinishes: merged.neverFinishes ?? false,
    artifacts: job && artifacts ? jsonClone(artifacts) : {},
    resultTraceback: merged.resultTraceback,
    jobExplanation: merged.jobExplanation,
    cancelDelayMs: merged.cancelDelayMs ?? 1000,
    cancelEndsAs: merged.cancelEndsAs ?? "canceled",
  };
}
