/**
 * The event streams of the simulated EDA server: definitions with defaults, stable UUIDs
 * and the counters and test-mode fields the server keeps per stream.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { STREAM_DEFAULTS } from "./constants.js";
import type { EdaEventStreamState } from "./records.js";
import type { EdaEventStreamDefinition, EdaStreamAuth } from "./types.js";

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A name-based (version 5 style, SHA-1) UUID, so a stream's URL is the same on every run. */
export function streamUuid(name: string): string {
  const bytes = createHash("sha1").update(`provisionkit-eda-simulator/${name}`).digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The header a stream's credential is read from. */
export function authHeaderOf(auth: EdaStreamAuth): string {
  if (auth.header !== undefined) return auth.header;
  return auth.type === "hmac" ? STREAM_DEFAULTS.hmacHeader : STREAM_DEFAULTS.authHeader;
}

/** One stream: its definition and the state the server keeps. */
export interface StreamEntry {
  /** The definition. */
  readonly definition: EdaEventStreamDefinition;
  /** The UUID in its URL (lower case). */
  readonly uuid: string;
  /** The header carrying its credential. */
  readonly authHeader: string;
  /** Mutable state (without the URL). */
  readonly state: Omit<EdaEventStreamState, "url">;
}

/** The streams by name and UUID. */
export class StreamRegistry {
  readonly #byName = new Map<string, StreamEntry>();
  readonly #byUuid = new Map<string, StreamEntry>();

  /**
   * @param definitions - The streams.
   * @throws TypeError for a duplicate name or UUID, or a malformed UUID.
   */
  constructor(definitions: readonly EdaEventStreamDefinition[]) {
    for (const definition of definitions) {
      const uuid = (definition.uuid ?? streamUuid(definition.name)).toLowerCase();
      if (!UUID_PATTERN.test(uuid))
        throw new TypeError(`event stream ${definition.name}: bad uuid`);
      if (this.#byName.has(definition.name) || this.#byUuid.has(uuid)) {
        throw new TypeError(`duplicate event stream ${definition.name} (${uuid})`);
      }
      const entry: StreamEntry = {
        definition,
        uuid,
        authHeader: authHeaderOf(definition.auth),
        state: {
          name: definition.name,
          uuid,
          testMode: definition.testMode ?? false,
          eventsReceived: 0,
        },
      };
      this.#byName.set(definition.name, entry);
      this.#byUuid.set(uuid, entry);
    }
  }

  /** The names of all streams. */
  names(): Set<string> {
    return new Set(this.#byName.keys());
  }

  /** A stream by name. */
  byName(name: string): StreamEntry | undefined {
    return this.#byName.get(name);
  }

  /** A stream by the UUID in a URL (any case). */
  byUuid(uuid: string): StreamEntry | undefined {
    return this.#byUuid.get(uuid.toLowerCase());
  }
}
