/**
 * Plain JSON helpers: type guards, deep equality, cloning, serialization, safe key
 * assignment and a scanner for depth and number limits. Nothing here recurses on the
 * depth of a value: the real API server accepts objects nested 10,000 deep (see
 * `limits.ts`), deeper than `structuredClone` (about 2,000 here) or `JSON.stringify`
 * (about 4,000) can handle on Node's default stack.
 *
 * @module
 */

/** A JSON object as parsed from a request body or stored by the simulator. */
export type JsonObject = Record<string, unknown>;

/** Whether `value` is a JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isContainer(value: unknown): value is JsonObject | unknown[] {
  return typeof value === "object" && value !== null;
}

/** How deep {@link cloneJson} goes before it leaves a value to `structuredClone`. */
const PLAIN_CLONE_DEPTH = 256;

/** {@link cloneJson}'s answer for a value it does not copy itself. */
const NOT_PLAIN: unique symbol = Symbol("not plain JSON");

/**
 * A deep copy of a JSON value. Plain data (records, dense arrays, strings, numbers,
 * booleans, null) is copied by a recursive walk, about 4.5 times faster than
 * `structuredClone` for a 1 KB object (1.1 against 5.2 µs), which the simulator's writes
 * do several times each (issue 17: at 10,000 objects `structuredClone` was a sixth of the
 * simulator's CPU). Anything else (a Date, a class instance, a sparse array, a function, a
 * sub-object referenced twice or in a cycle, nesting past 256 levels) goes to
 * `structuredClone` as before, so it throws and copies as that does; a value nested too
 * deeply for it is copied by an iterative walk (plain objects and arrays; anything else is
 * shared).
 */
export function clone<T>(value: T): T {
  const plain = cloneJson(value, 0, new Set());
  if (plain !== NOT_PLAIN) return plain as T;
  try {
    return structuredClone(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return cloneIteratively(value);
  }
}

function cloneJson(value: unknown, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "undefined":
      return value;
    case "object":
      break;
    default:
      return NOT_PLAIN;
  }
  if (value === null) return null;
  // Shared or cyclic references are structuredClone's to keep as they are.
  if (depth >= PLAIN_CLONE_DEPTH || seen.has(value)) return NOT_PLAIN;
  seen.add(value);
  if (Array.isArray(value)) {
    const items = value as unknown[];
    const copy = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) {
      if (!(i in items)) return NOT_PLAIN;
      const item = cloneJson(items[i], depth + 1, seen);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      copy[i] = item;
    }
    // Members beside the indexes (never in JSON) are structuredClone's to copy.
    if (Object.keys(items).length !== items.length) return NOT_PLAIN;
    return copy;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const member = cloneJson(record[key], depth + 1, seen);
    if (member === NOT_PLAIN) return NOT_PLAIN;
    if (key === "__proto__") setKey(copy, key, member);
    else copy[key] = member;
  }
  return copy;
}

function cloneIteratively<T>(value: T): T {
  if (!isContainer(value)) return value;
  const copyOf = (source: JsonObject | unknown[]): JsonObject | unknown[] =>
    Array.isArray(source) ? new Array<unknown>(source.length) : {};
  const root = copyOf(value);
  const stack: [JsonObject | unknown[], JsonObject | unknown[]][] = [[value, root]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [source, target] = top;
    const entries: [string | number, unknown][] = Array.isArray(source)
      ? source.map((item, index) => [index, item])
      : Object.entries(source);
    for (const [key, item] of entries) {
      const copy = isContainer(item) && !(item instanceof Date) ? copyOf(item) : item;
      if (Array.isArray(target)) target[key as number] = copy;
      else setKey(target, key as string, copy);
      if (copy !== item) stack.push([item as JsonObject | unknown[], copy as JsonObject]);
    }
  }
  return root as T;
}

