/**
 * Webhook fault rules: matching event POSTs and counting firings.
 *
 * @module
 */
import { STATUS_CODES } from "node:http";
import type { EdaFaultHandle, EdaFaults, EdaWebhookFaultRule } from "./fault-types.js";
import type { Reply } from "./http-io.js";

interface ActiveRule {
  readonly endpoint: string | undefined;
  readonly times: number;
  readonly reply: Reply;
  fired: number;
}

function validate(rule: EdaWebhookFaultRule): number {
  const times = rule.times ?? 1;
  if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
    throw new RangeError(`fault rule times must be a positive integer or Infinity, got ${times}`);
  }
  if (!(Number.isInteger(rule.status) && rule.status >= 100 && rule.status <= 599)) {
    throw new RangeError(`webhook fault needs an HTTP status, got ${rule.status}`);
  }
  return times;
}

/** The fault rules of one EDA simulator. */
export class FaultRegistry implements EdaFaults {
  readonly #rules: ActiveRule[] = [];

  /** {@inheritDoc EdaFaults.webhook} */
  webhook(rule: EdaWebhookFaultRule): EdaFaultHandle {
    const times = validate(rule);
    const reason = STATUS_CODES[rule.status] ?? "Unknown";
    const active: ActiveRule = {
      endpoint: rule.endpoint,
      times,
      reply: {
        status: rule.status,
        body: rule.body ?? `${rule.status}: ${reason}`,
        contentType: "text/plain; charset=utf-8",
        ...(rule.headers === undefined ? {} : { headers: { ...rule.headers } }),
      },
      fired: 0,
    };
    this.#rules.push(active);
    return {
      get fired() {
        return active.fired;
      },
      remove: () => {
        const index = this.#rules.indexOf(active);
        if (index >= 0) this.#rules.splice(index, 1);
      },
    };
  }

  /** {@inheritDoc EdaFaults.clear} */
  clear(): void {
    this.#rules.length = 0;
  }

  /** Fires the first rule matching a webhook request and returns its reply, if any. */
  matchWebhook(method: string, endpoint: string): Reply | undefined {
    if (method !== "POST") return undefined;
    const rule = this.#rules.find(
      (candidate) =>
        candidate.fired < candidate.times &&
        (candidate.endpoint === undefined || candidate.endpoint === endpoint),
    );
    if (!rule) return undefined;
    rule.fired += 1;
    return rule.reply;
  }
}
