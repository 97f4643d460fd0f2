import { describe, expect, it } from "vitest";
import { systemClock, VirtualClock } from "@provisionkit/testing";

describe("VirtualClock", () => {
  it("starts at 2026-01-01T00:00:00Z by default, or where told", () => {
    expect(new VirtualClock().now()).toBe(Date.parse("2026-01-01T00:00:00.000Z"));
    expect(new VirtualClock(42).now()).toBe(42);
  });

  it("moves only when advanced or set, never backwards", () => {
    const clock = new VirtualClock(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    clock.advance(0);
    clock.set(2_000);
    clock.set(2_000);
    expect(clock.now()).toBe(2_000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.set(1_999)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => new VirtualClock(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(clock.now()).toBe(2_000);
  });
});

describe("systemClock", () => {
  it("reads the wall clock", () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
