/**
 * Requests held by `hang` faults, and their release (`delay` faults run on the simulator's
 * clock instead: timeline.ts).
 *
 * @module
 */

import type { AapHeldRequest } from "./fault-types.js";

/** How a held request continues: processed normally, or abandoned (simulator stopping). */
export type HoldOutcome = "release" | "abandon";

interface Held {
  readonly kind: "hang";
  readonly settle: (outcome: HoldOutcome) => void;
}

/** The set of held requests. */
export class Holds {
  readonly #held = new Set<Held>();
  readonly #listeners = new Set<(held: AapHeldRequest) => void>();

  /**
   * Holds `request` until {@link Holds.releaseHung} or {@link Holds.abandonAll}; tells the
   * listeners.
   */
  hang(request: AapHeldRequest): Promise<HoldOutcome> {
    const held = this.#add("hang", () => undefined);
    for (const listener of [...this.#listeners]) listener(request);
    return held;
  }

  /** Tell `listener` each time a request is held by {@link Holds.hang}; returns its removal. */
  onHang(listener: (held: AapHeldRequest) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Releases every `hang`-held request. */
  releaseHung(): void {
    for (const held of [...this.#held]) if (held.kind === "hang") held.settle("release");
  }

  /** Abandons every held request. */
  abandonAll(): void {
    for (const held of [...this.#held]) held.settle("abandon");
  }

  #add(
    kind: Held["kind"],
    start: (settle: (outcome: HoldOutcome) => void) => (() => void) | undefined,
  ): Promise<HoldOutcome> {
    return new Promise((resolve) => {
      const cleanups: (() => void)[] = [];
      const held: Held = {
        kind,
        settle: (outcome) => {
          if (!this.#held.delete(held)) return;
          for (const cleanup of cleanups) cleanup();
          resolve(outcome);
        },
      };
      this.#held.add(held);
      const cleanup = start(held.settle);
      if (cleanup) cleanups.push(cleanup);
    });
  }
}
