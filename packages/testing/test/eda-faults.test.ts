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

  it("drop-after-accept: the event is taken and launches, its connection closes without an answer", async () => {
    const { eda, webhookUrl, aap } = await fixture.start({
      setup: (a) => a.addJobTemplate({ name: "jt", allowSimultaneous: true }),
      activation: { executionStrategy: "parallel" },
      webhook: { hmac: { secret: "s3cret" } },
    });
    const handle = eda.faults.dropAfterAccept({ endpoint: "create-thing" });
    const signed = (body: string) => ({
      "X-Hub-Signature-256": hmac("sha256", "s3cret", body, "hex"),
    });
    // Refused before it is queued (unsigned): answered as usual, the rule does not fire.
    expect((await post(`${webhookUrl}/create-thing`, { a: 0 })).status).not.toBe(200);
    expect(handle.fired).toBe(0);
    // Another endpoint: answered.
    const other = JSON.stringify(payload("vm", "deprovision", "c-0"));
    expect((await post(`${webhookUrl}/delete-thing`, other, signed(other))).status).toBe(200);
    const body = JSON.stringify(payload("vm", "provision", "c-1"));
    await expect(post(`${webhookUrl}/create-thing`, body, signed(body))).rejects.toThrow();
    expect(handle.fired).toBe(1);
    await eda.pump();
    // Taken all the same: the rule ran and launched the job.
    expect(eda.events().map((e) => [e.status, e.fate])).toEqual([
      [expect.any(Number), "rejected"],
      [200, "launched"],
      [200, "launched"],
    ]);
    expect(aap.ledger()).toHaveLength(2);
    // The request log says it was never answered.
    expect(eda.requests().map((r) => r.status)).toEqual([expect.any(Number), 200, 0]);
    // Once: the next event is answered.
    const next = JSON.stringify(payload("vm", "provision", "c-2"));
    expect((await post(`${webhookUrl}/create-thing`, next, signed(next))).status).toBe(200);
    expect(() => eda.faults.dropAfterAccept({ times: 0 })).toThrow(RangeError);
  });
});
