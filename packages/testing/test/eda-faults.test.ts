import { describe, expect, it } from "vitest";
import type { EdaHeldRequest } from "../src/index.js";
import { hmac, payload, post, withEda, type PostReply } from "./eda-support.js";

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

/** Starts a POST and tells when the simulator holds it (its `onHold` listeners fired). */
function postHeld(
  eda: { faults: { onHold(listener: (held: EdaHeldRequest) => void): () => void } },
  url: string,
  body: unknown,
): { reply: Promise<PostReply>; held: Promise<EdaHeldRequest> } {
  let off = (): void => undefined;
  const held = new Promise<EdaHeldRequest>((resolve) => {
    off = eda.faults.onHold((request) => {
      off();
      resolve(request);
    });
  });
  return { reply: post(url, body), held };
}

describe("EDA simulator: held events (a test control)", () => {
  it("hold: the event waits untaken and unanswered until release(), then is handled as if it arrived then", async () => {
    const { eda, webhookUrl, aap, clock } = await start();
    const handle = eda.faults.hold({ endpoint: "create-thing", label: "mine" });
    // Another endpoint is not held.
    expect(
      (await post(`${webhookUrl}/delete-thing`, payload("vm", "deprovision", "c-0"))).status,
    ).toBe(200);
    const { reply, held } = postHeld(
      eda,
      `${webhookUrl}/create-thing`,
      payload("vm", "provision", "c-1"),
    );
    expect(await held).toEqual({ endpoint: "create-thing", label: "mine" });
    expect(handle.fired).toBe(1);
    await eda.pump();
    // Not taken: only the first event launched, and the held one is not answered yet.
    expect(aap.ledger()).toHaveLength(1);
    expect(eda.requests().map((r) => r.status)).toEqual([200, 0]);
    // The next event to that endpoint is not held (times 1).
    expect(
      (await post(`${webhookUrl}/create-thing`, payload("vm", "provision", "c-2"))).status,
    ).toBe(200);
    const arrivedAt = clock.now();
    clock.advance(5_000);
    eda.faults.release();
    expect((await reply).status).toBe(200);
    await eda.pump();
    expect(aap.ledger()).toHaveLength(3);
    const taken = eda.events().find((e) => e.correlationId === "c-1");
    expect(taken).toMatchObject({ status: 200, fate: "launched", receivedAt: arrivedAt + 5_000 });
    // The request log keeps its arrival time and now has its answer.
    expect(eda.requests().map((r) => [r.status, r.at])).toEqual([
      [200, arrivedAt],
      [200, arrivedAt],
      [200, arrivedAt],
    ]);
  });

  it("release 'abandon' cuts the connection and the event never reaches the rulebook; stop() abandons every held event", async () => {
    const { eda, webhookUrl, aap } = await start();
    eda.faults.hold({ release: "abandon", times: 2 });
    const first = postHeld(eda, `${webhookUrl}/create-thing`, payload("vm", "provision", "c-1"));
    expect(await first.held).toEqual({ endpoint: "create-thing" });
    eda.faults.release();
    await expect(first.reply).rejects.toThrow();
    await eda.pump();
    expect(aap.ledger()).toEqual([]);
    expect(eda.events()).toEqual([]);
    expect(eda.requests().map((r) => r.status)).toEqual([0]);
    // A rule whose release is `process` is abandoned too when the simulator stops.
    eda.faults.clear();
    eda.faults.hold();
    const second = postHeld(eda, `${webhookUrl}/delete-thing`, payload("vm", "deprovision", "c-2"));
    await second.held;
    await eda.stop();
    await expect(second.reply).rejects.toThrow();
    // Abandoned, not left waiting: a release after the stop has nothing to let go.
    eda.faults.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(eda.events()).toEqual([]);
    expect(aap.ledger()).toEqual([]);
  });

  it("holds POSTs only, comes before the status rules, supports remove() and clear(), validates rules", async () => {
    const { eda, webhookUrl } = await start();
    eda.faults.webhook({ status: 503 });
    const handle = eda.faults.hold({ release: "abandon" });
    expect((await post(`${webhookUrl}/create-thing`, {}, {}, "PUT")).status).toBe(405);
    const held = postHeld(eda, `${webhookUrl}/create-thing`, {});
    await held.held;
    eda.faults.release();
    await expect(held.reply).rejects.toThrow();
    // The status rule did not fire on the held event: it answers the next one.
    expect((await post(`${webhookUrl}/create-thing`, {})).status).toBe(503);
    expect(handle.fired).toBe(1);
    const removed = eda.faults.hold();
    removed.remove();
    expect((await post(`${webhookUrl}/create-thing`, {})).status).toBe(200);
    eda.faults.hold({ times: Infinity });
    eda.faults.clear();
    expect((await post(`${webhookUrl}/create-thing`, {})).status).toBe(200);
    expect(removed.fired).toBe(0);
    expect(() => eda.faults.hold({ times: 0 })).toThrow(RangeError);
    expect(() => eda.faults.hold({ times: 1.5 })).toThrow(RangeError);
    expect(() => eda.faults.hold({ release: "later" as "process" })).toThrow(RangeError);
  });

  it("queueDelay: the event is answered at once and reaches the rule engine later, with every event behind it", async () => {
    const { eda, webhookUrl, aap, clock } = await start();
    const t0 = clock.now();
    const handle = eda.faults.queueDelay({ endpoint: "create-thing", delayMs: 10_000 });
    const reply = await post(`${webhookUrl}/create-thing`, payload("vm", "provision", "c-1"));
    expect(reply.status).toBe(200);
    expect(handle.fired).toBe(1);
    // Another endpoint's event is not delayed itself, but the queue is taken in order.
    await post(`${webhookUrl}/delete-thing`, payload("vm", "deprovision", "c-2"));
    expect(eda.events().map((e) => [e.correlationId, e.fate, e.dueAt])).toEqual([
      ["c-1", "queued", t0 + 10_000],
      ["c-2", "queued", t0],
    ]);
    clock.advance(9_999);
    await eda.pump();
    expect(aap.ledger()).toEqual([]);
    clock.advance(1);
    await eda.pump();
    expect(aap.ledger().map((j) => j.createdAt)).toEqual([t0 + 10_000, t0 + 10_000]);
    expect(eda.events().map((e) => e.fate)).toEqual(["launched", "launched"]);
    // times 1: the next event to that endpoint goes straight through.
    await post(`${webhookUrl}/create-thing`, payload("vm", "provision", "c-3"));
    expect(eda.events()[2]).toMatchObject({ fate: "queued", dueAt: clock.now() });
  });

  it("queueDelay adds to the activation's own latency, supports remove() and clear(), validates rules", async () => {
    const { eda, webhookUrl, clock } = await fixture.start({
      setup: (aap) => aap.addJobTemplate({ name: "jt", allowSimultaneous: true }),
      activation: { executionStrategy: "parallel", eventLatencyMs: 3_000 },
    });
    const t0 = clock.now();
    eda.faults.queueDelay({ delayMs: 2_000, times: 2 });
    await post(`${webhookUrl}/create-thing`, payload("vm", "provision", "c-1"));
    await post(`${webhookUrl}/delete-thing`, payload("vm", "deprovision", "c-2"));
    const removed = eda.faults.queueDelay({ delayMs: 50_000 });
    removed.remove();
    await post(`${webhookUrl}/create-thing`, payload("vm", "provision", "c-3"));
    eda.faults.queueDelay({ delayMs: 50_000, times: Infinity });
    eda.faults.clear();
    await post(`${webhookUrl}/create-thing`, payload("vm", "provision", "c-4"));
    expect(eda.events().map((e) => e.dueAt)).toEqual([
      t0 + 5_000,
      t0 + 5_000,
      t0 + 3_000,
      t0 + 3_000,
    ]);
    expect(removed.fired).toBe(0);
    for (const delayMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => eda.faults.queueDelay({ delayMs })).toThrow(RangeError);
    }
    expect(() => eda.faults.queueDelay({ delayMs: "5" as unknown as number })).toThrow(RangeError);
    expect(() => eda.faults.queueDelay({ delayMs: 1, times: 0 })).toThrow(RangeError);
  });
});
