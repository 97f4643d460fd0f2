/**
 * A watch over HTTP: a chunked `application/json` response with one event per line,
 * periodic bookmarks, and the `timeoutSeconds` deadline.
 *
 * @module
 */
import { stringifyJson } from "./json.js";
import type { ServerResponse } from "node:http";
import type { WatchEvent, WatchSink } from "./watch-hub.js";

/** Timers of a watch stream. */
export interface WatchStreamOptions {
  /** Real-time interval of BOOKMARK events; undefined sends none. */
  readonly bookmarkIntervalMs: number | undefined;
  /** The BOOKMARK event to send at each interval. */
  readonly bookmark: () => WatchEvent;
  /** Real time after which the stream ends; undefined never. */
  readonly timeoutMs: number | undefined;
}

/**
 * The last event line written, by event type and object: a change fanned out to several
 * watches carries the same stored object to each (watch-hub.ts), and is serialized once.
 */
let lastLine: { type: string; object: unknown; line: string } | undefined;

function lineOf(event: WatchEvent): string {
  const last = lastLine;
  if (last !== undefined && last.object === event.object && last.type === event.type) {
    return last.line;
  }
  const line = `${stringifyJson(event)}\n`;
  // Only objects are shared (a string or number is cheap to serialize again).
  lastLine =
    typeof event.object === "object" && event.object !== null
      ? { type: event.type, object: event.object, line }
      : undefined;
  return line;
}

/** A watch stream on an HTTP response. */
export class HttpWatchSink implements WatchSink {
  readonly #res: ServerResponse;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #onEnd: (() => void)[] = [];
  #ended = false;

  /**
   * Sends the 200 headers at once and starts the timers.
   *
   * @param res - The response to stream on.
   * @param options - Bookmarks and timeout.
   */
  constructor(res: ServerResponse, options: WatchStreamOptions) {
    this.#res = res;
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache, private",
    });
    res.flushHeaders();
    res.on("close", () => this.#finish());
    if (options.bookmarkIntervalMs !== undefined) {
      const interval = setInterval(() => this.send(options.bookmark()), options.bookmarkIntervalMs);
      this.#timers.push(interval);
    }
    if (options.timeoutMs !== undefined) {
      this.#timers.push(setTimeout(() => this.close(), options.timeoutMs));
    }
  }

  /** Calls `listener` once when the stream ends, whoever ends it. */
  onEnd(listener: () => void): void {
    if (this.#ended) listener();
    else this.#onEnd.push(listener);
  }

  /** Writes one event line. */
  send(event: WatchEvent): void {
    if (!this.#ended) this.#res.write(lineOf(event));
  }

  /** Ends the stream cleanly (the chunked body terminates). */
  close(): void {
    if (this.#ended) return;
    this.#finish();
    this.#res.end();
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const timer of this.#timers) clearTimeout(timer);
    for (const listener of this.#onEnd.splice(0)) listener();
  }
}
