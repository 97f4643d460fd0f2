/**
 * The HTTP transport of the AAP simulator: a `node:http` server on loopback that applies
 * fault rules around the transport-independent request processing.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackService, readRequestBody } from "../loopback-server.js";
import { classify, processRequest } from "./dispatch.js";
import type { FaultRegistry } from "./faults.js";
import type { Holds } from "./holds.js";
import type { AapRequestRecord } from "./records.js";
import type { SimState } from "./state.js";
import {
  malformedResponse,
  rateLimitResponse,
  statusFaultResponse,
  writeResponse,
} from "./wire.js";

/** What the server needs from the simulator. */
export interface ServerDeps {
  /** The state requests act on. */
  readonly state: SimState;
  /** Fault rules. */
  readonly faults: FaultRegistry;
  /** Held requests. */
  readonly holds: Holds;
  /** Called with each request's record when it arrives; the server updates it later. */
  readonly record: (record: AapRequestRecord) => void;
}

/** Cuts the connection without an answer, with a TCP reset when `reset` is set. */
function cut(req: IncomingMessage, reset: boolean): void {
  if (reset) req.socket.resetAndDestroy();
  else req.socket.destroy();
}

/** An HTTP server serving the simulator. */
export class SimServer extends LoopbackService<ServerDeps> {
  /** Abandons held requests (before open connections are destroyed). */
  protected override beforeStop(): void {
    this.deps.holds.abandonAll();
  }

  /** Records the request, applies its fault rule, and answers it (or cuts it). */
  protected async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const { state, faults, holds } = this.deps;
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://simulator");
    const classified = classify(state, method, url.pathname, req.headers.authorization);
    const record: AapRequestRecord = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      operation: classified.operation,
      status: 0,
      at: state.clock.now(),
      auth: classified.auth.scheme,
    };
    this.deps.record(record);
    const authenticated = classified.auth.scope !== undefined;
    const fault = faults.match(classified.operation, method);
    if (fault) record.fault = fault.type;
    try {
      if (fault?.type === "reset") return cut(req, true);
      if (fault?.type === "status" || fault?.type === "rate-limit") {
        const response =
          fault.type === "status" ? statusFaultResponse(fault) : rateLimitResponse(fault);
        writeResponse(res, response, authenticated, startedAt);
        record.status = response.status;
        return;
      }
      // The request is read in full before any hold, as a proxy in front of AWX buffers it:
      // a slow server that gets to it later still carries it out, even when the client has
      // given up waiting meanwhile (the "timeout after accept" case of a launch).
      const body = await readRequestBody(req);
      if (fault?.type === "delay" || fault?.type === "hang") {
        const outcome = await (fault.type === "delay" ? holds.delay(fault.ms) : holds.hang());
        if (outcome === "abandon") return cut(req, false);
      }
      const processed = processRequest(state, classified, {
        method,
        path: url.pathname,
        query: url.searchParams,
        contentType: req.headers["content-type"],
        body,
        now: state.clock.now(),
      });
      if (processed.error !== undefined) record.error = processed.error;
      let { response } = processed;
      if (fault?.type === "drop-after-accept") return cut(req, false);
      if (fault?.type === "malformed") response = malformedResponse(response, fault.body);
      // A client that gave up while the request was held gets no answer, but the work is done.
      if (req.socket.destroyed) return;
      writeResponse(res, response, authenticated, startedAt);
      record.status = response.status;
    } catch {
      // The client went away (or the simulator stopped) while the request was read.
      cut(req, false);
    }
  }
}
