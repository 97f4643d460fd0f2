/**
 * JSON patch (RFC 6902) and JSON pointers (RFC 6901).
 *
 * @module
 */
import { clone, deepEqual, isObject, setKey, type JsonObject } from "./json.js";

/** The patch document is malformed (the real server answers 400). */
export class JsonPatchFormatError extends Error {
  /** @param message - What is wrong with the document. */
  constructor(message: string) {
    super(message);
    this.name = "JsonPatchFormatError";
  }
}

/** An operation does not apply to the document, or a `test` failed (the real server answers 422). */
export class JsonPatchApplyError extends Error {
  /** @param message - Which operation failed and why. */
  constructor(message: string) {
    super(message);
    this.name = "JsonPatchApplyError";
  }
}

interface Operation {
  readonly op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
  readonly hasValue: boolean;
}

const OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

function parseOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw new JsonPatchFormatError("json patch must be a JSON array");
  return patch.map((raw: unknown, index) => {
    if (!isObject(raw)) throw new JsonPatchFormatError(`operation ${index} is not an object`);
    const { op, path, from } = raw;
    if (typeof op !== "string" || !OPS.has(op)) {
      throw new JsonPatchFormatError(`operation ${index}: unexpected op ${JSON.stringify(op)}`);
    }
    if (typeof path !== "string") {
      throw new JsonPatchFormatError(`operation ${index}: missing path`);
    }
    if ((op === "move" || op === "copy") && typeof from !== "string") {
      throw new JsonPatchFormatError(`operation ${index}: missing from`);
    }
    const hasValue = Object.hasOwn(raw, "value");
    if ((op === "add" || op === "replace" || op === "test") && !hasValue) {
      throw new JsonPatchFormatError(`operation ${index}: missing value`);
    }
    return {
      op: op as Operation["op"],
      path,
      ...(typeof from === "string" ? { from } : {}),
      value: raw.value,
      hasValue,
    };
  });
}

/** Splits a JSON pointer into unescaped tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new JsonPatchApplyError(`invalid pointer ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
}

type Container = JsonObject | unknown[];

function arrayIndex(array: unknown[], token: string, forAdd: boolean): number {
  if (forAdd && token === "-") return array.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token))
    throw new JsonPatchApplyError(`invalid array index ${token}`);
  const index = Number(token);
  if (index > array.length || (!forAdd && index === array.length)) {
    throw new JsonPatchApplyError(`array index ${token} out of bounds`);
  }
  return index;
}

function child(container: Container, token: string): unknown {
  if (Array.isArray(container)) return container[arrayIndex(container, token, false)];
  if (!Object.hasOwn(container, token)) throw new JsonPatchApplyError(`missing key ${token}`);
  return container[token];
}

/** The container of the value a pointer designates, and the last token. */
function locate(doc: unknown, tokens: readonly string[]): { parent: Container; key: string } {
  let current = doc;
  for (const token of tokens.slice(0, -1)) {
    if (!isObject(current) && !Array.isArray(current)) {
      throw new JsonPatchApplyError(`cannot traverse into a scalar at ${token}`);
    }
    current = child(current, token);
  }
  if (!isObject(current) && !Array.isArray(current)) {
    throw new JsonPatchApplyError("the parent of the target is not a container");
  }
  return { parent: current, key: tokens[tokens.length - 1] ?? "" };
}

function getValue(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const { parent, key } = locate(doc, tokens);
  return child(parent, key);
}

function removeValue(doc: unknown, pointer: string): { doc: unknown; removed: unknown } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new JsonPatchApplyError("cannot remove the whole document");
  const { parent, key } = locate(doc, tokens);
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(parent, key, false), 1);
    return { doc, removed };
  }
  const removed = child(parent, key);
  delete parent[key];
  return { doc, removed };
}

function addValue(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = locate(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else setKey(parent, key, value);
  return doc;
}

function applyOne(doc: unknown, op: Operation): unknown {
  switch (op.op) {
    case "add":
      return addValue(doc, op.path, clone(op.value));
    case "remove":
      return removeValue(doc, op.path).doc;
    case "replace": {
      const tokens = parsePointer(op.path);
      if (tokens.length === 0) return clone(op.value);
      const { parent, key } = locate(doc, tokens);
      child(parent, key);
      if (Array.isArray(parent)) parent[arrayIndex(parent, key, false)] = clone(op.value);
      else setKey(parent, key, clone(op.value));
      return doc;
    }
    case "move": {
      const from = op.from ?? "";
      if (op.path.startsWith(`${from}/`)) {
        throw new JsonPatchApplyError(`cannot move ${from} into its own child ${op.path}`);
      }
      const { doc: without, removed } = removeValue(doc, from);
      return addValue(without, op.path, removed);
    }
    case "copy":
      return addValue(doc, op.path, clone(getValue(doc, op.from ?? "")));
    case "test": {
      let actual: unknown;
      try {
        actual = getValue(doc, op.path);
      } catch {
        throw new JsonPatchApplyError(`testing value ${op.path} failed: missing`);
      }
      if (!deepEqual(actual, op.value)) {
        throw new JsonPatchApplyError(`testing value ${op.path} failed: test failed`);
      }
      return doc;
    }
  }
}

/**
 * Applies a JSON patch to a copy of `doc`, atomically.
 *
 * @throws JsonPatchFormatError for a malformed patch document; JsonPatchApplyError when an
 *   operation does not apply or a `test` fails.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const operations = parseOperations(patch);
  return operations.reduce(applyOne, clone(doc));
}
