/**
 * The HTTP transport: a `node:http` server on loopback that records requests, applies
 * fault rules and authentication, and answers through the dispatcher or a watch stream.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LoopbackService, readBodyOrCut } from "../loopback-server.js";
import { Delays } from "./delays.js";
import { dispatch, type Outcome } from "./dispatch.js";
import { faultStatus, internalError, unauthorized } from "./errors.js";
import type { FaultRegistry } from "./faults.js";
import { stringifyJson } from "./json.js";
import { bodyTooLarge, MAX_REQUEST_BODY_BYTES } from "./limits.js";
import type { KubeFaultKind, KubeRequestRecord } from "./records.js";
import { route } from "./router.js";
import type { KubeState } from "./state.js";
import { KubeStatusError, type KubeStatus } from "./status.js";
import type { WatchHub } from "./watch-hub.js";
import { HttpWatchSink } from "./watch-stream.js";

/** What the server needs from the simulator. */
export interface ServerDeps {
  /** The state requests act on. */
  readonly state: KubeState;
  /** Open watches. */
  readonly hub: WatchHub;
  /** Fault rules. */
  readonly faults: FaultRegistry;
  /** Required bearer token, if any. */
  readonly token: string | undefined;
  /** Interval of bookmarks on watches that allow them. */
  readonly bookmarkIntervalMs: number;
  /** Called with each request's record on arrival; the server updates it later. */
  readonly record: (record: KubeRequestRecord) => void;
}

function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = stringifyJson(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(payload),
    "Cache-Control": "no-cache, private",
    ...headers,
  });
  res.end(payload);
}

function writeStatus(
  res: ServerResponse,
  status: KubeStatus,
  headers?: Record<string, string>,
): number {
  const code = status.code ?? 500;
  writeJson(res, code, status, headers);
  return code;
}

/** Methods whose body the real server reads with its size limit (create, update, patch, delete). */
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An HTTP server serving the simulator. */
export class KubeServer extends LoopbackService<ServerDeps> {
  readonly #delays = new Delays();

  /** Ends watches and abandons delayed requests (before connections are destroyed). */
  protected override beforeStop(): void {
    this.deps.hub.dropAll();
    this.#delays.abandonAll();
  }

  /** Records the request, applies fault rules and authentication, and answers it. */
  protected async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { state, faults } = this.deps;
    const method = (req.method ?? "GET").toUpperCase();
    const target = req.url ?? "/";
    const url = new URL(target, "http://simulator");
    const userAgent = req.headers["user-agent"];
    const record: KubeRequestRecord = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      at: state.clock.now(),
      watch: ["true", "1"].includes(url.searchParams.get("watch") ?? ""),
      ...(userAgent === undefined ? {} : { userAgent }),
    };
    this.deps.record(record);
    const addFault = (kind: KubeFaultKind): void => {
      record.faults = [...(record.faults ?? []), kind];
    };
    const bytes = await readBodyOrCut(req);
    if (bytes === undefined) return;
    const body = bytes.toString("utf8");
    const watchFault = faults.takeWatchFault({ method, target });
    if (watchFault !== undefined) addFault(watchFault);
    const delay = faults.takeDelay({ method, target });
    if (delay !== undefined) {
      addFault("delay");
      if (!(await this.#delays.wait(delay)) || req.socket.destroyed) {
        req.socket.destroy();
        return;
      }
    }
    const statusFault = faults.takeStatus({ method, target });
    if (statusFault) {
      addFault("status");
      const { code, message, retryAfterSeconds } = statusFault;
      const headers: Record<string, string> =
        retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) };
      record.status = writeStatus(
        res,
        faultStatus(code, message, retryAfterSeconds).status,
        headers,
      );
      return;
    }
    const { token } = this.deps;
    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
      record.status = writeStatus(res, unauthorized().status);
      return;
    }
    if (bytes.length > MAX_REQUEST_BODY_BYTES && WRITE_METHODS.has(method)) {
      // k8s.io/apiserver reads write bodies through limitedReadBody (see limits.ts).
      record.status = writeStatus(res, bodyTooLarge().status);
      return;
    }
    let outcome: Outcome;
    try {
      outcome = dispatch(state, {
        method,
        route: route(state.registry, url.pathname),
        query: url.searchParams,
        contentType: req.headers["content-type"],
        body,
        userAgent,
        serverAddress: this.url?.replace("http://", "") ?? "127.0.0.1",
        conflictFault: (verb, subresource, name) => {
          const fired = faults.takeConflict(verb, subresource, name);
          if (fired) addFault("conflict");
          return fired;
        },
      });
    } catch (error) {
      const status =
        error instanceof KubeStatusError ? error.status : internalError(String(error)).status;
      record.status = writeStatus(res, status);
      return;
    }
    record.status = this.#answer(res, outcome);
  }

  #answer(res: ServerResponse, outcome: Outcome): number {
    switch (outcome.kind) {
      case "json":
        writeJson(res, outcome.status, outcome.body);
        return outcome.status;
      case "text":
        res.writeHead(outcome.status, { "Content-Type": "text/plain; charset=utf-8" });
        res.end(outcome.body);
        return outcome.status;
      case "watch": {
        const { hub, bookmarkIntervalMs } = this.deps;
        const sink = new HttpWatchSink(res, {
          bookmarkIntervalMs: outcome.bookmarks ? bookmarkIntervalMs : undefined,
          bookmark: () => hub.bookmark(outcome.type),
          timeoutMs: outcome.timeoutMs,
        });
        const handle = hub.open(outcome.type, outcome.filter, sink, outcome.start);
        sink.onEnd(() => handle.close());
        return 200;
      }
    }
  }
}
