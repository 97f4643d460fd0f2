/**
 * Removal of credentials from any text the client puts into errors or logs, including text
 * the server sent back (a proxy may echo the `Authorization` header in an error page).
 *
 * @module
 */
import { SecretRedactor } from "@provisionkit/core";
import type { AapAuth } from "./options.js";

export { MAX_SERVER_TEXT, REDACTED } from "@provisionkit/core";

/**
 * Core's {@link SecretRedactor} for AAP credentials: the literal token or password from the
 * start (with the basic `user:password` forms), secrets read from references added later.
 */
export class Redactor extends SecretRedactor {
  /**
   * @param auth - the credentials whose every encoding must never appear in output. Secrets
   *   given as references are registered with `add` once they are read.
   */
  constructor(auth?: AapAuth) {
    super(auth?.type === "basic" ? { basicUsername: auth.username } : {});
    const literal = auth?.type === "bearer" ? auth.token : auth?.password;
    if (typeof literal === "string") this.add(literal);
  }
}
