import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../src/errors.ts";
import { canonicalJson, sameJson } from "../src/config-version.ts";

/** The same JSON value with every record's keys in another order, and undefined members added. */
function reordered(value: unknown, salt: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => reordered(item, salt + i));
  if (typeof value !== "object" || value === null) {
    return Object.is(value, 0) && salt % 2 === 0 ? -0 : value;
  }
  const keys = Object.keys(value).reverse();
  const copy: Record<string, unknown> =
    salt % 3 === 0 ? (Object.create(null) as Record<string, unknown>) : {};
  if (salt % 2 === 1) copy["zz-undefined"] = undefined;
  for (const key of keys) {
    // defineProperty, not assignment: a "__proto__" key is a member, not the prototype.
    Object.defineProperty(copy, key, {
      value: reordered((value as Record<string, unknown>)[key], salt + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

const json = fc.jsonValue({ maxDepth: 5 });

describe("sameJson: the same answer as comparing canonicalJson texts", () => {
  it("for any two JSON values", () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(sameJson(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
      }),
      { numRuns: 2000 },
    );
  });

  it("for a JSON value and its copy with keys reordered, -0 for 0 and undefined members", () => {
    fc.assert(
      fc.property(json, fc.nat(), (a, salt) => {
        const b = reordered(a, salt);
        expect(sameJson(a, b)).toBe(true);
        expect(sameJson(b, a)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("for a JSON value and a copy with one leaf changed", () => {
    const status = {
      jobs: [{ jobId: "7", state: "Running", updatedAt: "2026-12-07T10:00:00Z", attempt: 1 }],
      conditions: [{ type: "Ready", status: "False", observedGeneration: 3 }],
      reconciledConfigVersion: "sha256:abc",
      pendingLaunch: null,
    };
    const changes: [string, (s: typeof status) => unknown][] = [
      ["a string", (s) => ({ ...s, reconciledConfigVersion: "sha256:abd" })],
      ["a number", (s) => ({ ...s, conditions: [{ ...s.conditions[0], observedGeneration: 4 }] })],
      ["null to a value", (s) => ({ ...s, pendingLaunch: { correlationId: "c" } })],
      [
        "a member removed",
        (s) => ({ jobs: s.jobs, conditions: s.conditions, pendingLaunch: null }),
      ],
      ["a member added", (s) => ({ ...s, extra: false })],
      ["an array longer", (s) => ({ ...s, jobs: [...s.jobs, ...s.jobs] })],
      ["an array for a record", (s) => ({ ...s, pendingLaunch: [] })],
      ["a string for a number", (s) => ({ ...s, jobs: [{ ...s.jobs[0], attempt: "1" }] })],
      ["true for 'true'", (s) => ({ ...s, pendingLaunch: true })],
    ];
    expect(sameJson(status, JSON.parse(JSON.stringify(status)))).toBe(true);
    for (const [, change] of changes) {
      const other = change(status);
      expect(sameJson(status, other)).toBe(false);
      expect(sameJson(other, status)).toBe(false);
    }
  });
});

describe("sameJson: values outside JSON", () => {
  const outside: [string, unknown][] = [
    ["a class instance", new Date(0)],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a function", () => 1],
    ["undefined in an array", [undefined]],
  ];

  it.each(outside)("%s met before any difference throws canonicalJson's error", (_, value) => {
    expect(() => sameJson({ a: 1, b: value }, { a: 1, b: value })).toThrow(ConfigurationError);
    // Against a value of the same kind (an array's items are met inside it).
    const other = Array.isArray(value) ? [1] : 1;
    expect(() => sameJson({ b: value }, { b: other })).toThrow(ConfigurationError);
    expect(() => sameJson({ b: other }, { b: value })).toThrow(ConfigurationError);
  });

  it("undefined at the top, a cycle, and nesting past canonicalJson's bound throw", () => {
    expect(() => sameJson(undefined, undefined)).toThrow(ConfigurationError);
    expect(() => sameJson(1, undefined)).toThrow(ConfigurationError);
    const cycle: Record<string, unknown> = {};
    cycle["self"] = cycle;
    const other: Record<string, unknown> = {};
    other["self"] = other;
    expect(() => sameJson(cycle, other)).toThrow(ConfigurationError);
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    expect(() => sameJson(deep, deep)).toThrow(ConfigurationError);
  });

  it("a difference met first answers false", () => {
    expect(sameJson([1, new Date(0)], [2, new Date(0)])).toBe(false);
  });
});
