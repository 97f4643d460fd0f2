/**
 * Issue 16: recording a provider's answer never recurses into a RangeError. An answer nested
 * 10,000 or 100,000 deep is kept as a marker; before, the recorder's JSON copy threw, and the
 * answer reached the engine as a thrown, untyped RangeError.
 */
import { describe, expect, it } from "vitest";
import { plain } from "../../src/conformance/driver/recorder.js";

const deep = (levels: number): unknown => {
  let value: unknown = {};
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

describe("the recorder's copy of a provider answer", () => {
  it("copies an ordinary answer as JSON", () => {
    expect(plain({ action: "triggered", jobId: "7", extra: undefined })).toEqual({
      action: "triggered",
      jobId: "7",
    });
    expect(plain(undefined)).toBeUndefined();
  });

  it.each([10_000, 100_000])("keeps an answer nested %i deep as a marker", (levels) => {
    expect(plain({ action: "triggered", jobId: "7", outputs: deep(levels) })).toBe(
      "[answer not recordable as JSON: RangeError]",
    );
  });

  it("keeps a cyclic or bigint answer as a marker", () => {
    const cyclic: Record<string, unknown> = { jobId: "7" };
    cyclic["self"] = cyclic;
    expect(plain(cyclic)).toBe("[answer not recordable as JSON: TypeError]");
    expect(plain({ n: 1n })).toBe("[answer not recordable as JSON: TypeError]");
  });
});
