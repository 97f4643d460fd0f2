/**
 * How deep JSON may nest before the Python servers the simulators stand for fail to parse
 * it, and a depth measure that never recurses (request bodies are untrusted).
 *
 * @module
 */

/**
 * The nesting of objects and arrays at which CPython's `json` module can no longer parse a
 * text: its decoder enters one interpreter recursion level per object or array
 * (`Py_EnterRecursiveCall` in CPython's Modules/_json.c) and the default recursion limit is
 * 1,000. Measured on Python 3.11.7: `json.loads` parses 900 nested arrays and raises
 * `RecursionError` at 1,000. Unverified assumption: the frames a server already has on the
 * stack when it parses lower its real bound somewhat below 1,000; the simulators accept
 * everything below it.
 */
export const PYTHON_JSON_MAX_DEPTH = 1000;

/**
 * The nesting at which PyYAML's `yaml.safe_load` can no longer parse a text (its composer
 * recurses through several Python frames per level). Measured with PyYAML 6.0.3 on Python
 * 3.11.7 at the top of the stack: 491 nested mappings parse, 492 raise `RecursionError`
 * (sequences: 494 and 495). Unverified assumption, as for {@link PYTHON_JSON_MAX_DEPTH}: a
 * server's own frames lower the real bound somewhat.
 */
export const PYYAML_MAX_DEPTH = 492;

/**
 * The deepest nesting of objects and arrays in `value` (0 for a scalar, 1 for `{}`),
 * measured without recursion; the walk stops once `stopAt` is reached.
 */
export function jsonNesting(value: unknown, stopAt: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest >= stopAt) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === "object" && child !== null) stack.push([child, level]);
    }
  }
  return deepest;
}

/**
 * Whether a Python parser would fail on `value`: nested `maxDepth` levels or more
 * (default {@link PYTHON_JSON_MAX_DEPTH}, the `json` module's bound).
 */
export function tooDeepForPython(value: unknown, maxDepth = PYTHON_JSON_MAX_DEPTH): boolean {
  return jsonNesting(value, maxDepth) >= maxDepth;
}
