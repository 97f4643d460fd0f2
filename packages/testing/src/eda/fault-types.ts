/**
 * Public types of fault injection in the EDA simulator.
 *
 * @module
 */

/**
 * A rule answering the webhook's next event POSTs with an HTTP status instead of taking
 * them: what a client sees when something in front of the rulebook (a route, a proxy, an
 * overloaded source) refuses the event. A faulted event is never queued; the event log
 * records it as `rejected` with the status.
 */
export interface EdaWebhookFaultRule {
  /** The HTTP status to answer with, e.g. 429 or 503. */
  status: number;
  /** Extra response headers, e.g. `{ "Retry-After": "5" }`. */
  headers?: Record<string, string>;
  /** The body, sent as `text/plain` (default `<status>: <reason phrase>`). */
  body?: string;
  /** Only POSTs to this endpoint (the path without its leading slash; default: any endpoint). */
  endpoint?: string;
  /**
   * How many events the rule answers (default 1, or `Infinity` when `rate` is given;
   * `Infinity` allowed).
   */
  times?: number;
  /**
   * Answer each matching event with this probability, in (0, 1] (default 1: every one),
   * drawn from the simulator's seeded generator (see {@link EdaFaults.seed}): the same seed
   * and the same sequence of events fault the same events. A matching rule whose draw
   * misses lets the next rule be tried.
   */
  rate?: number;
}

/**
 * A rule that takes the webhook's next event POSTs as usual (authenticated, queued: the
 * rules run and launch their jobs) and then drops the connection instead of answering: the
 * client cannot know whether its event was taken. The plugin queues an event before it
 * writes its answer (ansible/ansible-rulebook 0a3e87fd
 * `ansible_rulebook/event_source/webhook.py:113-131`: `queue.put(data)` at 130, the 200 at
 * 131), so an answer lost on the way back (a proxy's or route's timeout, a reset) leaves
 * the event taken. Unverified assumption: what the client sees is the connection closed
 * without a response (here: the socket destroyed once the event is queued); a gateway
 * could answer 502/504 instead, which the status rules model. An event refused before it is
 * queued (bad credentials, activation down, not a POST) is answered as usual.
 */
export interface EdaDropAfterAcceptRule {
  /** Only POSTs to this endpoint (the path without its leading slash; default: any endpoint). */
  endpoint?: string;
  /** How many taken events lose their answer (default 1; `Infinity` allowed). */
  times?: number;
}

/**
 * A rule that holds the webhook's next event POSTs unanswered: their bodies are read, then
 * nothing happens to them (not authenticated, not queued, not answered) until
 * {@link EdaFaults.release} or the simulator's `stop()`: what a client sees when a proxy,
 * a route or an overloaded source takes a request and never passes it on. A test control,
 * like {@link EdaFaults.onHold}: it models no ansible-rulebook behaviour, so there is no
 * source to cite. Checked before every other rule.
 */
export interface EdaHoldRule {
  /** Only POSTs to this endpoint (the path without its leading slash; default: any endpoint). */
  endpoint?: string;
  /** How many events the rule holds (default 1; `Infinity` allowed). */
  times?: number;
  /**
   * What {@link EdaFaults.release} does with an event this rule holds: `process` it as if it
   * had just arrived (authenticated, queued, answered; default), or `abandon` it: its
   * connection is cut and the event never reaches the rulebook, as an event lost before the
   * source. `stop()` abandons every held event.
   */
  release?: "process" | "abandon";
  /** Passed to the {@link EdaFaults.onHold} listeners with each event this rule holds. */
  label?: string;
}

/**
 * A rule that makes the next events the activation takes wait longer in its queue: each one
 * is accepted and answered as usual, then reaches the rule engine `delayMs` after the
 * activation's own `eventLatencyMs`, so its rule launches its job that much later. The
 * rulebook takes its source queue's events one at a time, in order, applying back pressure
 * before each (ansible/ansible-rulebook e568862 `ansible_rulebook/rule_set_runner.py:226-231`,
 * `_drain_source_queue`): a backlog or a slow rule engine delays an event, and every event
 * behind it waits too, as here (the queue is processed in arrival order). How long a real
 * backlog lasts is not modelled: the delay is a test control, with no source to cite. What
 * a client sees does not change: the answer is the same 200, sent at once.
 */
export interface EdaQueueDelayRule {
  /** How much longer the event waits in the queue, in ms (finite, >= 0). */
  delayMs: number;
  /**
   * Only events POSTed to this webhook endpoint (the path without its leading slash);
   * default: any event the activation takes, from the webhook or an event stream.
   */
  endpoint?: string;
  /** How many events the rule delays (default 1; `Infinity` allowed). */
  times?: number;
}

/** An event POST a `hold` rule holds, as {@link EdaFaults.onHold} listeners are told. */
export interface EdaHeldRequest {
  /** The endpoint it was posted to (the path without its leading slash). */
  endpoint: string;
  /** The rule's {@link EdaHoldRule.label}, if it has one. */
  label?: string;
}

/** A handle on an injected rule. */
export interface EdaFaultHandle {
  /** How many events the rule has answered. */
  readonly fired: number;
  /** Removes the rule; it stops firing. */
  remove(): void;
}

/** Fault injection control of an `EdaSimulator`. */
export interface EdaFaults {
  /**
   * Adds a webhook rule. Rules are checked in insertion order, before authentication and
   * before the activation's status; the first matching rule with remaining times fires.
   * Only POSTs (events) match; other methods are answered as usual.
   *
   * @throws RangeError for a status outside 100–599, a bad `times` or a bad `rate`.
   */
  webhook(rule: EdaWebhookFaultRule): EdaFaultHandle;
  /**
   * Adds a rule that drops the answer of the next events the webhook takes (see
   * {@link EdaDropAfterAcceptRule}). Checked after the status rules, authentication and the
   * activation's status, once the event is queued.
   *
   * @throws RangeError for a bad `times`.
   */
  dropAfterAccept(rule?: EdaDropAfterAcceptRule): EdaFaultHandle;
  /**
   * Adds a rule that holds the webhook's next event POSTs unanswered (see
   * {@link EdaHoldRule}). Hold rules are checked before the status rules.
   *
   * @throws RangeError for a bad `times` or `release`.
   */
  hold(rule?: EdaHoldRule): EdaFaultHandle;
  /**
   * Adds a rule that keeps the next events the activation takes longer in its queue (see
   * {@link EdaQueueDelayRule}). Checked when an event is queued; the first matching rule with
   * remaining times fires.
   *
   * @throws RangeError for a bad `delayMs` or `times`.
   */
  queueDelay(rule: EdaQueueDelayRule): EdaFaultHandle;
  /**
   * Lets every held event go on: processed, or abandoned when its rule's `release` says so.
   * Rules stay; events held later wait for the next call.
   */
  release(): void;
  /** Tells `listener` of each event a `hold` rule holds; returns its removal. */
  onHold(listener: (held: EdaHeldRequest) => void): () => void;
  /**
   * Restarts the seeded generator that rate-based rules draw from (seed 0 until called),
   * e.g. at the start of a soak, so that it can be replayed.
   *
   * @throws RangeError when `seed` is not a safe integer.
   */
  seed(seed: number): void;
  /** Removes every rule (events already held stay held until released). */
  clear(): void;
}
