/**
 * Redaction for HTTP clients: core's {@link SecretRedactor}, given a client's secrets.
 *
 * @module
 */
import { SecretRedactor, type SecretRedactorOptions } from "../redaction.js";

/**
 * A {@link SecretRedactor} that already knows `secrets` (empty strings are ignored). Pass it
 * to `HttpTransport` and to the error mapping, so no message, detail or log line
 * carries a token, password or key, even one a server echoes back.
 *
 * @param secrets - the values that must never appear in output.
 * @param options - e.g. the user name of basic credentials.
 */
export function redactorFor(
  secrets: readonly string[],
  options: SecretRedactorOptions = {},
): SecretRedactor {
  const redactor = new SecretRedactor(options);
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}
