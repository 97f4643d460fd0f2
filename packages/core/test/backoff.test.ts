import { describe, expect, it } from "vitest";
import { backoffDelay } from "@provisionkit/core";

const policy = { initialMs: 1_000, factor: 2, maxMs: 10_000 };

describe("backoffDelay", () => {
  it("grows by the factor from initialMs, then stays at maxMs", () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it("supports non-integer factors", () => {
    expect(backoffDelay({ initialMs: 100, factor: 1.5, maxMs: 1_000 }, 3)).toBe(225);
  });

  it("is constant with factor 1", () => {
    expect(backoffDelay({ initialMs: 500, factor: 1, maxMs: 1_000 }, 50)).toBe(500);
  });

  it("stays 0 with initialMs 0, even when factor^n overflows", () => {
    const none = { initialMs: 0, factor: 10, maxMs: 60_000 };
    expect([1, 2, 400, 5_000].map((n) => backoffDelay(none, n))).toEqual([0, 0, 0, 0]);
  });

  it.each([0, -1, -100])("is 0 for %s failures", (failures) => {
    expect(backoffDelay(policy, failures)).toBe(0);
  });

  it.each([
    ["many failures", policy, 5_000],
    ["more failures than doubles can count", policy, 1e9],
    ["a large factor", { initialMs: 1_000, factor: 1e6, maxMs: 60_000 }, 400],
    ["an infinite failure count", policy, Number.POSITIVE_INFINITY],
  ])("gives maxMs for %s, never Infinity or NaN", (_label, p, failures) => {
    expect(backoffDelay(p, failures)).toBe(p.maxMs);
  });
});
