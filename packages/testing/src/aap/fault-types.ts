/**
 * Public types of fault injection in the AAP simulator.
 *
 * @module
 */
import type { AapOperation } from "./records.js";

/** Answer with this status instead; the request is not processed. */
export interface AapStatusFault {
  /** Discriminator. */
  type: "status";
  /** The HTTP status to answer with. */
  status: number;
  /**
   * The body: a string is sent raw, anything else as JSON (default: a `{"detail": …}`
   * naming the status, AWX's own text for 500).
   */
  body?: unknown;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** Answer 429 `{"detail": …}` with a `Retry-After` header; the request is not processed. */
export interface AapRateLimitFault {
  /** Discriminator. */
  type: "rate-limit";
  /** The `Retry-After` value in seconds. */
  retryAfterSeconds: number;
}

/** Destroy the connection before processing: nothing happened. */
export interface AapResetFault {
  /** Discriminator. */
  type: "reset";
}

/** Process the request fully (a launch creates its job), then destroy the connection. */
export interface AapDropAfterAcceptFault {
  /** Discriminator. */
  type: "drop-after-accept";
}

/**
 * The request's handling takes `ms` on the simulator's clock (a `VirtualClock` included:
 * the delay ends when the clock is advanced past it): the request is carried out at its
 * arrival + `ms` (a launch's job appears then, with that `created` time) and answered
 * then, even if its client gave up meanwhile (the work is done, the answer is dropped).
 * AWX's web container limits apply (`AapSimulatorOptions.harakiriMs`,
 * `harakiriGracefulMs`, `proxyReadTimeoutMs`): past nginx's read timeout the client gets
 * 504 while the work goes on; past uwsgi's kill the work is never done and the client gets
 * 502 (if nginx has not answered yet). `stop()` abandons it unprocessed.
 */
export interface AapDelayFault {
  /** Discriminator. */
  type: "delay";
  /** Handling time in milliseconds on the simulator's clock. */
  ms: number;
}

/**
 * Hold the request unprocessed until `faults.release()` (then it is processed and answered
 * normally, unless `release` says `abandon`) or `stop()` (then it is abandoned, never
 * processed).
 */
export interface AapHangFault {
  /** Discriminator. */
  type: "hang";
  /**
   * What `faults.release()` does with a request this rule holds: `process` it and answer
   * (default), or `abandon` it unprocessed and cut its connection, as a request lost between
   * a proxy and AWX never reaches it. A test control, like `label` and `AapFaults.onHold`:
   * it models no AWX behaviour, so there is no AWX source to cite.
   */
  release?: "process" | "abandon";
  /** Passed to the {@link AapFaults.onHold} listeners with each request this rule holds. */
  label?: string;
}

/** A request a `hang` rule holds, as {@link AapFaults.onHold} listeners are told. */
export interface AapHeldRequest {
  /** The operation of the request, when it is one the simulator tells apart. */
  operation: AapOperation | undefined;
  /** Its HTTP method. */
  method: string;
  /** The rule's {@link AapHangFault.label}, if it has one. */
  label?: string;
}

/** Process the request, then answer 2xx with this body instead of the real one. */
export interface AapMalformedFault {
  /** Discriminator. */
  type: "malformed";
  /** A string is sent raw with a JSON content type; an object is sent as JSON. */
  body: string | Record<string, unknown>;
}

/** What a fault rule does to a matching request. */
export type AapFaultAction =
  | AapStatusFault
  | AapRateLimitFault
  | AapResetFault
  | AapDropAfterAcceptFault
  | AapDelayFault
  | AapHangFault
  | AapMalformedFault;

/** A rule matching requests and the fault to apply to them. */
export interface AapFaultRule {
  /** Operations the rule applies to (default: any request, unknown paths included). */
  operation?: AapOperation | AapOperation[];
  /** HTTP method the rule applies to, case-insensitive (default: any). */
  method?: string;
  /**
   * How many requests the rule fires for (default 1, or `Infinity` when `rate` is given;
   * `Infinity` allowed).
   */
  times?: number;
  /**
   * Fire on each matching request with this probability, in (0, 1] (default 1: on every
   * one), drawn from the simulator's seeded generator (see {@link AapFaults.seed}): the
   * same seed and the same sequence of requests fire the same requests. A matching rule
   * whose draw misses lets the next rule be tried.
   */
  rate?: number;
  /** What to do. */
  action: AapFaultAction;
}

/** A handle on an injected rule. */
export interface AapFaultHandle {
  /** How many requests the rule has fired for. */
  readonly fired: number;
  /** Removes the rule; it stops firing. */
  remove(): void;
}

/** Fault injection control of an `AapSimulator`. */
export interface AapFaults {
  /**
   * Adds a rule. Rules are checked in insertion order; the first matching rule with
   * remaining times fires.
   */
  inject(rule: AapFaultRule): AapFaultHandle;
  /**
   * Restarts the seeded generator that rate-based rules draw from (seed 0 until called),
   * e.g. at the start of a soak, so that it can be replayed.
   *
   * @throws RangeError when `seed` is not a safe integer.
   */
  seed(seed: number): void;
  /** Removes every rule (held requests stay held). */
  clear(): void;
  /**
   * Releases every held (`hang`) request: each is then processed and answered normally, or
   * abandoned unprocessed when its rule's `release` is `abandon`.
   */
  release(): void;
  /**
   * Tell `listener` each time a `hang` rule holds a request (synchronously, as the request is
   * held), with the request and the rule's label: a test can then act on the client waiting
   * for it, e.g. abort its call. Returns a function that removes the listener.
   */
  onHold(listener: (held: AapHeldRequest) => void): () => void;
}
