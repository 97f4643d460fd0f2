/**
 * Secrets out of the suite's own texts: a provider's error message quoted in a violation or
 * in the report never repeats a credential (P1 reports the leak itself).
 *
 * @module
 */
import { SecretRedactor } from "@provisionkit/core";

const redactors = new WeakMap<readonly string[], SecretRedactor>();

/**
 * `text` with every secret (four characters or more) replaced by `[redacted]`, in every form
 * core's `SecretRedactor` knows: as is, URL-encoded, JSON-escaped and in base64 (standard and
 * URL-safe, alone or inside a longer stream), and any `Authorization` value.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let redactor = redactors.get(secrets);
  if (redactor === undefined) {
    redactor = new SecretRedactor({ replacement: "[redacted]" });
    for (const secret of secrets) if (secret.length >= 4) redactor.add(secret);
    redactors.set(secrets, redactor);
  }
  return redactor.scrub(text);
}
