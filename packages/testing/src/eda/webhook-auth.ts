/**
 * The `ansible.eda.webhook` plugin's middlewares: bearer token, then HMAC (research §10;
 * extensions/eda/plugins/event_source/webhook.py).
 *
 * @module
 */
import { hmacDigest, safeEqual } from "./hmac.js";
import { textReply, type Reply } from "./http-io.js";
import { rawHeader } from "./headers.js";
import type { ResolvedWebhook } from "./options.js";

/**
 * The `bearer_auth` middleware. No `Authorization` header is a `KeyError`, answered with
 * the reason phrase only (aiohttp then writes `401: <reason>` as the body); a value that
 * is not exactly two space-separated words is a `ValueError`.
 */
function checkToken(token: string, raw: readonly string[]): Reply | undefined {
  const header = rawHeader(raw, "Authorization");
  if (header === undefined) {
    return textReply(401, "401: Missing authorization token", "Missing authorization token");
  }
  const parts = header.trim().split(" ");
  if (parts.length !== 2) return textReply(401, "Invalid authorization token");
  const [scheme, presented] = parts as [string, string];
  if (scheme !== "Bearer") return textReply(401, "Only Bearer type is accepted");
  if (!safeEqual(presented, token)) return textReply(401, "Invalid authorization token");
  return undefined;
}

/** The `hmac_verify` middleware: over the raw body, an optional `<algo>=` prefix allowed. */
function checkHmac(
  hmac: NonNullable<ResolvedWebhook["hmac"]>,
  raw: readonly string[],
  body: Buffer,
): Reply | undefined {
  const header = rawHeader(raw, hmac.header);
  if (header === undefined) return textReply(400, "Signature header not found");
  let presented = header.trim();
  const prefix = `${hmac.algorithm}=`;
  if (presented.startsWith(prefix)) presented = presented.slice(prefix.length);
  const expected = hmacDigest(hmac.algorithm, hmac.secret, body, hmac.format);
  return safeEqual(presented, expected) ? undefined : textReply(401, "HMAC verification failed");
}

/**
 * The rejection the plugin's middlewares answer for a request, if any. The token
 * middleware runs first, then HMAC.
 */
export function checkWebhookAuth(
  settings: ResolvedWebhook,
  raw: readonly string[],
  body: Buffer,
): Reply | undefined {
  if (settings.token !== undefined) {
    const rejected = checkToken(settings.token, raw);
    if (rejected) return rejected;
  }
  return settings.hmac ? checkHmac(settings.hmac, raw, body) : undefined;
}
