/**
 * Removal of secrets from any text the client puts into errors or logs, including text the
 * server sent back (a proxy may echo request headers in an error page).
 *
 * @module
 */
import { SecretRedactor } from "@provisionkit/core";

/** Core's {@link SecretRedactor}, given the client's secrets at once. */
export class Redactor extends SecretRedactor {
  /** @param secrets - values that must never appear in output. */
  constructor(secrets: readonly string[]) {
    super();
    for (const secret of secrets) this.add(secret);
  }
}
