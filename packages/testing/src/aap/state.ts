/**
 * Everything the request handlers share.
 *
 * @module
 */
import type { Clock } from "../clock.js";
import type { AuthSettings } from "./auth.js";
import type { RequestLimits } from "./request-limits.js";
import type { JobStore } from "./job-store.js";
import type { NotificationStore } from "./notifications.js";
import type { TemplateRegistry } from "./registry.js";
import type { Route } from "./router.js";
import type { ScriptQueue } from "./script-queue.js";
import type { AapJobScript } from "./types.js";
import type { SimResponse } from "./response.js";

/** The simulator's state and settings. */
export interface SimState {
  /** The clock every state is computed from. */
  readonly clock: Clock;
  /** What `GET /api/` answers. */
  readonly discovery: "gateway" | "controller";
  /** Accepted credentials. */
  readonly auth: AuthSettings;
  /** uwsgi's and nginx's limits on a request's handling time (`delay` faults). */
  readonly limits: RequestLimits;
  /** When a cancel request ends a pending job. */
  readonly pendingCancel: "in-request" | "task-manager";
  /** Merged under every script. */
  readonly defaultScript: AapJobScript | undefined;
  /** Registered templates. */
  readonly templates: TemplateRegistry;
  /** Created jobs. */
  readonly jobs: JobStore;
  /** Queued one-shot scripts. */
  readonly scripts: ScriptQueue;
  /** Notification templates and their associations (notifications.ts). */
  readonly notifications: NotificationStore;
  /** Called after each request is processed, with its instant (fires due notifications). */
  readonly afterRequest?: (now: number) => void;
}

/** A request as the handlers see it. */
export interface HandlerRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Path without query. */
  readonly path: string;
  /** Query parameters. */
  readonly query: URLSearchParams;
  /** `Content-Type` header. */
  readonly contentType: string | undefined;
  /** Raw body. */
  readonly body: Buffer;
  /** The clock's time when processing starts. */
  readonly now: number;
}

/** A request handler for one route kind. */
export type Handler<K extends Route["kind"]> = (
  state: SimState,
  route: Extract<Route, { kind: K }>,
  request: HandlerRequest,
) => SimResponse;
