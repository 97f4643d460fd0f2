import { describe, expect, it } from "vitest";
import { ScaledClock } from "../src/clock.js";

describe("ScaledClock", () => {
  it("runs speedup times faster than the wall clock it follows, from its start", () => {
    let wall = 5_000;
    const clock = new ScaledClock({ speedup: 100, startMs: 1_000_000, wall: () => wall });
    expect(clock.now()).toBe(1_000_000);
    wall += 25;
    expect(clock.now()).toBe(1_002_500);
    expect(clock.toReal(10_000)).toBe(100);
  });

  it("starts at the wall clock's time by default", () => {
    let wall = 7_000;
    const clock = new ScaledClock({ speedup: 2, wall: () => wall });
    wall += 10;
    expect(clock.now()).toBe(7_020);
  });

  it("refuses a speed-up that is not a positive number", () => {
    for (const speedup of [0, -1, Number.NaN, Infinity]) {
      expect(() => new ScaledClock({ speedup })).toThrow(RangeError);
    }
  });
});
