/**
 * One-shot scripts queued with `scriptNext`, consumed by the next launches of a template.
 *
 * @module
 */
import type { TemplateRecord } from "./model.js";
import type { AapJobScript } from "./types.js";

interface Entry {
  readonly name: string;
  readonly organization: string | undefined;
  readonly script: AapJobScript;
  remaining: number;
}

/** A FIFO of one-shot scripts keyed by template name (and optionally organization). */
export class ScriptQueue {
  readonly #entries: Entry[] = [];

  /** Queues `script` for the next `times` launches of the named template. */
  add(name: string, organization: string | undefined, script: AapJobScript, times: number): void {
    this.#entries.push({ name, organization, script, remaining: times });
  }

  /**
   * The oldest queued script matching the template (its name, and its organization when
   * the entry names one), or undefined when none is queued. Nothing is consumed.
   */
  peek(template: TemplateRecord): AapJobScript | undefined {
    return this.#entries[this.#find(template)]?.script;
  }

  /** Consumes one use of the script {@link ScriptQueue.peek} returns, if any. */
  consume(template: TemplateRecord): void {
    const index = this.#find(template);
    const entry = this.#entries[index];
    if (!entry) return;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#entries.splice(index, 1);
  }

  #find(template: TemplateRecord): number {
    return this.#entries.findIndex(
      (entry) =>
        entry.name === template.name &&
        (entry.organization === undefined || entry.organization === template.organization),
    );
  }
}
