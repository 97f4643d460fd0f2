/**
 * Event-stream authentication as the EDA server does it (research §10;
 * aap_eda/api/event_stream_authentication.py): token, Basic and HMAC credentials.
 *
 * @module
 */
import type { IncomingHttpHeaders } from "node:http";
import { STREAM_DEFAULTS } from "./constants.js";
import { hmacDigest, safeEqual } from "./hmac.js";
import type { EdaStreamAuth } from "./types.js";

/** The outcome of the credential check. */
export type StreamAuthResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** 400 for a missing header, 403 for a mismatch. */
      readonly status: 400 | 403;
      /** The `detail` text. */
      readonly detail: string;
    };

/** `_token_sans_bearer`: the value after `Bearer `, or the value itself. */
function sansPrefix(value: string, prefix: "Bearer" | "Basic"): string {
  if (!value.startsWith(prefix)) return value;
  // Modelling choice: the server's `split("Bearer ")[1]` fails with a 500 on `Bearerxyz`;
  // the simulator treats it as a mismatch.
  return value.split(`${prefix} `)[1] ?? "";
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(",") : value;
}

/** Checks a POST's credentials against a stream's. */
export function checkStreamAuth(
  auth: EdaStreamAuth,
  headerName: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): StreamAuthResult {
  const value = header(headers, headerName);
  if (value === undefined) {
    return { ok: false, status: 400, detail: `${headerName} header is missing` };
  }
  switch (auth.type) {
    case "token":
      return safeEqual(auth.token, sansPrefix(value, "Bearer"))
        ? { ok: true }
        : { ok: false, status: 403, detail: "Token mismatch, check your token" };
    case "basic": {
      const expected = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
      return safeEqual(expected, sansPrefix(value, "Basic"))
        ? { ok: true }
        : { ok: false, status: 403, detail: "Credential mismatch" };
    }
    case "hmac": {
      const digest = hmacDigest(
        auth.algorithm ?? STREAM_DEFAULTS.hmacAlgorithm,
        auth.secret,
        body,
        auth.encoding ?? STREAM_DEFAULTS.hmacEncoding,
      );
      return safeEqual(`${auth.prefix ?? ""}${digest}`, value)
        ? { ok: true }
        : { ok: false, status: 403, detail: "Signature mismatch, check your payload and secret" };
    }
  }
}
