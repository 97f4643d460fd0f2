/**
 * Work the simulator carries out at an instant of its own clock: the steps of a request
 * held by a `delay` fault (the proxy's timeout answer, the request's processing, the
 * worker's death). The simulator runs every step that is due before it looks at its state
 * (each request, each ledger read), in the order of their instants, each at its own
 * instant; a real-time poller runs them too, so that a client waiting for a late answer
 * gets it once the clock (virtual or not) has passed its instant.
 *
 * @module
 */
import type { Clock } from "../clock.js";

interface Step {
  readonly at: number;
  readonly seq: number;
  readonly run: (at: number) => void;
}

/** How often the poller looks at the clock while steps are scheduled (real milliseconds). */
const POLL_MS = 5;

/** Steps scheduled on the simulator's clock. */
export class Timeline {
  readonly #clock: Clock;
  #steps: Step[] = [];
  #seq = 0;
  #poller: NodeJS.Timeout | undefined;
  #running = false;

  /** @param clock - The simulator's clock. */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** How many steps are scheduled. */
  get size(): number {
    return this.#steps.length;
  }

  /**
   * Schedules `run` for instant `at`; it is called with `at` once the clock reaches it.
   *
   * @returns A function that unschedules the step (no-op once it ran).
   */
  schedule(at: number, run: (at: number) => void): () => void {
    const step: Step = { at, seq: this.#seq++, run };
    this.#steps.push(step);
    this.#steps.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.#startPoller();
    return () => {
      this.#steps = this.#steps.filter((candidate) => candidate !== step);
      if (this.#steps.length === 0) this.#stopPoller();
    };
  }

  /**
   * Runs every step whose instant is at or before the clock's reading, earliest first
   * (steps a step schedules run too when due). Re-entrant calls do nothing.
   */
  runDue(): void {
    if (this.#running) return;
    this.#running = true;
    try {
      const now = this.#clock.now();
      for (;;) {
        const next = this.#steps[0];
        if (!next || next.at > now) break;
        this.#steps.shift();
        try {
          next.run(next.at);
        } catch {
          // A step only writes to a socket that may be gone; the rest still run.
        }
      }
    } finally {
      this.#running = false;
      if (this.#steps.length === 0) this.#stopPoller();
    }
  }

  /** Drops every scheduled step unrun (the simulator is stopping). */
  clear(): void {
    this.#steps = [];
    this.#stopPoller();
  }

  #startPoller(): void {
    if (this.#poller !== undefined) return;
    this.#poller = setInterval(() => this.runDue(), POLL_MS);
    this.#poller.unref();
  }

  #stopPoller(): void {
    if (this.#poller !== undefined) clearInterval(this.#poller);
    this.#poller = undefined;
  }
}
