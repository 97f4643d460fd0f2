import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  MAX_OPERATOR_STRING_CHARS,
  providerSet,
  type Provider,
} from "@provisionkit/core";
import { thrown } from "./support/fixtures.js";

function provider(over: Partial<Provider> = {}): Provider {
  const never = () => Promise.reject(new Error("not scripted"));
  return {
    name: "memory",
    triggerProvision: never,
    getProvisionStatus: never,
    triggerDeprovision: never,
    getDeprovisionStatus: never,
    ...over,
  };
}

/** A provider as plain JavaScript configuration can hand it over: fields of any type. */
function untyped(over: Record<string, unknown>): Provider {
  return { ...provider(), ...over };
}

describe("providerSet", () => {
  it("refuses a provider whose name is not a string with a ConfigurationError (P1), not a TypeError", () => {
    for (const name of [undefined, 42, null]) {
      const error = thrown(() => providerSet(untyped({ name })), ConfigurationError);
      expect(error.message).toMatch(/^P1/);
    }
    // Also when it is one of the earlier providers, not the current one.
    expect(
      thrown(() => providerSet(provider(), untyped({ name: undefined })), ConfigurationError)
        .message,
    ).toMatch(/^P1/);
  });

  it("refuses a name over the status budget, saying the limit and the name's length", () => {
    const long = "p".repeat(MAX_OPERATOR_STRING_CHARS + 7);
    const error = thrown(() => providerSet(provider({ name: long })), ConfigurationError);
    expect(error.message).toContain(String(MAX_OPERATOR_STRING_CHARS));
    expect(error.message).toContain(String(MAX_OPERATOR_STRING_CHARS + 7));
  });

  it("accepts a launchSettleMs of 0 (the backend creates the job before the launch returns)", () => {
    const set = providerSet(
      provider({ launchSettleMs: 0, findJob: () => Promise.resolve(undefined) }),
    );
    expect(set.directory.current.launchSettleMs).toBe(0);
    expect(set.directory.get("memory")?.launchSettleMs).toBe(0);
  });

  it("accepts no launchSettleMs, and a positive one", () => {
    expect(providerSet(provider()).directory.current.launchSettleMs).toBeUndefined();
    expect(
      providerSet(provider(), provider({ name: "old", launchSettleMs: 300_000 })).directory.get(
        "old",
      )?.launchSettleMs,
    ).toBe(300_000);
  });

  it.each([
    ["a negative number", -1],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["a numeric string", "300"],
    ["null", null],
  ])("refuses a launchSettleMs that is %s, naming the provider", (_what, launchSettleMs) => {
    const error = thrown(
      () => providerSet(provider(), untyped({ name: "old", launchSettleMs })),
      ConfigurationError,
    );
    expect(error.message).toContain("provider old");
    expect(error.message).toContain("launchSettleMs");
  });

  it("says which launchSettleMs it refused: the value, or its type when it has no JSON form", () => {
    const negative = thrown(
      () => providerSet(provider({ launchSettleMs: -250 })),
      ConfigurationError,
    );
    expect(negative.message).toMatch(/got -250$/);
    for (const [value, shown] of [
      [Number.NaN, "NaN"],
      [Number.POSITIVE_INFINITY, "Infinity"],
      [Number.NEGATIVE_INFINITY, "-Infinity"],
    ] as const) {
      const error = thrown(
        () => providerSet(provider({ launchSettleMs: value })),
        ConfigurationError,
      );
      expect(error.message).toMatch(new RegExp(`got ${shown}$`));
    }
    const empty = thrown(() => providerSet(untyped({ launchSettleMs: null })), ConfigurationError);
    expect(empty.message).toMatch(/got null$/);
    const text = thrown(() => providerSet(untyped({ launchSettleMs: "300" })), ConfigurationError);
    expect(text.message).toMatch(/got "300"$/);
    const fn = thrown(
      () => providerSet(untyped({ launchSettleMs: () => 300 })),
      ConfigurationError,
    );
    expect(fn.message).toMatch(/got function$/);
  });
});
