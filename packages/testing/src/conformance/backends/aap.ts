/**
 * The ready-made conformance backend for the AAP simulator: a provider launching job (or
 * workflow job) templates directly.
 *
 * @module
 */
import type { JobType, Provider } from "@provisionkit/core";
import type {
  BackendContext,
  BackendControls,
  BackendFaultPlan,
  ConformanceBackend,
  InjectedFaults,
} from "../types.js";
import { AAP_FAILURE_KINDS, AapRun, writeToken, type AapRunOptions } from "./aap-run.js";
import { EVERY_CONTROL, SimulatorBackend } from "./simulator-backend.js";
import { aapFaultKinds, injectKinds } from "./soak-faults.js";

/** Where the provider under test reaches the AAP simulator. */
export interface AapBackendEndpoint {
  /** The AAP base URL, e.g. `http://127.0.0.1:40123` (the API path is discovered). */
  url: string;
  /** A bearer token with write scope (`sim-token` unless the simulator options say otherwise). */
  token: string;
  /**
   * The scenario's virtual clock, in epoch ms: pass it to the provider's `now` option so its
   * own deadlines and caches run on the scenario's time.
   */
  now: () => number;
  /**
   * Set when the suite needs a provider declaring this `blockDeletionOnFailure` (the
   * failed-deprovision scenario of the flag the provider does not declare by default):
   * pass it to the provider's option. Absent: the provider's default.
   */
  blockDeletionOnFailure?: boolean;
  /**
   * Set when the suite needs a provider that gives up on its jobs sooner than by default
   * (`slow-provision-after-timeout`, see `ProviderVariant.jobTimeoutMs`). AapProvider
   * reads its jobs' real end from AAP and has no such timeout: ignore it.
   */
  jobTimeoutMs?: number;
}

/** Options of {@link aapSimulatorBackend}. */
export interface AapSimulatorBackendOptions extends AapRunOptions {
  /**
   * Builds the provider under test for the simulator, e.g.
   * `({ url, token }) => new AapProvider({ client: { url, auth: { type: "bearer", token } } })`.
   * Called once per simulated process.
   */
  provider: (endpoint: AapBackendEndpoint) => Provider;
  /** Shown in reports (default `AAP simulator`, or `AAP simulator (workflows)`). */
  name?: string;
}

interface Running {
  readonly run: AapRun;
  readonly aapUrl: string;
}

class AapSimulatorBackend
  extends SimulatorBackend<Running, AapBackendEndpoint>
  implements ConformanceBackend
{
  readonly name: string;
  readonly secrets: readonly string[];
  override readonly controls: BackendControls = Object.freeze({
    ...EVERY_CONTROL,
    loseAnswers: true,
    strays: true,
    handLaunches: true,
    readFailures: true,
    cancelFailures: true,
    holds: true,
    queuedJobs: true,
    failureKinds: AAP_FAILURE_KINDS,
  });
  readonly #options: AapSimulatorBackendOptions;

  constructor(options: AapSimulatorBackendOptions) {
    super(options?.provider, "aapSimulatorBackend");
    this.#options = options;
    this.name = options.name ?? (options.workflow ? "AAP simulator (workflows)" : "AAP simulator");
    this.secrets = Object.freeze([writeToken(options.simulator?.auth)]);
  }

  async start(context: BackendContext): Promise<void> {
    this.assertIdle();
    const run = new AapRun(context, this.#options);
    const url = await run.aap.start();
    this.begin({ run, aapUrl: url });
  }

  protected async shutdown(state: Running): Promise<void> {
    await state.run.aap.stop();
  }

  protected endpoint({ run, aapUrl: url }: Running): AapBackendEndpoint {
    const clock = run.aap.clock;
    return { url, token: run.token, now: () => clock.now() };
  }

  protected injectRateLimit({ run }: Running, count: number, seconds: number): void {
    run.aap.faults.inject({
      operation: "launch",
      method: "POST",
      times: count,
      action: { type: "rate-limit", retryAfterSeconds: seconds },
    });
  }

  protected injectUnavailable({ run }: Running, count: number): void {
    run.aap.faults.inject({ times: count, action: { type: "status", status: 503 } });
  }

  /** The next `count` job reads and lookups answered 503 (`AapRun.failJobReads`). */
  failNextReads(count: number): void {
    this.running().run.failJobReads(count);
  }

  /** The next `count` cancel POSTs answered 503 (`AapRun.failCancels`). */
  failNextCancels(count: number): void {
    this.running().run.failCancels(count);
  }

  /**
   * The next launch POST (of either template: the scenario asks right before the launch of
   * `_operation`) is carried out, then its connection is destroyed: the simulator's
   * `drop-after-accept`.
   */
  loseNextAnswer(_operation: JobType): void {
    this.running().run.aap.faults.inject({
      operation: "launch",
      method: "POST",
      times: 1,
      action: { type: "drop-after-accept" },
    });
  }

  /** The AAP simulator's rate-based faults of a soak (see `aapFaultKinds`). */
  injectFaults(plan: BackendFaultPlan): InjectedFaults {
    return injectKinds(aapFaultKinds(this.running().run.aap.faults, plan), plan.rate);
  }
}

/**
 * A {@link ConformanceBackend} on the AAP simulator, for providers that launch AAP job
 * templates (or workflow job templates) directly.
 *
 * Each `start` creates a fresh `AapSimulator` on the scenario's clock with a provision and a
 * deprovision template (the providers' convention `create-<kebab kind>` /
 * `delete-<kebab kind>` unless `templates` says otherwise), both with `allowSimultaneous`
 * so that overlapping jobs show in the ledger instead of queueing in AAP. The ledger maps
 * each AAP job to its operation, config version and correlation id through the payload
 * annotations `provisionkit.io/*` (docs/eda-protocol.md). Controls: scripted outcomes and
 * durations, never-ending jobs, purges, 429 with `Retry-After` on the next launches, 503 on
 * the next requests of any kind or on the next job reads only.
 *
 * @example
 * ```ts
 * const backend = aapSimulatorBackend({
 *   provider: ({ url, token }) =>
 *     new AapProvider({ client: { url, auth: { type: "bearer", token } } }),
 * });
 * ```
 */
export function aapSimulatorBackend(options: AapSimulatorBackendOptions): ConformanceBackend {
  return new AapSimulatorBackend(options);
}
