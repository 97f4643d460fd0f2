import { silentLogger, type Logger } from "../logger.js";

/** Something {@link handleShutdownSignals} stops: a `ProvisioningController`, an `OperatorServer`. */
export interface Stoppable {
  /** Stop; resolves when stopped. */
  stop(): Promise<void>;
}

/** The process, as far as {@link handleShutdownSignals} uses it (injectable for tests). */
export interface SignalProcess {
  /** Listen for a signal. */
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  /** Stop listening. */
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  /** End the process with a code. */
  exit(code: number): void;
}

/** Options of {@link handleShutdownSignals}. */
export interface ShutdownOptions {
  /** Signals that start the shutdown. Default `SIGTERM` (what the kubelet sends) and `SIGINT`. */
  signals?: readonly NodeJS.Signals[];
  /**
   * How long the stops may take, ms, before the process exits with code 1 anyway. Keep it
   * below the pod's `terminationGracePeriodSeconds` (30 s by default), after which the
   * kubelet kills the process. Default 25 000.
   */
  timeoutMs?: number;
  /** Where the shutdown is logged. Default silent. */
  logger?: Logger;
  /** Exit code after a clean stop. Default 0. */
  exitCode?: number;
  /** The process to listen on and exit. Default the global `process`. */
  process?: SignalProcess;
}

/** Default of {@link ShutdownOptions.timeoutMs}. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

/**
 * Opt-in graceful shutdown: on the first of `signals` (default SIGTERM and SIGINT), stop
 * `targets` one after the other, in the order given (the controller first: it finishes the
 * reconciles under way and records the launches in flight; then the operator server), and
 * exit with `exitCode` (0), or with 1 when a stop throws or the whole takes longer than
 * `timeoutMs`. A second signal during the shutdown exits at once with 1.
 *
 * @returns A function that removes the signal listeners (no shutdown happens afterwards).
 */
export function handleShutdownSignals(
  targets: Stoppable | readonly Stoppable[],
  options: ShutdownOptions = {},
): () => void {
  const list: readonly Stoppable[] = Array.isArray(targets) ? targets : [targets as Stoppable];
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    throw new RangeError(`timeoutMs must be a non-negative number, got ${timeoutMs}`);
  }
  const logger = options.logger ?? silentLogger;
  const proc: SignalProcess = options.process ?? process;
  let shuttingDown = false;
  let exited = false;
  const exit = (code: number) => {
    if (exited) return;
    exited = true;
    proc.exit(code);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, "second signal during shutdown; exiting now");
      exit(1);
      return;
    }
    shuttingDown = true;
    logger.info({ signal, timeoutMs }, "shutting down");
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const stopAll = (async () => {
      let failed = false;
      for (const target of list) {
        try {
          await target.stop();
        } catch (error) {
          failed = true;
          logger.error(
            { error: error instanceof Error ? error.message : String(error) },
            "stopping failed during shutdown",
          );
        }
      }
      return failed ? ("failed" as const) : ("stopped" as const);
    })();
    void Promise.race([stopAll, expired]).then((outcome) => {
      clearTimeout(timer);
      if (outcome === "timeout") {
        logger.error({ timeoutMs }, "shutdown timed out; exiting");
        exit(1);
        return;
      }
      logger.info({ durationMs: Date.now() - started, outcome }, "shut down");
      exit(outcome === "stopped" ? (options.exitCode ?? 0) : 1);
    });
  };

  for (const signal of signals) proc.on(signal, onSignal);
  return () => {
    for (const signal of signals) proc.off(signal, onSignal);
  };
}
