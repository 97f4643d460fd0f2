import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CONFIG_VERSION_PREFIX,
  ConfigurationError,
  MAX_CONFIG_DEPTH,
  canonicalJson,
  configVersion,
} from "@provisionkit/core";
import { thrown } from "./support/fixtures.js";

/** sha256 of the UTF-8 text, first 32 hex digits, computed independently of the source. */
const expectedVersion = (canonical: string) =>
  "sha256:" +
  createHash("sha256").update(Buffer.from(canonical, "utf8")).digest("hex").slice(0, 32);

/** The ConfigurationError thrown for `value` (fails the test when nothing is thrown). */
function rejection(value: unknown): ConfigurationError {
  return thrown(() => canonicalJson(value), ConfigurationError);
}

// Fixed vectors: input, canonical JSON written by hand, and the version observed when these
// tests were written. A change of the algorithm changes every config version in every cluster,
// so it must fail here.
const vectors: [string, unknown, string, string][] = [
  [
    "flat object with an array",
    { b: 1, a: [true, null, "x"] },
    '{"a":[true,null,"x"],"b":1}',
    "sha256:54a65415ad370228851a1da4b31b6fd4",
  ],
  [
    "nested, -0, undefined member, empty containers",
    { z: { y: -0, x: undefined, w: 1.5 }, a: "\u00e9", e: {}, f: [] },
    '{"a":"\u00e9","e":{},"f":[],"z":{"w":1.5,"y":0}}',
    "sha256:bd172b94e2bddeb5bc6e2756b851c822",
  ],
  [
    "keys in UTF-16 code unit order, integer-like keys as strings",
    { "\uffff": 1, z: 2, "\u00e9": 3, "\ud83d\ude00": 4, A: 5, "10": 6, "9": 7 },
    '{"10":6,"9":7,"A":5,"z":2,"\u00e9":3,"\ud83d\ude00":4,"\uffff":1}',
    "sha256:ada31d424e1556ac287c5c901202db5f",
  ],
  [
    "numbers and escapes",
    [1e21, 0.1, -3, 1e-7, 'a"b\n\u0001', false],
    '[1e+21,0.1,-3,1e-7,"a\\"b\\n\\u0001",false]',
    "sha256:92233fb1838e3c9162e1778edfed69be",
  ],
];

describe("canonicalJson / configVersion: fixed vectors", () => {
  it.each(vectors)("%s", (_label, input, canonical, pinned) => {
    expect(canonicalJson(input)).toBe(canonical);
    expect(configVersion(input)).toBe(expectedVersion(canonical));
    expect(configVersion(input)).toBe(pinned);
  });

  it("versions are the prefix and 32 lowercase hex digits", () => {
    expect(CONFIG_VERSION_PREFIX).toBe("sha256:");
    expect(configVersion({ a: 1 })).toMatch(/^sha256:[0-9a-f]{32}$/);
  });
});

describe("canonicalJson: equality", () => {
  it("ignores key order, at every depth", () => {
    const a = { x: 1, y: { p: [{ m: 1, n: 2 }], q: "s" } };
    const b = { y: { q: "s", p: [{ n: 2, m: 1 }] }, x: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(configVersion(a)).toBe(configVersion(b));
  });

  it("keeps array order", () => {
    expect(configVersion({ a: [1, 2] })).not.toBe(configVersion({ a: [2, 1] }));
  });

  it("writes -0 as 0", () => {
    expect(canonicalJson({ n: -0 })).toBe('{"n":0}');
    expect(configVersion([-0])).toBe(configVersion([0]));
  });

  it("omits undefined members", () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(configVersion({ a: 1, b: undefined })).toBe(configVersion({ a: 1 }));
  });

  it("tells different values apart", () => {
    expect(configVersion({ a: 1 })).not.toBe(configVersion({ a: "1" }));
    expect(configVersion({ a: null })).not.toBe(configVersion({}));
  });

  it("accepts objects without a prototype", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare["b"] = 1;
    bare["a"] = [2];
    expect(canonicalJson(bare)).toBe('{"a":[2],"b":1}');
    expect(configVersion(bare)).toBe(configVersion({ a: [2], b: 1 }));
  });

  it("accepts a shared, non-cyclic sub-object referenced more than once", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe(
      '{"a":{"x":1},"b":[{"x":1},{"x":1}]}',
    );
  });
});

