/** What a controller reports about its own health (`ProvisioningController.health()`). */
export interface ControllerHealth {
  /** The controller's name: `<plural>.<group>` of the resource it manages. */
  name: string;
  /** Whether it was started and not stopped. */
  running: boolean;
  /** Whether its informer has listed the resources since it started (its cache is synced). */
  synced: boolean;
  /**
   * How long the watch has been down, ms: since it stopped on an error (or its list or
   * watch request failed) without a new watch established since; `undefined` while it is up.
   */
  watchDownForMs: number | undefined;
  /** How many times the informer was restarted after an error. */
  watchRestarts: number;
}

/** Anything that reports a {@link ControllerHealth}: a `ProvisioningController`. */
export interface HealthSource {
  /** The health as of now. */
  health(): ControllerHealth;
}

/** Default of {@link ReadinessOptions.watchDownBoundMs}: 30 s. */
export const DEFAULT_WATCH_DOWN_BOUND_MS = 30_000;

/** Options of {@link checkReadiness}. */
export interface ReadinessOptions {
  /**
   * How long a controller's watch may be down before the process is reported not ready,
   * ms. A watch that breaks is restarted with backoff (1 s doubling to 60 s by default); a
   * short outage does not make the replica unready, a long one does. Default
   * {@link DEFAULT_WATCH_DOWN_BOUND_MS}.
   */
  watchDownBoundMs?: number;
}

/** One check of a readiness report. */
export interface ReadinessCheck {
  /** `<controller>:<check>`, e.g. `computeinstances.example.com:informer-synced`. */
  name: string;
  /** Whether it passes. */
  ok: boolean;
  /** Why it fails (empty when it passes). */
  reason: string;
}

/** The outcome of {@link checkReadiness}. */
export interface ReadinessReport {
  /** Whether every check passes. */
  ready: boolean;
  /** Every check, in order (three per controller: running, informer-synced, watch). */
  checks: ReadinessCheck[];
}

/**
 * Readiness of a process running `sources`: ready when every controller is running, its
 * informer has synced, and its watch has not been down longer than `watchDownBoundMs`.
 */
export function checkReadiness(
  sources: readonly HealthSource[],
  options: ReadinessOptions = {},
): ReadinessReport {
  const bound = options.watchDownBoundMs ?? DEFAULT_WATCH_DOWN_BOUND_MS;
  const checks: ReadinessCheck[] = [];
  for (const source of sources) {
    const h = source.health();
    checks.push({
      name: `${h.name}:running`,
      ok: h.running,
      reason: h.running ? "" : "the controller is not running",
    });
    checks.push({
      name: `${h.name}:informer-synced`,
      ok: h.synced,
      reason: h.synced ? "" : "the informer has not listed the resources yet",
    });
    const down = h.watchDownForMs;
    const watchOk = down === undefined || down <= bound;
    checks.push({
      name: `${h.name}:watch`,
      ok: watchOk,
      reason: watchOk
        ? ""
        : `the watch has been down for ${Math.round(down)} ms (bound ${bound} ms; ${h.watchRestarts} restarts)`,
    });
  }
  return { ready: checks.every((c) => c.ok), checks };
}

/**
 * The text of a readiness report, in the style of Kubernetes' and controller-runtime's
 * verbose health endpoints: `[+]name ok` or `[-]name failed: reason` per check, then
 * `readyz check passed` or `readyz check failed`.
 */
export function formatReadiness(report: ReadinessReport): string {
  const lines = report.checks.map((c) =>
    c.ok ? `[+]${c.name} ok` : `[-]${c.name} failed: ${c.reason}`,
  );
  lines.push(report.ready ? "readyz check passed" : "readyz check failed");
  return `${lines.join("\n")}\n`;
}
