/**
 * The errors a provider's calls threw during one world, for the report: every error is
 * shown with its message (secrets redacted), whether or not a check turned it into a
 * violation, so a failure filed under another rule still shows its cause (issue 13: a 403
 * from `findJob` appeared nowhere in the JSON report).
 *
 * @module
 */
import { redact } from "../checks/redact.js";
import type { Trace } from "../driver/trace.js";
import { MAX_PROVIDER_ERRORS, type ProviderCallError } from "../types.js";

/** Longest message kept, in characters. */
const MAX_MESSAGE = 500;

/**
 * The distinct errors of a trace's provider calls (method, class, code and message), oldest
 * first, each with how often it was thrown; at most {@link MAX_PROVIDER_ERRORS}.
 */
export function providerErrors(trace: Trace): ProviderCallError[] {
  const found = new Map<string, ProviderCallError>();
  for (const call of trace.calls) {
    if (call.outcome.ok) continue;
    const error = call.outcome.error;
    // Redact before cutting: a cut through a secret would leave half of it unrecognised.
    const whole = redact(error.message, trace.secrets);
    const message = whole.length > MAX_MESSAGE ? `${whole.slice(0, MAX_MESSAGE)}…` : whole;
    const slot = `${call.method}|${error.name}|${error.code ?? ""}|${message}`;
    const seen = found.get(slot);
    if (seen) {
      seen.count++;
      continue;
    }
    if (found.size >= MAX_PROVIDER_ERRORS) continue;
    const entry: ProviderCallError = {
      method: call.method,
      resourceKey: call.resourceKey,
      at: call.at - trace.start,
      name: redact(error.name, trace.secrets),
      typed: error.typed,
      message,
      count: 1,
    };
    if (error.code !== undefined) entry.code = redact(error.code, trace.secrets);
    found.set(slot, entry);
  }
  return [...found.values()];
}
