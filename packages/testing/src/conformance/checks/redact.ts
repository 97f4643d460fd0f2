/**
 * Secrets out of the suite's own texts: a provider's error message quoted in a violation or
 * in the report never repeats a credential (P1 reports the leak itself).
 *
 * @module
 */

/** `text` with every secret (four characters or more) replaced by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}
