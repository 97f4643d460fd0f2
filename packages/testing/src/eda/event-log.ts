/**
 * Every event received, with its fate; records stay mutable inside the simulator as the
 * fate moves on, and are handed out as copies.
 *
 * @module
 */
import type { EdaEventRecord } from "./records.js";

/** The event log. */
export class EventLog {
  readonly #records: EdaEventRecord[] = [];

  /** Appends a record, numbering it; returns the live record. */
  add(record: Omit<EdaEventRecord, "seq">): EdaEventRecord {
    const live: EdaEventRecord = { seq: this.#records.length + 1, ...record };
    this.#records.push(live);
    return live;
  }

  /** Copies of every record, in arrival order. */
  all(): EdaEventRecord[] {
    return this.#records.map((record) => structuredClone(record));
  }
}
