/**
 * The simulated rulebook activation: its status over time, its in-memory event queue and
 * the actions it is waiting on.
 *
 * @module
 */
import type { Clock } from "../clock.js";
import type { ResolvedActivation } from "./options.js";
import type { EdaActivationStatus, EdaEventRecord, EdaLaunchedJob } from "./records.js";

/** A launched action the rulebook polls until its job is terminal. */
export interface PendingAction {
  /** The event whose action it is. */
  readonly record: EdaEventRecord;
  /** When it launched. */
  readonly launchedAt: number;
  /** The job. */
  readonly job: EdaLaunchedJob;
}

/** The activation. */
export class Activation {
  readonly #clock: Clock;
  readonly #settings: ResolvedActivation;
  #readyAt: number | undefined;
  #generation = 0;
  /** Accepted events not yet processed by the rule engine, in arrival order. */
  readonly queue: EdaEventRecord[] = [];
  /** Launched actions not yet seen complete. */
  readonly actions: PendingAction[] = [];

  /**
   * @param clock - Clock of the status.
   * @param settings - Startup time and queue policy.
   */
  constructor(clock: Clock, settings: ResolvedActivation) {
    this.#clock = clock;
    this.#settings = settings;
  }

  /** The status at the clock's current time. */
  status(): EdaActivationStatus {
    if (this.#readyAt === undefined) return "stopped";
    return this.#clock.now() < this.#readyAt ? "starting" : "running";
  }

  /** Bumped by every restart and stop: launches started before belong to a dead instance. */
  get generation(): number {
    return this.#generation;
  }

  /** Starts the activation (`starting` for `startupMs`). No-op when not stopped. */
  start(): void {
    if (this.#readyAt === undefined) this.#readyAt = this.#clock.now() + this.#settings.startupMs;
  }

  /**
   * Restarts: `starting` again for `startupMs`; the queue is lost unless
   * `keepQueueOnRestart`; pending actions are forgotten (their jobs go on in AAP).
   *
   * @returns The events lost.
   */
  restart(): EdaEventRecord[] {
    this.#readyAt = this.#clock.now() + this.#settings.startupMs;
    return this.#reset(!this.#settings.keepQueueOnRestart);
  }

  /** Stops: the queue is lost and actions forgotten. Returns the events lost. */
  stop(): EdaEventRecord[] {
    this.#readyAt = undefined;
    return this.#reset(true);
  }

  #reset(dropQueue: boolean): EdaEventRecord[] {
    this.#generation += 1;
    this.actions.length = 0;
    return dropQueue ? this.queue.splice(0) : [];
  }
}
