/**
 * PEM certificate bundles.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Whether `pem` holds at least one certificate and every certificate in it parses. */
export function isValidPemBundle(pem: string | Buffer): boolean {
  const blocks = pem.toString("utf8").match(PEM_BLOCK);
  if (blocks === null) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}
