/**
 * Secret canaries: every form in which a server may echo a secret, what must never be found
 * of it afterwards, and every surface an error shows. For tests that a client, provider or
 * controller never lets a secret through in any encoding (a leaky proxy that echoes the
 * credentials it received, raw, URL-encoded, JSON-escaped or in base64).
 *
 * @module
 */
import { inspect } from "node:util";
import { toErrorRecord } from "@provisionkit/core";

/**
 * Every form of `secret` a server may echo: as is, URL-encoded, JSON-quoted, base64
 * (standard and URL-safe, padded or not, URL-encoded) and inside a longer base64 stream at
 * each of the three byte offsets.
 *
 * @param secret - the secret (a token, a password, a `user:password` pair).
 */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const std = bytes.toString("base64");
  const url = bytes.toString("base64url");
  const forms = [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret),
    std,
    std.replace(/=+$/, ""),
    url,
    url + "=".repeat((4 - (url.length % 4)) % 4),
    encodeURIComponent(std),
  ];
  for (const offset of [1, 2, 3]) {
    const stream = Buffer.concat([Buffer.from("#".repeat(offset)), bytes, Buffer.from("~!")]);
    forms.push(stream.toString("base64"), stream.toString("base64url"));
  }
  return forms;
}

/**
 * What must never be found once `secret` was echoed in any of its {@link secretForms}: the
 * secret as is and URL-encoded, and the base64 characters that encode it alone at each byte
 * offset (standard and URL-safe alphabets), which every base64 form contains.
 *
 * @param secret - the secret.
 */
export function secretNeedles(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const cores = [0, 1, 2].flatMap((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const core = encoded.slice(
      Math.ceil((8 * offset) / 6),
      Math.floor((8 * (offset + bytes.length)) / 6),
    );
    return [core, core.replace(/\+/g, "-").replace(/\//g, "_")];
  });
  return [secret, encodeURIComponent(secret), ...cores];
}

/**
 * The {@link secretNeedles} of `secrets` found in `text`: empty when nothing leaked.
 *
 * @param text - the text to search (a log, an error's surfaces, a status, a report).
 * @param secrets - the secrets that must not be there.
 */
export function findSecretLeaks(text: string, secrets: readonly string[]): string[] {
  return secrets.flatMap(secretNeedles).filter((needle) => text.includes(needle));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return inspect(value, { depth: 10 });
  }
}

/**
 * Everything an error shows, as one text: `String(error)`, message, stack, `util.inspect`
 * with hidden fields, its own fields as JSON, `toJSON()`, core's `toErrorRecord`, and the
 * same for its causes (up to 5 deep).
 *
 * @param error - the error (anything thrown).
 */
export function errorSurfaces(error: unknown): string {
  return surfaces(error, 0);
}

function surfaces(error: unknown, depth: number): string {
  if (!(error instanceof Error) || depth > 4) return String(error);
  const own: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(error)) {
    own[key] = (error as unknown as Record<string, unknown>)[key];
  }
  const toJSON = (error as { toJSON?: () => unknown }).toJSON;
  return [
    String(error),
    error.message,
    error.stack ?? "",
    inspect(error, { depth: 10, showHidden: true }),
    safeJson(own),
    typeof toJSON === "function" ? safeJson(toJSON.call(error)) : "",
    safeJson(toErrorRecord(error)),
    error.cause === undefined ? "" : surfaces(error.cause, depth + 1),
  ].join("\n");
}