/**
 * `JSON.stringify(value)` for the values the simulator serves; a value nested too deeply
 * for it is serialized by an iterative walk with the same rules (object members whose value
 * is undefined or a function are left out, array slots become `null`, non-finite numbers
 * `null`, `toJSON` is honoured).
 */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return stringifyIteratively(value);
  }
}

type Frame = { kind: "text"; text: string } | { kind: "value"; value: unknown; inArray: boolean };

function stringifyIteratively(value: unknown): string {
  const out: string[] = [];
  const stack: Frame[] = [{ kind: "value", value, inArray: true }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    if (frame.kind === "text") {
      out.push(frame.text);
      continue;
    }
    let item = frame.value;
    if (isContainer(item) && typeof (item as { toJSON?: unknown }).toJSON === "function")
      item = (item as { toJSON: () => unknown }).toJSON();
    if (!isContainer(item)) {
      const text = JSON.stringify(item) as string | undefined;
      out.push(text ?? "null");
      continue;
    }
    // Frames are pushed in reverse: the stack pops the first member first.
    if (Array.isArray(item)) {
      stack.push({ kind: "text", text: "]" });
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push({ kind: "value", value: item[i], inArray: true });
        if (i > 0) stack.push({ kind: "text", text: "," });
      }
      out.push("[");
      continue;
    }
    const members = Object.entries(item).filter(
      ([, member]) => member !== undefined && typeof member !== "function",
    );
    stack.push({ kind: "text", text: "}" });
    for (let i = members.length - 1; i >= 0; i--) {
      const [key, member] = members[i] as [string, unknown];
      stack.push({ kind: "value", value: member, inArray: false });
      stack.push({ kind: "text", text: `${i > 0 ? "," : ""}${JSON.stringify(key)}:` });
    }
    out.push("{");
  }
  return out.join("");
}

/**
 * Sets an own enumerable property, even one named `__proto__` (which `JSON.parse` can
 * produce and a plain assignment would treat as the prototype).
 */
export function setKey(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Semantic JSON equality: key order does not matter, array order does. Iterative. */
export function deepEqual(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  for (let pair = stack.pop(); pair !== undefined; pair = stack.pop()) {
    const [x, y] = pair;
    if (x === y) continue;
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], y[i]]);
      continue;
    }
    if (!isObject(x) || !isObject(y)) return false;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (const key of keys) {
      if (!Object.hasOwn(y, key)) return false;
      stack.push([x[key], y[key]]);
    }
  }
  return true;
}

/** A shallow copy of `object` without the given top-level keys. */
export function omitKeys(object: JsonObject, keys: readonly string[]): JsonObject {
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (!keys.includes(key)) setKey(copy, key, value);
  }
  return copy;
}

/** What {@link scanJson} found in a JSON text. */
export interface JsonScan {
  /** The bracket (`{` or `[`) that first nested deeper than the limit, if one did. */
  readonly tooDeep?: "{" | "[";
  /** The first number literal outside the range of a float64 (such as `1e400`), if any. */
  readonly overflow?: string;
}

/**
 * Scans a JSON text (without parsing it) for nesting deeper than `maxDepth` (the outermost
 * object or array is depth 1) and for number literals that overflow a float64. Strings are
 * skipped; malformed text is left to the parser.
 */
export function scanJson(text: string, maxDepth: number): JsonScan {
  let depth = 0;
  let overflow: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c /* \ */) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > maxDepth) {
        return { tooDeep: c === 0x7b ? "{" : "[", ...(overflow ? { overflow } : {}) };
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (overflow === undefined && (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39))) {
      let end = i + 1;
      while (end < text.length && /[0-9eE+\-.]/.test(text.charAt(end))) end++;
      const literal = text.slice(i, end);
      if (!Number.isFinite(Number(literal)) && /^-?[0-9]/.test(literal)) overflow = literal;
      i = end - 1;
    }
  }
  return overflow === undefined ? {} : { overflow };
}
