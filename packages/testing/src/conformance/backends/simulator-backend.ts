/**
 * What both ready-made simulator backends share: a per-scenario life cycle (started once,
 * stopped once, "not started" errors), the provider factory called with an endpoint, and
 * the ledger, scripts and purges of the AAP simulator behind them.
 *
 * @module
 */
import type { JobType, Provider } from "@provisionkit/core";
import type {
  BackendControls,
  ConformanceJob,
  ConformanceJobScript,
  HeldRequestKind,
  ProviderVariant,
} from "../types.js";
import { faultCount, retryAfterSeconds, type AapRun } from "./aap-run.js";

/** Every test control on. */
export const EVERY_CONTROL: BackendControls = Object.freeze({
  failures: true,
  neverFinishes: true,
  purge: true,
  rateLimit: true,
  transientFailure: true,
});

/** What a backend of this kind holds while a scenario runs. */
export interface RunningState {
  /** The AAP simulator with the scenario's templates. */
  readonly run: AapRun;
  /** The AAP simulator's base URL. */
  readonly aapUrl: string;
}

/**
 * The base of the AAP and EDA simulator backends. Subclasses start their simulators and
 * call {@link SimulatorBackend.begin}, say how to stop them ({@link SimulatorBackend.shutdown})
 * and what the provider factory gets ({@link SimulatorBackend.endpoint}).
 */
export abstract class SimulatorBackend<S extends RunningState, E extends ProviderVariant> {
  /** Shown in reports and errors. */
  abstract readonly name: string;
  readonly #factory: (endpoint: E) => Provider;
  #current: { state: S; stopped: boolean } | undefined;

  /**
   * Every test control: both simulators script, purge, rate limit and fail on demand, and
   * launch stray jobs and jobs by hand on the AAP simulator.
   */
  readonly controls: BackendControls = Object.freeze({
    ...EVERY_CONTROL,
    strays: true,
    handLaunches: true,
  });

  /**
   * @param factory - builds the provider under test for an endpoint.
   * @param what - the backend function's name, for the error when `factory` is missing.
   * @throws TypeError when `factory` is not a function.
   */
  protected constructor(factory: ((endpoint: E) => Provider) | undefined, what: string) {
    if (typeof factory !== "function") throw new TypeError(`${what} needs a provider factory`);
    this.#factory = factory;
  }

  /** What the provider factory gets for the running state. */
  protected abstract endpoint(state: S): E;

  /** Stops the simulators of `state`. */
  protected abstract shutdown(state: S): Promise<void>;

  /** Stops the scenario's simulators; idempotent. */
  async stop(): Promise<void> {
    const current = this.#current;
    if (!current || current.stopped) return;
    current.stopped = true;
    await this.shutdown(current.state);
  }

  /** A new provider for the running simulators. */
  provider(): Provider {
    return this.#factory(this.endpoint(this.running()));
  }

  /** A provider built with `options` in its endpoint, for the factory to pass on. */
  providerWith(options: ProviderVariant): Provider {
    const endpoint = this.endpoint(this.running());
    const { blockDeletionOnFailure, jobTimeoutMs } = options;
    return this.#factory({
      ...endpoint,
      ...(blockDeletionOnFailure !== undefined && { blockDeletionOnFailure }),
      ...(jobTimeoutMs !== undefined && { jobTimeoutMs }),
    });
  }

  /** The AAP simulator's jobs as conformance jobs; still readable after `stop`. */
  ledger(): ConformanceJob[] {
    return this.#current?.state.run.ledger() ?? [];
  }

  /** How the next job of `operation` plays out. */
  scriptNext(operation: JobType, script: ConformanceJobScript): void {
    this.running().run.scriptNext(operation, script);
  }

  /** Purges a job in the AAP simulator. */
  purge(job: ConformanceJob): void {
    this.running().run.purge(job);
  }

  /**
   * A job of `like`'s template launched through the AAP API with its extra vars under
   * `correlationId`, ended at once (see {@link AapRun.launchStray}).
   */
  launchStray(like: ConformanceJob, correlationId: string): Promise<ConformanceJob> {
    const state = this.running();
    return state.run.launchStray(state.aapUrl, like, correlationId);
  }

  /**
   * Jobs of `like`'s template launched through the AAP API as by hand, none with a launch
   * record, each ended at once (see {@link AapRun.launchByHand}).
   */
  launchByHand(like: ConformanceJob): Promise<readonly ConformanceJob[]> {
    const state = this.running();
    return state.run.launchByHand(state.aapUrl, like);
  }

  /**
   * Answer the next `count` launches with 429 and `Retry-After` (whole seconds, rounded up).
   *
   * @throws RangeError for a negative or fractional count or an invalid wait.
   */
  rateLimitNext(count: number, retryAfterMs: number): void {
    const seconds = retryAfterSeconds(retryAfterMs);
    if (faultCount(count)) this.injectRateLimit(this.running(), count, seconds);
  }

  /**
   * Answer the next `count` requests with 503.
   *
   * @throws RangeError for a negative or fractional count.
   */
  failNext(count: number): void {
    if (faultCount(count)) this.injectUnavailable(this.running(), count);
  }

  /** The kinds {@link SimulatorBackend.holdNext} holds (default: all); others hold nothing. */
  protected readonly heldKinds: readonly HeldRequestKind[] = [
    "read",
    "cancel",
    "template",
    "launch",
  ];

  /**
   * Hold the next `count` requests of `kind` unanswered on the AAP simulator
   * (`AapRun.holdRequests`), when `kind` is one of {@link SimulatorBackend.heldKinds}.
   *
   * @throws RangeError for a negative or fractional count.
   */
  holdNext(kind: HeldRequestKind, count: number, onHeld: () => void): void {
    if (this.heldKinds.includes(kind)) this.running().run.holdRequests(kind, count, onHeld);
  }

  /** Let every held request go on (`AapRun.releaseHeld`); nothing to do once stopped. */
  releaseHeld(): void {
    this.active()?.run.releaseHeld();
  }

  /** Make the simulators answer the next `count` launches with 429 and `Retry-After: seconds`. */
  protected abstract injectRateLimit(state: S, count: number, seconds: number): void;

  /** Make the simulators answer the next `count` requests with 503. */
  protected abstract injectUnavailable(state: S, count: number): void;

  /** @throws Error when a scenario is already running. */
  protected assertIdle(): void {
    if (this.#current && !this.#current.stopped) throw new Error(`${this.name} is already started`);
  }

  /** Records the started simulators of a new scenario. */
  protected begin(state: S): void {
    this.#current = { state, stopped: false };
  }

  /** The running state, or undefined when not started or stopped. */
  protected active(): S | undefined {
    const current = this.#current;
    return current && !current.stopped ? current.state : undefined;
  }

  /** @throws Error when not started. */
  protected running(): S {
    const state = this.active();
    if (!state) throw new Error(`${this.name} is not started`);
    return state;
  }
}
