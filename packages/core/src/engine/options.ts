import type { BackoffPolicy } from "../backoff.js";
import { ConfigurationError } from "../errors.js";
import { DEFAULT_HISTORY_LIMIT } from "../history.js";
import { MAX_HISTORY_LIMIT } from "../text-bounds.js";

/** What to do when the spec changes while a provision job runs. */
export type SpecChangePolicy = "wait" | "cancel";

/**
 * What to do with a launch whose outcome is unknown (E5) when the provider cannot look
 * jobs up (no `findJob`):
 * - `"block"` (default): launch nothing; set the `LaunchOutcomeUnknown` condition, which
 *   tells a human what to check and how to resolve it (see `LaunchResolution`);
 * - `"relaunch"`: launch again, with a Warning event and a message on the `Provisioned`
 *   condition saying a duplicate job may exist. Only for backends where a duplicate run
 *   is harmless.
 */
export type UnknownLaunchPolicy = "block" | "relaunch";

/** Options of the lifecycle engine. Every field has a default (see {@link DEFAULT_ENGINE_OPTIONS}). */
export interface EngineOptions {
  /** Job records kept in status. Default 10, at most `MAX_HISTORY_LIMIT` (25). */
  historyLimit: number;
  /**
   * Delay between status polls of a running job, in ms. Default 10 000. When the caller
   * takes no part in adaptive polling (passes neither `expectedDurationMs` nor
   * `signalsActive`, see `DecideInput`), every job is read this often. Otherwise a job with
   * no duration estimate is read after 1, 2, 4 … s and then every `pollIntervalMs` (see
   * `pollDelay`).
   */
  pollIntervalMs: number;
  /**
   * Adaptive polling: the shortest delay between two reads of a running job, and the first
   * delay of a job with no duration estimate, in ms (used as `min(minPollIntervalMs,
   * pollIntervalMs)`). Default 1 000.
   */
  minPollIntervalMs: number;
  /**
   * Adaptive polling: the longest delay between two reads of a job past its expected end,
   * in ms; at least `pollIntervalMs` is used. Default 600 000 (10 min). The one read at the
   * expected end is not capped.
   */
  maxPollIntervalMs: number;
  /**
   * Adaptive polling: past its expected end, a job is read again after this fraction of its
   * age (see `maxPollIntervalMs`), so its end is seen within this fraction of its duration.
   * A number in (0, 1]. Default 0.04.
   */
  pollStepFraction: number;
  /**
   * Adaptive polling, while the caller receives completion signals for a job: the
   * safety-net reads, in ms. The first comes at the later of this age and twice the
   * expected duration, then each after the later of this delay and the job's age
   * (doubling). Default 300 000 (5 min).
   */
  signalSafetyNetMs: number;
  /** Retry schedule after failed provision jobs of the same config version. */
  provisionBackoff: BackoffPolicy;
  /** Retry schedule after failed deprovision jobs that block deletion (E4). */
  deprovisionBackoff: BackoffPolicy;
  /** Retry schedule after failed calls: launches that created no job, status reads. */
  errorBackoff: BackoffPolicy;
  /**
   * A job still running this long after its launch (ms), as read after that deadline, is
   * marked `Failed` with reason `Timeout` and canceled when the provider can. It stays
   * active (polled, blocking launches, E1) until the backend reports its end, whose real
   * outcome then replaces `Failed`. Default: no timeout.
   */
  jobTimeoutMs: number | undefined;
  /** Spec change while a provision job runs: wait for it (default) or cancel it. */
  onSpecChangeWhileRunning: SpecChangePolicy;
  /** Unknown launch outcome without `findJob`: see {@link UnknownLaunchPolicy}. Default `"block"`. */
  unknownLaunchPolicy: UnknownLaunchPolicy;
  /**
   * How long a pending-launch marker is left alone before its outcome counts as unknown,
   * in ms: another replica may be launching right now. Keep it above the provider's own
   * launch timeout. Default 30 000.
   */
  pendingLaunchGraceMs: number;
}

/** The defaults of {@link EngineOptions}. */
export const DEFAULT_ENGINE_OPTIONS: Readonly<EngineOptions> = Object.freeze({
  historyLimit: DEFAULT_HISTORY_LIMIT,
  pollIntervalMs: 10_000,
  minPollIntervalMs: 1_000,
  maxPollIntervalMs: 600_000,
  pollStepFraction: 0.04,
  signalSafetyNetMs: 300_000,
  provisionBackoff: Object.freeze({ initialMs: 30_000, factor: 2, maxMs: 30 * 60_000 }),
  deprovisionBackoff: Object.freeze({ initialMs: 30_000, factor: 2, maxMs: 30 * 60_000 }),
  errorBackoff: Object.freeze({ initialMs: 5_000, factor: 2, maxMs: 5 * 60_000 }),
  jobTimeoutMs: undefined,
  onSpecChangeWhileRunning: "wait",
  unknownLaunchPolicy: "block",
  pendingLaunchGraceMs: 30_000,
});

