import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "../src/cli/args.js";

describe("provisionkit-conformance --soak", () => {
  it("parses the soak's numbers", () => {
    expect(parseArgs(["m.mjs", "--soak", "lifecycles=200,faultRate=0.05,seed=7"])?.soak).toEqual({
      lifecycles: 200,
      faultRate: 0.05,
      seed: 7,
    });
    expect(
      parseArgs([
        "m.mjs",
        "--soak",
        "seed=-3,lifecycles=5,faultRate=0,concurrency=2,slowAnswerMs=900",
      ])?.soak,
    ).toEqual({ lifecycles: 5, faultRate: 0, seed: -3, concurrency: 2, slowAnswerMs: 900 });
  });

  it.each([
    [[], /--soak needs lifecycles=N,faultRate=R,seed=S/],
    [["lifecycles=5,faultRate=0.1"], /--soak needs lifecycles, faultRate and seed/],
    [["lifecycles=5,faultRate=2,seed=1"], /faultRate must be in \[0, 1\], got 2/],
    [["lifecycles=0,faultRate=0,seed=1"], /lifecycles must be a positive integer, got 0/],
    [["lifecycles=5,faultRate=0,seed=1.5"], /seed must be an integer, got 1.5/],
    [["lifecycles=5,faultRate=0,seed=1,speed=3"], /"speed=3" is not one of lifecycles/],
  ])("refuses %j", (spec, message) => {
    expect(() => parseArgs(["m.mjs", "--soak", ...spec])).toThrow(UsageError);
    expect(() => parseArgs(["m.mjs", "--soak", ...spec])).toThrow(message);
  });
});
