/**
 * The HTTP transport of the AAP simulator: a `node:http` server on loopback that applies
 * fault rules around the transport-independent request processing.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackService, readRequestBody } from "../loopback-server.js";
import { classify, processRequest, type Classified } from "./dispatch.js";
import type { AapHeldRequest } from "./fault-types.js";
import type { FaultRegistry } from "./faults.js";
import type { HeldRequests } from "../held-requests.js";
import type { AapRequestRecord } from "./records.js";
import { planRequest } from "./request-limits.js";
import type { SimResponse } from "./response.js";
import type { SimState } from "./state.js";
import type { Timeline } from "./timeline.js";
import {
  malformedResponse,
  rateLimitResponse,
  statusFaultResponse,
  writeProxyError,
  writeResponse,
} from "./wire.js";

/** What the server needs from the simulator. */
export interface ServerDeps {
  /** The state requests act on. */
  readonly state: SimState;
  /** Fault rules. */
  readonly faults: FaultRegistry;
  /** Requests held by `hang` faults. */
  readonly holds: HeldRequests<AapHeldRequest>;
  /** Steps of delayed requests, on the simulator's clock. */
  readonly timeline: Timeline;
  /** Called with each request's record when it arrives; the server updates it later. */
  readonly record: (record: AapRequestRecord) => void;
}

/** Cuts the connection without an answer, with a TCP reset when `reset` is set. */
function cut(req: IncomingMessage, reset: boolean): void {
  if (reset) req.socket.resetAndDestroy();
  else req.socket.destroy();
}

/** What is known about a request once its body is read. */
interface Received {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly classified: Classified;
  readonly record: AapRequestRecord;
  readonly url: URL;
  readonly method: string;
  readonly body: Buffer;
  readonly startedAt: number;
  readonly authenticated: boolean;
}

/** An HTTP server serving the simulator. */
export class SimServer extends LoopbackService<ServerDeps> {
  /** Abandons held and delayed requests (before open connections are destroyed). */
  protected override beforeStop(): void {
    this.deps.holds.abandonAll();
    this.deps.timeline.clear();
  }

  /** Records the request, applies its fault rule, and answers it (or cuts it). */
  protected async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const { state, faults, holds, timeline } = this.deps;
    // Whatever delayed work is due happened before this request arrived.
    timeline.runDue();
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
      const received: Received = {
        req,
        res,
        classified,
        record,
        url,
        method,
        body,
        startedAt,
        authenticated,
      };
      if (fault?.type === "delay") return this.#delay(received, fault.ms);
      // Test controls (fault-types.ts), not AWX behaviour: nothing to cite.
      if (fault?.type === "hang") {
        const held = { operation: classified.operation, method };
        const outcome = await holds.hold(
          fault.label === undefined ? held : { ...held, label: fault.label },
        );
        if (outcome === "abandon" || fault.release === "abandon") return cut(req, false);
      }
      timeline.runDue();
      const response = this.#process(received, state.clock.now());
      if (fault?.type === "drop-after-accept") return cut(req, false);
      this.#answer(
        received,
        fault?.type === "malformed" ? malformedResponse(response, fault.body) : response,
      );
    } catch {
      // The client went away (or the simulator stopped) while the request was read.
      cut(req, false);
    }
  }

  /** Processes a request at instant `now` and records any unexpected error. */
  #process(received: Received, now: number): SimResponse {
    const { url } = received;
    const processed = processRequest(this.deps.state, received.classified, {
      method: received.method,
      path: url.pathname,
      query: url.searchParams,
      contentType: received.req.headers["content-type"],
      body: received.body,
      now,
    });
    if (processed.error !== undefined) received.record.error = processed.error;
    return processed.response;
  }

  /** Writes the answer unless the client already gave up or was answered (then the work stays done). */
  #answer(received: Received, response: SimResponse): void {
    const { req, res, record } = received;
    if (req.socket.destroyed || res.writableEnded) return;
    writeResponse(res, response, received.authenticated, received.startedAt);
    record.status = response.status;
  }

  /**
   * A request whose handling takes `ms` on the simulator's clock from its arrival, under
   * AWX's request limits (request-limits.ts): carried out at arrival + `ms` and answered
   * then, unless nginx has answered 504 first (the work is done all the same), or the
   * worker is killed first (nothing is done; nginx answers 502 unless it already did).
   */
  #delay(received: Received, ms: number): void {
    const { state, timeline } = this.deps;
    const arrival = received.record.at;
    const plan = planRequest(state.limits, ms);
    if (plan.proxyTimeoutAfterMs !== undefined) {
      timeline.schedule(arrival + plan.proxyTimeoutAfterMs, () => this.#proxyError(received, 504));
    }
    if (plan.doneAfterMs !== undefined) {
      timeline.schedule(arrival + plan.doneAfterMs, (at) =>
        this.#answer(received, this.#process(received, at)),
      );
    } else if (plan.killedAfterMs !== undefined) {
      timeline.schedule(arrival + plan.killedAfterMs, () => this.#proxyError(received, 502));
    }
    timeline.runDue();
  }

  /** nginx's own answer for an upstream that timed out (504) or died (502). */
  #proxyError(received: Received, status: 502 | 504): void {
    const { req, res, record } = received;
    if (req.socket.destroyed || res.writableEnded) return;
    writeProxyError(res, status);
    record.status = status;
  }
}
