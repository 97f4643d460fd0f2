import { ConfigurationError, capabilitiesOf } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { AapProvider, DEFAULT_LAUNCH_SETTLE_MS } from "../src/index.ts";

const client = { url: "http://127.0.0.1:1/api/v2/", auth: { type: "bearer", token: "t" } } as const;

describe("launchSettleMs (issue 13)", () => {
  it("defaults to 300 s (AWX kills a request at harakiri + graceful timeout, 225 s; 235 s under awx-operator), and the engine sees it", () => {
    const provider = new AapProvider({ client });
    expect(DEFAULT_LAUNCH_SETTLE_MS).toBe(300_000);
    expect(provider.launchSettleMs).toBe(300_000);
    expect(capabilitiesOf(provider).launchSettleMs).toBe(300_000);
  });

  it("false declares no bound (AWX 24.6.1 and older ran uwsgi without harakiri)", () => {
    const provider = new AapProvider({ client, launchSettleMs: false });
    expect(provider.launchSettleMs).toBeUndefined();
    expect(capabilitiesOf(provider)).not.toHaveProperty("launchSettleMs");
  });

  it.each([0, 1, 600_000, 2_147_483_647])("accepts %d ms", (value) => {
    const provider = new AapProvider({ client, launchSettleMs: value });
    expect(capabilitiesOf(provider).launchSettleMs).toBe(value);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 2_147_483_648, "300000", null, true])(
    "refuses %j with a ConfigurationError naming the option",
    (value) => {
      let error: unknown;
      try {
        new AapProvider({ client, launchSettleMs: value as number });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).message).toMatch(/^AapProvider option launchSettleMs /);
      expect((error as ConfigurationError).details.option).toBe("launchSettleMs");
    },
  );
});
