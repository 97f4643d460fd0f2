/**
 * Requests held by delay faults, which `stop()` abandons.
 *
 * @module
 */

/** The pending delays of one server. */
export class Delays {
  readonly #pending = new Set<(released: boolean) => void>();

  /**
   * Waits `ms` real milliseconds.
   *
   * @returns true when the time passed, false when {@link Delays.abandonAll} came first.
   */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const settle = (released: boolean): void => {
        if (!this.#pending.delete(settle)) return;
        clearTimeout(timer);
        resolve(released);
      };
      const timer = setTimeout(() => settle(true), ms);
      this.#pending.add(settle);
    });
  }

  /** Ends every pending delay with `false`. */
  abandonAll(): void {
    for (const settle of [...this.#pending]) settle(false);
  }
}
