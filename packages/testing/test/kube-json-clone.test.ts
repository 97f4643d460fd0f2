import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clone } from "../src/kubernetes/json.ts";

/** Whether any object or array of `copy` is also one of `original` (a copy shares nothing). */
function shares(original: unknown, copy: unknown): boolean {
  const mine = new Set<unknown>();
  const walk = (value: unknown, into: (v: unknown) => void): void => {
    if (typeof value !== "object" || value === null) return;
    into(value);
    for (const member of Object.values(value)) walk(member, into);
  };
  walk(original, (v) => mine.add(v));
  let shared = false;
  walk(copy, (v) => {
    if (mine.has(v)) shared = true;
  });
  return shared;
}

describe("the Kubernetes simulator's clone", () => {
  it("copies any JSON value as structuredClone does, sharing nothing with it", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const copy = clone(value);
        expect(copy).toStrictEqual(structuredClone(value));
        expect(shares(value, copy)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps a __proto__ key a member, with no prototype changed", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": [1]}') as Record<
      string,
      unknown
    >;
    const copy = clone(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(["__proto__", "a"]);
    expect(copy).toStrictEqual(structuredClone(value));
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("leaves to structuredClone what is not plain JSON: Dates, shared and cyclic references, sparse arrays", () => {
    const date = new Date(7);
    expect(clone({ at: date }).at).toBeInstanceOf(Date);
    expect(clone({ at: date }).at).not.toBe(date);
    const shared = { x: 1 };
    const twice = clone({ a: shared, b: shared });
    expect(twice.a).toBe(twice.b);
    expect(twice.a).not.toBe(shared);
    const cycle: Record<string, unknown> = { n: 1 };
    cycle["self"] = cycle;
    const copied = clone(cycle);
    expect(copied["self"]).toBe(copied);
    // eslint-disable-next-line no-sparse-arrays
    const sparse = clone([1, , 3]);
    expect(1 in sparse).toBe(false);
    expect(sparse).toHaveLength(3);
  });

  it("throws structuredClone's error for a function", () => {
    expect(() => clone({ f: () => 1 })).toThrow(/could not be cloned/);
  });

  it("copies a value nested far deeper than its own walk goes", () => {
    let deep: unknown = { leaf: true };
    for (let i = 0; i < 5000; i++) deep = { d: deep };
    let copy = clone(deep) as { d?: unknown; leaf?: boolean };
    let original = deep as { d?: unknown };
    let levels = 0;
    while (copy.d !== undefined) {
      expect(copy === original).toBe(false);
      copy = copy.d as typeof copy;
      original = original.d as typeof original;
      levels++;
    }
    expect(levels).toBe(5000);
    expect(copy.leaf).toBe(true);
  });
});
