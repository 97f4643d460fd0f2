/** Builders for pure engine tests. */
import {
  JobState,
  emptyStatus,
  findCondition,
  resolveEngineOptions,
  type Condition,
  type DecideInput,
  type Decision,
  type EngineOptionsInput,
  type JobRecord,
  type PendingLaunch,
  type ProviderCapabilities,
  type ProvisioningStatus,
} from "@provisionkit/core";

export const T0 = Date.UTC(2026, 0, 1);
export const iso = (ms: number): string => new Date(ms).toISOString();
export const V1 = "sha256:11111111111111111111111111111111";
export const V2 = "sha256:22222222222222222222222222222222";

export function caps(name = "memory", canFindJob = true, canCancel = true): ProviderCapabilities {
  return { name, canFindJob, canCancel };
}

export function directory(
  current: ProviderCapabilities,
  ...others: ProviderCapabilities[]
): DecideInput["providers"] {
  const all = new Map([current, ...others].map((c) => [c.name, c]));
  return { current, get: (name) => all.get(name) };
}

export function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId: "j1",
    type: "provision",
    state: JobState.Running,
    message: "running",
    provider: "memory",
    correlationId: "c-j1",
    launchedAt: iso(T0),
    updatedAt: iso(T0),
    attempt: 1,
    configVersion: V1,
    ...overrides,
  };
}

/** A pending launch of a provision of V1 (correlation id `c-pending`), created at T0. */
export function pending(overrides: Partial<PendingLaunch> = {}): PendingLaunch {
  return {
    type: "provision",
    correlationId: "c-pending",
    provider: "memory",
    configVersion: V1,
    attempt: 1,
    createdAt: iso(T0),
    ...overrides,
  };
}

/** The condition `type` of a decision's status, if set. */
export function cond(d: Decision, type: string): Condition | undefined {
  return findCondition(d.status.conditions, type);
}

export function status(overrides: Partial<ProvisioningStatus> = {}): ProvisioningStatus {
  return { ...emptyStatus(), ...overrides };
}

export function input(
  overrides: Partial<Omit<DecideInput, "options">> & { options?: EngineOptionsInput } = {},
): DecideInput {
  let n = 0;
  const { options, ...rest } = overrides;
  return {
    status: status(),
    desiredConfigVersion: V1,
    deleting: false,
    now: T0,
    generation: 3,
    providers: directory(caps()),
    newCorrelationId: () => `corr-${++n}`,
    ...rest,
    options: resolveEngineOptions(options),
  };
}

/** The error of class `type` that `fn` throws (fails the test when nothing, or something else, is thrown). */
export function thrown<E extends Error>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => E,
): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected a ${type.name}, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a ${type.name}, nothing was thrown`);
}
