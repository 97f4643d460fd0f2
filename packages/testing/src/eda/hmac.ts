/**
 * HMAC digests over raw request bodies and constant-time comparison.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { EdaHmacAlgorithm, EdaSignatureEncoding } from "./types.js";

/** The HMAC of `body` under `secret` (UTF-8), encoded as `encoding`. */
export function hmacDigest(
  algorithm: EdaHmacAlgorithm,
  secret: string,
  body: Buffer,
  encoding: EdaSignatureEncoding,
): string {
  return createHmac(algorithm, Buffer.from(secret, "utf8")).update(body).digest(encoding);
}

/**
 * Compares two strings in constant time for a given length, as Python's
 * `hmac.compare_digest` does (different lengths compare unequal at once).
 */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