/** Partial engine options, as users pass them. */
export type EngineOptionsInput = Partial<
  Omit<EngineOptions, "provisionBackoff" | "deprovisionBackoff" | "errorBackoff">
> & {
  /** Partial override of {@link EngineOptions.provisionBackoff}. */
  provisionBackoff?: Partial<BackoffPolicy>;
  /** Partial override of {@link EngineOptions.deprovisionBackoff}. */
  deprovisionBackoff?: Partial<BackoffPolicy>;
  /** Partial override of {@link EngineOptions.errorBackoff}. */
  errorBackoff?: Partial<BackoffPolicy>;
};

/**
 * Fill defaults and validate.
 *
 * @throws ConfigurationError naming the first invalid option.
 */
export function resolveEngineOptions(input: EngineOptionsInput = {}): EngineOptions {
  const d = DEFAULT_ENGINE_OPTIONS;
  const options: EngineOptions = {
    historyLimit: input.historyLimit ?? d.historyLimit,
    pollIntervalMs: input.pollIntervalMs ?? d.pollIntervalMs,
    minPollIntervalMs: input.minPollIntervalMs ?? d.minPollIntervalMs,
    maxPollIntervalMs: input.maxPollIntervalMs ?? d.maxPollIntervalMs,
    pollStepFraction: input.pollStepFraction ?? d.pollStepFraction,
    signalSafetyNetMs: input.signalSafetyNetMs ?? d.signalSafetyNetMs,
    provisionBackoff: { ...d.provisionBackoff, ...defined(input.provisionBackoff) },
    deprovisionBackoff: { ...d.deprovisionBackoff, ...defined(input.deprovisionBackoff) },
    errorBackoff: { ...d.errorBackoff, ...defined(input.errorBackoff) },
    jobTimeoutMs: "jobTimeoutMs" in input ? input.jobTimeoutMs : d.jobTimeoutMs,
    onSpecChangeWhileRunning: input.onSpecChangeWhileRunning ?? d.onSpecChangeWhileRunning,
    unknownLaunchPolicy: input.unknownLaunchPolicy ?? d.unknownLaunchPolicy,
    pendingLaunchGraceMs: input.pendingLaunchGraceMs ?? d.pendingLaunchGraceMs,
  };
  if (
    !Number.isInteger(options.historyLimit) ||
    options.historyLimit < 1 ||
    options.historyLimit > MAX_HISTORY_LIMIT
  ) {
    throw invalid(
      "historyLimit",
      `an integer from 1 to ${MAX_HISTORY_LIMIT} (the status budget)`,
      options.historyLimit,
    );
  }
  positive("pollIntervalMs", options.pollIntervalMs);
  positive("minPollIntervalMs", options.minPollIntervalMs);
  positive("maxPollIntervalMs", options.maxPollIntervalMs);
  positive("signalSafetyNetMs", options.signalSafetyNetMs);
  if (!(
    Number.isFinite(options.pollStepFraction) &&
    options.pollStepFraction > 0 &&
    options.pollStepFraction <= 1
  )) {
    throw invalid("pollStepFraction", "a number in (0, 1]", options.pollStepFraction);
  }
  nonNegative("pendingLaunchGraceMs", options.pendingLaunchGraceMs);
  if (options.jobTimeoutMs !== undefined) positive("jobTimeoutMs", options.jobTimeoutMs);
  for (const name of ["provisionBackoff", "deprovisionBackoff", "errorBackoff"] as const) {
    const b = options[name];
    nonNegative(`${name}.initialMs`, b.initialMs);
    nonNegative(`${name}.maxMs`, b.maxMs);
    if (!(Number.isFinite(b.factor) && b.factor >= 1)) {
      throw invalid(`${name}.factor`, "a finite number >= 1", b.factor);
    }
    if (b.maxMs < b.initialMs)
      throw invalid(`${name}.maxMs`, `>= initialMs (${b.initialMs})`, b.maxMs);
  }
  if (
    options.onSpecChangeWhileRunning !== "wait" &&
    options.onSpecChangeWhileRunning !== "cancel"
  ) {
    throw invalid(
      "onSpecChangeWhileRunning",
      '"wait" or "cancel"',
      options.onSpecChangeWhileRunning,
    );
  }
  if (options.unknownLaunchPolicy !== "block" && options.unknownLaunchPolicy !== "relaunch") {
    throw invalid("unknownLaunchPolicy", '"block" or "relaunch"', options.unknownLaunchPolicy);
  }
  return options;
}

/** The members of `partial` that are not `undefined` (which means "use the default"). */
function defined<T extends object>(partial: T | undefined): Partial<T> {
  if (!partial) return {};
  return Object.fromEntries(
    Object.entries(partial).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

function positive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw invalid(name, "a finite number > 0", value);
}

function nonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw invalid(name, "a finite number >= 0", value);
}

function invalid(name: string, expected: string, got: unknown): ConfigurationError {
  return new ConfigurationError(
    `engine option ${name} must be ${expected}, got ${typeof got === "string" ? JSON.stringify(got) : String(got)}`,
    {
      details: { option: name },
    },
  );
}
