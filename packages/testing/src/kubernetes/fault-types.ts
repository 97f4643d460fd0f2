/**
 * Public types of fault injection in the Kubernetes API simulator. Faults apply to HTTP
 * requests only, never to the simulator's out-of-band methods.
 *
 * @module
 */

/** Which updates a conflict fault turns into 409 Conflict. */
export interface KubeConflictFaultOptions {
  /**
   * How many matching writes answer 409 (a positive integer or `Infinity`). Only writes with
   * a resourceVersion precondition match: every update (a custom resource's PUT must carry
   * one), and a patch only when it sets `metadata.resourceVersion` — the real API server
   * retries a precondition-free patch's conflicts itself (see `carriesResourceVersion`).
   */
  times: number;
  /** Verbs to match (default both `update` and `patch`). */
  verbs?: ("update" | "patch")[];
  /** `status` for writes through the status subresource, `main` for the rest (default any). */
  subresource?: "status" | "main";
  /** Only writes to objects of this name (default any). */
  name?: string;
  /**
   * Fire on each matching request with this probability, in (0, 1] (default 1: on every
   * one, until `times` ran out), drawn from the simulator's seeded generator (see
   * {@link KubeFaults.seed}). A matching rule whose draw misses lets the next rule be tried.
   */
  rate?: number;
}

/** Which requests a status fault answers with an error instead of processing them. */
export interface KubeStatusFaultOptions {
  /** HTTP status code, e.g. 429, 500, 503. */
  code: number;
  /** How many matching requests (a positive integer or `Infinity`). */
  times: number;
  /** HTTP method to match, case-insensitive (default any). */
  method?: string;
  /** A substring of the request's path and query string to match (default any). */
  pathIncludes?: string;
  /** Sent as the `Retry-After` header and `details.retryAfterSeconds`. */
  retryAfterSeconds?: number;
  /** The Status message (default: the real server's wording for the code). */
  message?: string;
  /**
   * Fire on each matching request with this probability, in (0, 1] (default 1: on every
   * one, until `times` ran out), drawn from the simulator's seeded generator (see
   * {@link KubeFaults.seed}). A matching rule whose draw misses lets the next rule be tried.
   */
  rate?: number;
}

/** Which requests a delay fault holds before processing them. */
export interface KubeDelayFaultOptions {
  /** Real milliseconds to wait before processing. */
  ms: number;
  /** How many matching requests (a positive integer or `Infinity`). */
  times: number;
  /** HTTP method to match, case-insensitive (default any). */
  method?: string;
  /** A substring of the request's path and query string to match (default any). */
  pathIncludes?: string;
  /**
   * Fire on each matching request with this probability, in (0, 1] (default 1: on every
   * one, until `times` ran out), drawn from the simulator's seeded generator (see
   * {@link KubeFaults.seed}). A matching rule whose draw misses lets the next rule be tried.
   */
  rate?: number;
}

/**
 * A rule that, when it fires on a request, ends every open watch stream (`drop`, as
 * {@link KubeFaults.dropWatches}) or forgets the watch history (`compact`, as
 * {@link KubeFaults.compact}) before the request is processed: an API server restart or an
 * etcd compaction happening at a moment a request stream decides, at a seeded rate.
 */
export interface KubeWatchFaultOptions {
  /** What happens when it fires. */
  action: "drop" | "compact";
  /** How many times it fires (a positive integer or `Infinity`). */
  times: number;
  /** HTTP method of the requests that may fire it, case-insensitive (default any). */
  method?: string;
  /** A substring of the request's path and query string to match (default any). */
  pathIncludes?: string;
  /**
   * Fire on each matching request with this probability, in (0, 1] (default 1: on every
   * one, until `times` ran out), drawn from the simulator's seeded generator (see
   * {@link KubeFaults.seed}). A matching rule whose draw misses lets the next rule be tried.
   */
  rate?: number;
}

/** A handle on an injected fault rule. */
export interface KubeFaultHandle {
  /** How many requests the rule has fired for. */
  readonly fired: number;
  /** Removes the rule; it stops firing. */
  remove(): void;
}

/** Fault injection control of a `KubernetesApiSimulator`. */
export interface KubeFaults {
  /**
   * The next `times` matching updates or patches answer 409 Conflict with the real message
   * (a "409 storm"). The write must have found its object: a 404 stays a 404.
   */
  conflicts(options: KubeConflictFaultOptions): KubeFaultHandle;
  /** The next `times` matching requests answer a Status error with `code`, unprocessed. */
  status(options: KubeStatusFaultOptions): KubeFaultHandle;
  /** The next `times` matching requests wait `ms` real milliseconds before being processed. */
  delay(options: KubeDelayFaultOptions): KubeFaultHandle;
  /**
   * Ends every open watch, or compacts the watch history, when a matching request comes (at
   * the rule's rate, `times` times); the request is then processed as usual.
   */
  watches(options: KubeWatchFaultOptions): KubeFaultHandle;
  /**
   * Restarts the seeded generator that rate-based rules draw from (seed 0 until called),
   * e.g. at the start of a soak, so that it can be replayed.
   *
   * @throws RangeError when `seed` is not a safe integer.
   */
  seed(seed: number): void;
  /**
   * Ends every open watch stream now, cleanly, as an API server restart or a load balancer
   * does; clients resume from their last resourceVersion.
   *
   * @returns How many streams were open.
   */
  dropWatches(): number;
  /**
   * Forgets all watch history (as an etcd compaction at the current revision): a watch
   * resuming from an older resourceVersion gets a 410 Expired ERROR event, and older
   * continue tokens expire.
   */
  compact(): void;
  /** Removes every conflict, status, delay and watch rule. */
  clear(): void;
}
