/**
 * The transport-independent shape of a request and of its answer.
 *
 * @module
 */
import type { ObjectFilter } from "./filter.js";
import type { ResourceType } from "./resource-type.js";
import type { Route } from "./router.js";
import type { WatchStart } from "./watch-hub.js";

/** A request, routed, with its body read. */
export interface KubeHttpRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** What the path addresses. */
  readonly route: Route;
  /** Query parameters. */
  readonly query: URLSearchParams;
  /** The Content-Type header. */
  readonly contentType: string | undefined;
  /** The body as text (empty when none). */
  readonly body: string;
  /** The User-Agent header. */
  readonly userAgent: string | undefined;
  /** `host:port` the server listens on (for `/api`). */
  readonly serverAddress: string;
  /** Whether an injected conflict fault answers this update or patch with 409. */
  readonly conflictFault: (
    verb: "update" | "patch",
    subresource: "status" | "main",
    name: string,
  ) => boolean;
}

/** What to answer. */
export type Outcome =
  | { readonly kind: "json"; readonly status: number; readonly body: unknown }
  | { readonly kind: "text"; readonly status: number; readonly body: string }
  | {
      readonly kind: "watch";
      readonly type: ResourceType;
      readonly filter: ObjectFilter;
      readonly start: WatchStart;
      /** `timeoutSeconds` in milliseconds. */
      readonly timeoutMs: number | undefined;
      /** `allowWatchBookmarks`. */
      readonly bookmarks: boolean;
    };