describe("canonicalJson: values outside JSON", () => {
  class Spec {
    replicas = 1;
  }
  // Each value is placed at $.a.b[2]; the error must name that path.
  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["bigint", 1n],
    ["function", () => 1],
    ["symbol", Symbol("s")],
    ["undefined in an array", undefined],
    ["Date", new Date(0)],
    ["Map", new Map([["k", 1]])],
    ["class instance", new Spec()],
    ["boxed string", new String("s")],
  ])("rejects %s, naming its path", (_label, bad) => {
    const err = rejection({ a: { b: [0, 1, bad] } });
    expect(err.code).toBe("CONFIGURATION");
    expect(err.message).toContain("$.a.b[2] ");
    expect(err.details).toEqual({ path: "$.a.b[2]" });
    expect(() => configVersion({ a: { b: [0, 1, bad] } })).toThrow(ConfigurationError);
  });

  it("names the class of a rejected instance", () => {
    expect(rejection({ s: new Spec() }).message).toContain("Spec");
  });

  it("rejects a hole in a sparse array, like an undefined item", () => {
    const sparse: number[] = [];
    sparse[0] = 1;
    sparse[2] = 3;
    expect(rejection({ a: sparse }).details).toEqual({ path: "$.a[1]" });
  });

  it("rejects a top-level value outside JSON at $", () => {
    expect(rejection(undefined).details).toEqual({ path: "$" });
  });

  it("rejects a cycle through an object, naming where it closes", () => {
    const root: Record<string, unknown> = { a: { b: [0, 1, {}] } };
    ((root["a"] as { b: Record<string, unknown>[] }).b[2] as Record<string, unknown>)["self"] =
      root;
    const err = rejection(root);
    expect(err.details).toEqual({ path: "$.a.b[2].self" });
    expect(err.message).toContain("circular");
  });

  it("rejects a cycle through an array", () => {
    const list: unknown[] = [1];
    list.push(list);
    expect(rejection(list).details).toEqual({ path: "$[1]" });
  });
});

/** `{"a":{"a":…1…}}` with `levels` objects, parsed from text as a server body would be. */
const deepObject = (levels: number): unknown =>
  JSON.parse(`${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`);
/** `[[[…]]]` with `levels` arrays. */
const deepArray = (levels: number): unknown =>
  JSON.parse(`${"[".repeat(levels)}${"]".repeat(levels)}`);

describe("canonicalJson: depth (issue 16, item 3)", () => {
  it("accepts exactly MAX_CONFIG_DEPTH levels, byte for byte as before", () => {
    expect(MAX_CONFIG_DEPTH).toBe(256);
    const text = `${'{"a":'.repeat(MAX_CONFIG_DEPTH)}1${"}".repeat(MAX_CONFIG_DEPTH)}`;
    expect(canonicalJson(JSON.parse(text))).toBe(text);
    expect(configVersion(JSON.parse(text))).toBe(expectedVersion(text));
  });

  it("rejects one level more with a ConfigurationError naming the path", () => {
    const err = rejection({ spec: deepArray(MAX_CONFIG_DEPTH) });
    expect(err.code).toBe("CONFIGURATION");
    expect(err.retryable).toBe(false);
    const path = `$.spec${"[0]".repeat(MAX_CONFIG_DEPTH - 1)}`;
    expect(err.details).toEqual({ path, maxDepth: MAX_CONFIG_DEPTH });
    expect(err.message).toContain("nested deeper than 256 levels");
    expect(err.message).toMatch(/^cannot compute a config version: \$\.spec\[0\]/);
    expect(err.message).toContain("[0][0] is nested");
    expect(err.message.length).toBeLessThan(400);
  });

  it.each([
    ["objects", 10_000, deepObject],
    ["objects", 100_000, deepObject],
    ["arrays", 10_000, deepArray],
    ["arrays", 100_000, deepArray],
  ])(
    "a spec of %s nested %i deep is a ConfigurationError, not a RangeError",
    (_kind, levels, make) => {
      const spec = make(levels);
      const err = thrown(() => configVersion(spec), ConfigurationError);
      expect(err.message).toContain(`deeper than ${MAX_CONFIG_DEPTH} levels`);
      expect(String(err.details["path"]).length).toBeLessThanOrEqual(2000);
    },
  );

  it("a long key in the path is cut in the message and in details", () => {
    const key = "k".repeat(100_000);
    let value: unknown = [];
    for (let i = 0; i < MAX_CONFIG_DEPTH; i++) value = { [key]: value };
    const err = rejection(value);
    expect(err.message.length).toBeLessThan(400);
    expect(String(err.details["path"]).length).toBeLessThanOrEqual(2000);
    expect(String(err.details["path"]).startsWith(`$.${"k".repeat(100)}`)).toBe(true);
  });
});
