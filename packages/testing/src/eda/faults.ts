/**
 * Webhook fault rules: matching event POSTs and counting firings.
 *
 * @module
 */
import { STATUS_CODES } from "node:http";
import { checkFaultRate, checkFaultTimes, FaultRandom, FaultRules } from "../fault-rules.js";
import { HeldRequests, type HoldOutcome } from "../held-requests.js";
import type {
  EdaDropAfterAcceptRule,
  EdaFaultHandle,
  EdaFaults,
  EdaHeldRequest,
  EdaHoldRule,
  EdaQueueDelayRule,
  EdaWebhookFaultRule,
} from "./fault-types.js";
import type { Reply } from "./http-io.js";

interface ActiveHold {
  readonly endpoint: string | undefined;
  readonly release: "process" | "abandon";
  readonly label: string | undefined;
}

interface ActiveRule {
  readonly endpoint: string | undefined;
  readonly reply: Reply;
}

function validate(rule: EdaWebhookFaultRule): number {
  const times = rule.times ?? (rule.rate === undefined ? 1 : Infinity);
  checkFaultTimes(times, "fault rule times");
  if (rule.rate !== undefined) checkFaultRate(rule.rate, "fault rule rate");
  if (!(Number.isInteger(rule.status) && rule.status >= 100 && rule.status <= 599)) {
    throw new RangeError(`webhook fault needs an HTTP status, got ${rule.status}`);
  }
  return times;
}

/** The fault rules of one EDA simulator. */
export class FaultRegistry implements EdaFaults {
  readonly #random = new FaultRandom();
  readonly #rules = new FaultRules<ActiveRule>(this.#random);
  readonly #drops = new FaultRules<{ readonly endpoint: string | undefined }>(this.#random);
  readonly #holdRules = new FaultRules<ActiveHold>(this.#random);
  readonly #queueDelays = new FaultRules<{
    readonly endpoint: string | undefined;
    readonly delayMs: number;
  }>(this.#random);
  readonly #held = new HeldRequests<EdaHeldRequest>();

  /** {@inheritDoc EdaFaults.webhook} */
  webhook(rule: EdaWebhookFaultRule): EdaFaultHandle {
    const times = validate(rule);
    const reason = STATUS_CODES[rule.status] ?? "Unknown";
    const active: ActiveRule = {
      endpoint: rule.endpoint,
      reply: {
        status: rule.status,
        body: rule.body ?? `${rule.status}: ${reason}`,
        contentType: "text/plain; charset=utf-8",
        ...(rule.headers === undefined ? {} : { headers: { ...rule.headers } }),
      },
    };
    return this.#rules.add(active, times, rule.rate);
  }

  /** {@inheritDoc EdaFaults.dropAfterAccept} */
  dropAfterAccept(rule: EdaDropAfterAcceptRule = {}): EdaFaultHandle {
    const times = rule.times ?? 1;
    checkFaultTimes(times, "drop-after-accept rule times");
    return this.#drops.add({ endpoint: rule.endpoint }, times);
  }

  /** {@inheritDoc EdaFaults.hold} */
  hold(rule: EdaHoldRule = {}): EdaFaultHandle {
    const times = rule.times ?? 1;
    checkFaultTimes(times, "hold rule times");
    const release = rule.release ?? "process";
    if (release !== "process" && release !== "abandon") {
      throw new RangeError(`hold rule release must be "process" or "abandon"`);
    }
    return this.#holdRules.add({ endpoint: rule.endpoint, release, label: rule.label }, times);
  }

  /** {@inheritDoc EdaFaults.queueDelay} */
  queueDelay(rule: EdaQueueDelayRule): EdaFaultHandle {
    const times = rule.times ?? 1;
    checkFaultTimes(times, "queue delay rule times");
    const { delayMs } = rule;
    if (!(typeof delayMs === "number" && Number.isFinite(delayMs) && delayMs >= 0)) {
      throw new RangeError(`queue delay rule delayMs must be a finite number >= 0, got ${delayMs}`);
    }
    return this.#queueDelays.add({ endpoint: rule.endpoint, delayMs }, times);
  }

  /**
   * The extra queue time of an event the activation just took (firing the first matching
   * {@link EdaQueueDelayRule}), 0 when none matches. `endpoint` is the webhook endpoint, or
   * `undefined` for an event stream's event (only rules without an endpoint match it).
   */
  queueDelayOf(endpoint: string | undefined): number {
    const rule = this.#queueDelays.take((r) => r.endpoint === undefined || r.endpoint === endpoint);
    return rule?.delayMs ?? 0;
  }

  /** {@inheritDoc EdaFaults.release} */
  release(): void {
    this.#held.releaseAll();
  }

  /** {@inheritDoc EdaFaults.onHold} */
  onHold(listener: (held: EdaHeldRequest) => void): () => void {
    return this.#held.onHold(listener);
  }

  /**
   * Holds an event POST to `endpoint` when a hold rule matches it (firing the rule), until
   * released or abandoned; resolves at once with `undefined` when no rule matches. Resolves
   * with `abandon` when the event is to be dropped unanswered.
   */
  async holdEvent(method: string, endpoint: string): Promise<HoldOutcome | undefined> {
    if (method !== "POST") return undefined;
    const rule = this.#holdRules.take((r) => r.endpoint === undefined || r.endpoint === endpoint);
    if (rule === undefined) return undefined;
    const outcome = await this.#held.hold(
      rule.label === undefined ? { endpoint } : { endpoint, label: rule.label },
    );
    return outcome === "release" && rule.release === "process" ? "release" : "abandon";
  }

  /** Abandons every held event (the simulator is stopping). */
  abandonHeld(): void {
    this.#held.abandonAll();
  }

  /** {@inheritDoc EdaFaults.seed} */
  seed(seed: number): void {
    this.#random.reseed(seed);
  }

  /** {@inheritDoc EdaFaults.clear} */
  clear(): void {
    this.#rules.clear();
    this.#drops.clear();
    this.#holdRules.clear();
    this.#queueDelays.clear();
  }

  /** Whether the answer to an event just taken at `endpoint` is to be dropped (fires a rule). */
  dropsAnswer(endpoint: string): boolean {
    return (
      this.#drops.take((rule) => rule.endpoint === undefined || rule.endpoint === endpoint) !==
      undefined
    );
  }

  /** Fires the first rule matching a webhook request and returns its reply, if any. */
  matchWebhook(method: string, endpoint: string): Reply | undefined {
    if (method !== "POST") return undefined;
    return this.#rules.take(
      (candidate) => candidate.endpoint === undefined || candidate.endpoint === endpoint,
    )?.reply;
  }
}
