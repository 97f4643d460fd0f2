/**
 * JSON merge patch (RFC 7386).
 *
 * @module
 */
import { clone, isObject, setKey, type JsonObject } from "./json.js";

/**
 * Applies a merge patch: objects merge recursively, `null` removes a key, anything else
 * (arrays included) replaces. The inputs are not modified. Iterative: a patch may nest as
 * deep as the API server allows (10,000).
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const root: JsonObject = {};
  const stack: [JsonObject, unknown, JsonObject][] = [[root, target, patch]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [result, base, delta] = top;
    if (isObject(base)) for (const [key, value] of Object.entries(base)) setKey(result, key, value);
    for (const [key, value] of Object.entries(delta)) {
      if (value === null) {
        delete result[key];
      } else if (isObject(value)) {
        const merged: JsonObject = {};
        stack.push([merged, result[key], value]);
        setKey(result, key, merged);
      } else {
        setKey(result, key, clone(value));
      }
    }
  }
  return root;
}
