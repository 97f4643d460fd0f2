/**
 * JSON text as Python's `json.dumps` writes it with its default options, which is how AWX
 * stores `extra_vars` (and so the text the API serves for them).
 *
 * @module
 */

/** Escapes every non-ASCII UTF-16 code unit as `\uXXXX`, like `ensure_ascii=True`. */
function asciiString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function dump(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return asciiString(value);
  if (typeof value === "number") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(dump).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([key, item]) => `${asciiString(key)}: ${dump(item)}`).join(", ")}}`;
}

/**
 * Serializes a JSON-compatible value like Python's `json.dumps(value)`: `", "` and `": "`
 * separators, non-ASCII escaped. The value is first normalized through `JSON.stringify`
 * (dropping `undefined`, applying `toJSON`).
 */
export function pythonJsonDumps(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? "null" : dump(JSON.parse(text));
}

/** A deep copy of a JSON-compatible record, normalized like {@link pythonJsonDumps}. */
export function jsonClone(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
