/** A Kubernetes-style condition, as the engine writes them into status. */
export interface Condition {
  /** Condition type, such as `Ready` (see {@link ConditionType}). */
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: "True" | "False" | "Unknown";
  /** CamelCase machine-readable reason. */
  reason: string;
  /** Human-readable, secret-free message. */
  message: string;
  /** When `status` last changed (ISO-8601). */
  lastTransitionTime: string;
  /** The resource generation this condition was computed for. */
  observedGeneration?: number;
}

/** The condition types the engine maintains. */
export const ConditionType = {
  /** True when the desired config version is the reconciled one and nothing is being deleted. */
  Ready: "Ready",
  /** True when the desired config version has been applied by a succeeded provision job. */
  Provisioned: "Provisioned",
  /** True while the resource is being deprovisioned. */
  Deleting: "Deleting",
  /** True while a failed deprovision with `blockDeletionOnFailure` keeps the finalizer (E4). */
  DeletionBlocked: "DeletionBlocked",
  /**
   * True when a launch's outcome is unknown (a crash between launch and record) and the
   * provider cannot look the job up: a human must check the backend (E5).
   */
  LaunchOutcomeUnknown: "LaunchOutcomeUnknown",
} as const;

/** Find a condition by type. */
export function findCondition(
  conditions: readonly Condition[],
  type: string,
): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

/**
 * Set a condition, returning a new array. `lastTransitionTime` is kept when the status
 * does not change, so that it records the transition, not the last write.
 */
export function setCondition(
  conditions: readonly Condition[],
  next: Omit<Condition, "lastTransitionTime">,
  now: string,
): Condition[] {
  const previous = findCondition(conditions, next.type);
  const lastTransitionTime =
    previous && previous.status === next.status ? previous.lastTransitionTime : now;
  const condition: Condition = { ...next, lastTransitionTime };
  if (condition.observedGeneration === undefined) delete condition.observedGeneration;
  return previous
    ? conditions.map((c) => (c.type === next.type ? condition : c))
    : [...conditions, condition];
}

/** Remove a condition by type, returning a new array. */
export function removeCondition(conditions: readonly Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}
