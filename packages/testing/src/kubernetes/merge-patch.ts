/**
 * JSON merge patch (RFC 7386).
 *
 * @module
 */
import { clone, isObject, setKey, type JsonObject } from "./json.js";

/**
 * Applies a merge patch: objects merge recursively, `null` removes a key, anything else
 * (arrays included) replaces. The inputs are not modified.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = {};
  if (isObject(target))
    for (const [key, value] of Object.entries(target)) setKey(result, key, value);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else setKey(result, key, applyMergePatch(result[key], value));
  }
  return result;
}
