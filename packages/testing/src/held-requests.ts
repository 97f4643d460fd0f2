/**
 * Requests a simulator holds unanswered until a test releases them, or until the simulator
 * stops: the `hang` faults of the AAP simulator and the `hold` faults of the EDA simulator's
 * webhook. A test control, not a behaviour of AWX or ansible-rulebook.
 *
 * @module
 */

/** How a held request continues: released (the test let it go) or abandoned (simulator stopping). */
export type HoldOutcome = "release" | "abandon";

/** The requests one simulator holds; `T` is what its listeners are told of each. */
export class HeldRequests<T> {
  readonly #settles = new Set<(outcome: HoldOutcome) => void>();
  readonly #listeners = new Set<(held: T) => void>();

  /**
   * Holds `request` until {@link HeldRequests.releaseAll} or {@link HeldRequests.abandonAll},
   * after telling the listeners of it.
   */
  hold(request: T): Promise<HoldOutcome> {
    const outcome = new Promise<HoldOutcome>((resolve) => {
      const settle = (value: HoldOutcome): void => {
        if (this.#settles.delete(settle)) resolve(value);
      };
      this.#settles.add(settle);
    });
    for (const listener of [...this.#listeners]) listener(request);
    return outcome;
  }

  /** Tells `listener` of each request {@link HeldRequests.hold} holds; returns its removal. */
  onHold(listener: (held: T) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Releases every held request. */
  releaseAll(): void {
    for (const settle of [...this.#settles]) settle("release");
  }

  /** Abandons every held request. */
  abandonAll(): void {
    for (const settle of [...this.#settles]) settle("abandon");
  }
}
