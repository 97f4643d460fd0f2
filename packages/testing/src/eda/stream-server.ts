/**
 * The EDA server's external event-stream endpoint (AAP 2.5+; research §10,
 * aap_eda/api/views/external_event_stream.py):
 * `POST /eda-event-streams/api/eda/v1/external_event_stream/<uuid>/post/`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackService } from "../loopback-server.js";
import { STREAM_PATH_PREFIX, STREAM_SOURCE_TYPE } from "./constants.js";
import { streamEvent } from "./event-shape.js";
import { djangoHeaders, streamEventHeaders } from "./headers.js";
import { arrivalRecord, jsonReply, serveReply, type Reply } from "./http-io.js";
import type { EventOrigin, Intake } from "./intake.js";
import { asRecord } from "./payload.js";
import type { EdaRequestRecord } from "./records.js";
import { checkStreamAuth } from "./stream-auth.js";
import { PYYAML_MAX_DEPTH, tooDeepForPython } from "../json-depth.js";
import { parseStreamBody } from "./stream-body.js";
import type { StreamEntry, StreamRegistry } from "./streams.js";

/** What the event-stream server needs. */
export interface StreamServerDeps {
  /** The streams. */
  readonly streams: StreamRegistry;
  /** Where accepted and refused events go. */
  readonly intake: Intake;
  /** Receives each request record; updated when the answer is sent. */
  readonly record: (record: EdaRequestRecord) => void;
}

/** One parsed request. */
interface StreamRequest {
  readonly method: string;
  readonly path: string;
  /** Path and query string, as Django's `get_full_path()`. */
  readonly fullPath: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  readonly at: number;
}

const ROUTE = new RegExp(
  `^${STREAM_PATH_PREFIX.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}([^/]+)/post/$`,
);

/**
 * `test_headers`. Modelling choice: the server keeps every request header there, the
 * credential header included; the simulator leaves the credential out so that no secret
 * is ever recorded.
 */
function testHeaders(entry: StreamEntry, request: StreamRequest): Record<string, string> {
  const auth = entry.authHeader.toLowerCase();
  return Object.fromEntries(
    Object.entries(djangoHeaders(request.headers)).filter(([name]) => name.toLowerCase() !== auth),
  );
}

/** The event-stream server. */
export class StreamServer extends LoopbackService<StreamServerDeps> {
  /** Records the request and answers it. */
  protected async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.deps.intake.now();
    const url = new URL(req.url ?? "/", "http://streams");
    const entry = this.deps.streams.byUuid(ROUTE.exec(url.pathname)?.[1] ?? "");
    const credentialsPresented =
      entry !== undefined && req.headers[entry.authHeader.toLowerCase()] !== undefined;
    const record = arrivalRecord("event-stream", req, url.pathname, at, credentialsPresented);
    this.deps.record(record);
    const fullPath = `${url.pathname}${url.search}`;
    await serveReply(req, res, record, (body) =>
      this.#handle({
        method: record.method,
        path: url.pathname,
        fullPath,
        headers: req.headers,
        body,
        at,
      }),
    );
  }

  #handle(request: StreamRequest): Reply {
    const match = ROUTE.exec(request.path);
    // Unknown paths: Django's 404 (its exact body is unverified).
    if (!match) return jsonReply(404, { detail: "Not found." });
    if (request.method !== "POST") {
      return {
        ...jsonReply(405, { detail: `Method "${request.method}" not allowed.` }),
        headers: { Allow: "POST, OPTIONS" },
      };
    }
    // A malformed UUID and an unknown one both end in `bad uuid specified`: the view
    // catches `DoesNotExist` and `ValidationError` alike.
    const entry = this.deps.streams.byUuid(match[1] ?? "");
    if (!entry) return jsonReply(400, { detail: "bad uuid specified" });
    return this.#post(entry, request);
  }

  #post(entry: StreamEntry, request: StreamRequest): Reply {
    const { intake } = this.deps;
    const { state, definition } = entry;
    const origin: EventOrigin = { source: "event-stream", eventStream: state.name };
    const refuse = (status: number, detail: string): Reply => {
      intake.reject(origin, request.at, status, detail);
      return jsonReply(status, { detail });
    };
    const auth = checkStreamAuth(definition.auth, entry.authHeader, request.headers, request.body);
    if (!auth.ok) {
      // Failed authentication counts as a received event; a missing header does not.
      if (auth.status === 403) this.#count(entry, request.at);
      if (state.testMode)
        this.#test(entry, { error: auth.detail, headers: testHeaders(entry, request) });
      return refuse(auth.status, auth.detail);
    }
    const contentType = request.headers["content-type"] ?? "";
    const parsed = parseStreamBody(contentType, request.body);
    if (!parsed.ok) return refuse(400, `Invalid content. Type: ${contentType}`);
    // The EDA server parses with yaml.safe_load, which raises RecursionError on a body
    // nested PYYAML_MAX_DEPTH deep (measured, src/json-depth.ts). Unverified assumption:
    // that it ends in a 500, and its body (the server's uncaught-exception page is not
    // modelled).
    if (tooDeepForPython(parsed.data, PYYAML_MAX_DEPTH)) {
      return refuse(500, "A server error occurred.");
    }
    // "Some sites send in an array or a string": anything but an object is wrapped.
    const data = asRecord(parsed.data) ?? { body: parsed.data };
    const headers = streamEventHeaders(
      request.headers,
      definition.additionalDataHeaders,
      entry.authHeader,
    );
    const event = streamEvent(
      data,
      request.fullPath,
      state.name,
      headers,
      STREAM_SOURCE_TYPE,
      request.at,
    );
    this.#count(entry, request.at);
    if (state.testMode) {
      this.#test(entry, {
        error: "",
        content: parsed.data,
        contentType: request.headers["content-type"] ?? "unknown",
        headers: testHeaders(entry, request),
      });
    }
    intake.accept(origin, request.at, event, state.testMode);
    return { status: 200 };
  }

  #count(entry: StreamEntry, at: number): void {
    entry.state.eventsReceived += 1;
    entry.state.lastEventReceivedAt = at;
  }

  /** `_update_test_data`: every field is overwritten, unset ones with empty values. */
  #test(
    entry: StreamEntry,
    data: {
      error: string;
      content?: unknown;
      contentType?: string;
      headers: Record<string, string>;
    },
  ): void {
    entry.state.testErrorMessage = data.error;
    entry.state.testContent = data.content ?? "";
    entry.state.testContentType = data.contentType ?? "";
    entry.state.testHeaders = data.headers;
  }
}
