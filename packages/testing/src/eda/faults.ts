/**
 * Webhook fault rules: matching event POSTs and counting firings.
 *
 * @module
 */
import { STATUS_CODES } from "node:http";
import { checkFaultRate, checkFaultTimes, FaultRandom, FaultRules } from "../fault-rules.js";
import type {
  EdaDropAfterAcceptRule,
  EdaFaultHandle,
  EdaFaults,
  EdaWebhookFaultRule,
} from "./fault-types.js";
import type { Reply } from "./http-io.js";

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

  /** {@inheritDoc EdaFaults.seed} */
  seed(seed: number): void {
    this.#random.reseed(seed);
  }

  /** {@inheritDoc EdaFaults.clear} */
  clear(): void {
    this.#rules.clear();
    this.#drops.clear();
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
