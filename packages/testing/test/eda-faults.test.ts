import { describe, expect, it } from "vitest";
import { hmac, payload, post, withEda } from "./eda-support.js";

const RULES = [
  { endpoint: "create-thing", template: "jt" },
  { endpoint: "delete-thing", template: "jt" },
];

const fixture = withEda({ rules: RULES });
const start = () =>
  fixture.start({
    setup: (aap) => aap.addJobTemplate({ name: "jt", allowSimultaneous: true }),
    activation: { executionStrategy: "parallel" },
  });

describe("EDA simulator: webhook fault injection", () => {
  it("answers the next n events with the status and headers, then takes events again", async () => {
    const { eda, webhookUrl, aap } = await start();
    const handle = eda.faults.webhook({ status: 429, headers: { "Retry-After": "7" }, times: 2 });
    for (let i = 0; i < 2; i++) {
      const reply = await post(`${webhookUrl}/create-thing`, payload("vm", "provision", `c-${i}`));
      expect(reply).toMatchObject({ status: 429, text: "429: Too Many Requests" });
      expect(reply.headers.get("retry-after")).toBe("7");
      expect(reply.contentType).toBe("text/plain; charset=utf-8");
    }
    expect(handle.fired).toBe(2);
    expect(
      (await post(`${webhookUrl}/create-thing`, payload("vm", "provision", "c-2"))).status,
    ).toBe(200);
    await eda.pump();
    const events = eda.events();
    expect(events.map((e) => [e.status, e.fate])).toEqual([
      [429, "rejected"],
      [429, "rejected"],
      [200, "launched"],
    ]);
    expect(events[0]?.reason).toBe("429: Too Many Requests");
    // Faulted events never reach the rule engine: one job only.
    expect(aap.ledger()).toHaveLength(1);
    expect(eda.requests().map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("uses a custom body, filters by endpoint, and comes before authentication", async () => {
    const { eda, webhookUrl } = await fixture.start({
      setup: (aap) => aap.addJobTemplate({ name: "jt" }),
      webhook: { hmac: { secret: "s3cret" } },
    });
    eda.faults.webhook({
      status: 503,
      body: "Application is not available",
      endpoint: "delete-thing",
    });
    // Unsigned: the fault answers before the HMAC check would have.
    const faulted = await post(`${webhookUrl}/delete-thing`, { a: 1 });
    expect(faulted).toMatchObject({ status: 503, text: "Application is not available" });
    // Another endpoint is not affected (and is checked as usual).
    const body = JSON.stringify({ a: 2 });
    const signed = { "X-Hub-Signature-256": hmac("sha256", "s3cret", body, "hex") };
    expect((await post(`${webhookUrl}/create-thing`, body, signed)).status).toBe(200);
    expect((await post(`${webhookUrl}/delete-thing`, body, signed)).status).toBe(200);
  });

  it("matches POSTs only, supports remove() and clear(), validates rules", async () => {
    const { eda, webhookUrl } = await start();
    eda.faults.webhook({ status: 503, times: Infinity });
    expect((await post(`${webhookUrl}/create-thing`, {}, {}, "PUT")).status).toBe(405);
    expect((await post(`${webhookUrl}/create-thing`, {})).status).toBe(503);
    expect((await post(`${webhookUrl}/create-thing`, {})).status).toBe(503);
    eda.faults.clear();
    expect((await post(`${webhookUrl}/create-thing`, {})).status).toBe(200);
    const handle = eda.faults.webhook({ status: 500 });
    handle.remove();
    expect((await post(`${webhookUrl}/create-thing`, {})).status).toBe(200);
    expect(handle.fired).toBe(0);
    expect(() => eda.faults.webhook({ status: 42 })).toThrow(RangeError);
    expect(() => eda.faults.webhook({ status: 503, times: 0 })).toThrow(RangeError);
    expect(() => eda.faults.webhook({ status: 503, times: 1.5 })).toThrow(RangeError);
  });
});
