import { describe, expect, it } from "vitest";
import type { EdaEventStreamDefinition } from "@provisionkit/testing";
import { hmac, post, withEda } from "./eda-support.js";

const TOKEN = "stream-token-value";
const PASSWORD = "stream-password";
const SECRET = "stream-hmac-secret";

const STREAMS: EdaEventStreamDefinition[] = [
  { name: "tokens", auth: { type: "token", token: TOKEN } },
  { name: "basic", auth: { type: "basic", username: "eda", password: PASSWORD } },
  { name: "signed", auth: { type: "hmac", secret: SECRET } },
  {
    name: "github",
    auth: { type: "hmac", secret: SECRET, encoding: "hex", prefix: "sha256=" },
  },
  { name: "custom", auth: { type: "token", token: TOKEN, header: "X-Gitlab-Token" } },
];

const { start, current } = withEda({
  rules: [{ eventStream: "tokens", template: "jt" }],
  eventStreams: STREAMS,
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("EDA simulator: event streams (research §10)", () => {
  it("serves each stream at a stable UUID URL under the gateway prefix", async () => {
    const { eda } = await start();
    const url = eda.eventStreamUrl("tokens");
    expect(url).toMatch(
      new RegExp(
        `^${eda.eventStreamBaseUrl}/eda-event-streams/api/eda/v1/external_event_stream/[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/post/$`,
      ),
    );
    const uuid = eda.eventStream("tokens").uuid;
    // A new harness (the first one is stopped before it starts).
    const again = await start();
    expect(again.eda.eventStream("tokens").uuid).toBe(uuid);
    expect(again.eda.eventStream("basic").uuid).not.toBe(uuid);
  });

  it("token: accepts the bare token or Bearer <token>; 200 with an empty body", async () => {
    const { eda, clock } = await start();
    const url = eda.eventStreamUrl("tokens");
    const reply = await post(url, { a: 1 }, { Authorization: `Bearer ${TOKEN}` });
    expect(reply).toMatchObject({ status: 200, text: "" });
    clock.advance(1_000);
    expect((await post(url, { a: 2 }, { Authorization: TOKEN })).status).toBe(200);
    const [first] = eda.events();
    expect(first).toMatchObject({ source: "event-stream", eventStream: "tokens", fate: "queued" });
    expect(first?.event).toMatchObject({
      payload: { a: 1 },
      meta: {
        endpoint: new URL(url).pathname,
        eda_event_stream_name: "tokens",
        headers: {},
      },
    });
    expect(eda.eventStream("tokens")).toMatchObject({
      eventsReceived: 2,
      lastEventReceivedAt: clock.now(),
      testMode: false,
      url,
    });
  });

  it("token: 400 when the header is missing, 403 on mismatch", async () => {
    const { eda } = await start();
    const url = eda.eventStreamUrl("tokens");
    const missing = await post(url, {});
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text)).toEqual({ detail: "Authorization header is missing" });
    const wrong = await post(url, {}, { Authorization: "Bearer nope" });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text)).toEqual({ detail: "Token mismatch, check your token" });
    // A failed authentication counts as received; a missing header does not.
    expect(eda.eventStream("tokens").eventsReceived).toBe(1);
    expect(eda.events().map((e) => [e.fate, e.status])).toEqual([
      ["rejected", 400],
      ["rejected", 403],
    ]);
  });

  it("token: reads a custom header", async () => {
    const { eda } = await start();
    const url = eda.eventStreamUrl("custom");
    expect(JSON.parse((await post(url, {}, { Authorization: TOKEN })).text)).toEqual({
      detail: "X-Gitlab-Token header is missing",
    });
    expect((await post(url, {}, { "X-Gitlab-Token": TOKEN })).status).toBe(200);
  });

  it("basic: compares base64(user:pass), 403 Credential mismatch otherwise", async () => {
    const { eda } = await start();
    const url = eda.eventStreamUrl("basic");
    expect((await post(url, {}, { Authorization: basic("eda", PASSWORD) })).status).toBe(200);
    const wrong = await post(url, {}, { Authorization: basic("eda", "nope") });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text)).toEqual({ detail: "Credential mismatch" });
  });

  it("hmac: base64 by default in X-Hub-Signature-256; hex with a prefix when configured", async () => {
    const { eda } = await start();
    const body = '{"exact":  "bytes"}';
    const signed = eda.eventStreamUrl("signed");
    const b64 = hmac("sha256", SECRET, body, "base64");
    expect((await post(signed, body, { "X-Hub-Signature-256": b64 })).status).toBe(200);
    const hex = hmac("sha256", SECRET, body, "hex");
    const wrong = await post(signed, body, { "X-Hub-Signature-256": hex });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text)).toEqual({
      detail: "Signature mismatch, check your payload and secret",
    });
    const github = eda.eventStreamUrl("github");
    expect((await post(github, body, { "X-Hub-Signature-256": `sha256=${hex}` })).status).toBe(200);
    expect((await post(github, body, { "X-Hub-Signature-256": hex })).status).toBe(403);
    const missing = await post(github, body);
    expect(JSON.parse(missing.text)).toEqual({ detail: "X-Hub-Signature-256 header is missing" });
  });

  it("parses form bodies into lists and wraps non-object bodies", async () => {
    const { eda } = await start();
    const url = eda.eventStreamUrl("tokens");
    const auth = { Authorization: TOKEN };
    const form = await post(url, "a=1&a=2&b=x+y%21&blank=", {
      ...auth,
      "Content-Type": "application/x-www-form-urlencoded",
    });
    expect(form.status).toBe(200);
    expect((await post(url, [1, 2], auth)).status).toBe(200);
    expect((await post(url, '"text"', auth)).status).toBe(200);
    expect((await post(url, "", auth)).status).toBe(200);
    expect(eda.events().map((e) => e.event?.payload)).toEqual([
      { a: ["1", "2"], b: ["x y!"] },
      { body: [1, 2] },
      { body: "text" },
      { body: null },
    ]);
  });

  it("answers 400 Invalid content for an unparsable body", async () => {
    const { eda } = await start();
    const url = eda.eventStreamUrl("tokens");
    const bad = await post(url, "{nope", { Authorization: TOKEN, "Content-Type": "text/plain" });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({ detail: "Invalid content. Type: text/plain" });
    const form = await post(url, "a=1&b", {
      Authorization: TOKEN,
      "Content-Type": "application/x-www-form-urlencoded",
    });
    expect(JSON.parse(form.text)).toEqual({
      detail: "Invalid content. Type: application/x-www-form-urlencoded",
    });
    expect(eda.eventStream("tokens").eventsReceived).toBe(0);
  });

  it("answers 400 bad uuid specified for unknown or malformed UUIDs, 405 to GET", async () => {
    const { eda } = await start();
    const base = `${eda.eventStreamBaseUrl}/eda-event-streams/api/eda/v1/external_event_stream/`;
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const reply = await post(`${base}${id}/post/`, {}, { Authorization: TOKEN });
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.text)).toEqual({ detail: "bad uuid specified" });
    }
    const get = await post(eda.eventStreamUrl("tokens"), "", {}, "GET");
    expect(get.status).toBe(405);
    expect(JSON.parse(get.text)).toEqual({ detail: 'Method "GET" not allowed.' });
    expect((await post(`${eda.eventStreamBaseUrl}/elsewhere/`, {})).status).toBe(404);
  });

  it("passes only the additional data headers into meta.headers", async () => {
    const { eda } = await start({
      eventStreams: [
        {
          name: "tokens",
          auth: { type: "token", token: TOKEN },
          additionalDataHeaders: ["X-Provisionkit-Correlation-Id"],
        },
        { name: "all", auth: { type: "token", token: TOKEN }, additionalDataHeaders: "*" },
      ],
    });
    const headers = {
      Authorization: TOKEN,
      "X-Provisionkit-Correlation-Id": "c-9",
      "X-Forwarded-For": "10.0.0.1",
      "X-Envoy-Internal": "true",
    };
    await post(`${eda.eventStreamUrl("tokens")}?x=1`, {}, headers);
    await post(eda.eventStreamUrl("all"), {}, headers);
    const [listed, all] = eda.events().map((e) => e.event?.meta as Record<string, unknown>);
    expect(listed?.headers).toEqual({ "X-Provisionkit-Correlation-Id": "c-9" });
    expect(listed?.endpoint).toBe(`${new URL(eda.eventStreamUrl("tokens")).pathname}?x=1`);
    expect(all?.headers).toMatchObject({
      "X-Provisionkit-Correlation-Id": "c-9",
      "Content-Type": "application/json",
    });
    const names = Object.keys(all?.headers as object);
    expect(names).not.toContain("Authorization");
    expect(names).not.toContain("X-Forwarded-For");
    expect(names).not.toContain("X-Envoy-Internal");
  });

  describe("test mode", () => {
    it("records the last content, headers and type, and forwards nothing", async () => {
      const { eda, clock } = await start({
        eventStreams: [{ name: "tokens", auth: { type: "token", token: TOKEN }, testMode: true }],
        setup: (aap) => aap.addJobTemplate({ name: "jt" }),
      });
      const url = eda.eventStreamUrl("tokens");
      await post(url, { first: true }, { Authorization: TOKEN });
      clock.advance(10);
      await post(url, { second: true }, { Authorization: TOKEN, "X-Extra": "e" });
      await eda.pump();
      expect(eda.events().map((e) => e.fate)).toEqual(["test-mode", "test-mode"]);
      expect(current()?.aap.ledger()).toEqual([]);
      const state = eda.eventStream("tokens");
      expect(state).toMatchObject({
        testMode: true,
        eventsReceived: 2,
        lastEventReceivedAt: clock.now(),
        testContent: { second: true },
        testContentType: "application/json",
        testErrorMessage: "",
      });
      expect(state.testHeaders).toMatchObject({ "X-Extra": "e" });
      expect(Object.keys(state.testHeaders ?? {})).not.toContain("Authorization");
    });

    it("keeps the error of a failed authentication", async () => {
      const { eda } = await start();
      eda.setTestMode("tokens", true);
      const url = eda.eventStreamUrl("tokens");
      await post(url, { ok: true }, { Authorization: TOKEN });
      await post(url, { ok: false }, { Authorization: "wrong" });
      expect(eda.eventStream("tokens")).toMatchObject({
        eventsReceived: 2,
        testErrorMessage: "Token mismatch, check your token",
        testContent: "",
        testContentType: "",
      });
      await post(url, {});
      expect(eda.eventStream("tokens")).toMatchObject({
        eventsReceived: 2,
        testErrorMessage: "Authorization header is missing",
      });
    });
  });

  it("loses events while no activation is running, still answering 200", async () => {
    const { eda, clock } = await start({
      activation: { startupMs: 1_000 },
      setup: (aap) => aap.addJobTemplate({ name: "jt" }),
    });
    const url = eda.eventStreamUrl("tokens");
    expect((await post(url, { early: true }, { Authorization: TOKEN })).status).toBe(200);
    clock.advance(1_000);
    expect((await post(url, { late: true }, { Authorization: TOKEN })).status).toBe(200);
    await eda.pump();
    expect(eda.events().map((e) => [e.fate, e.reason])).toEqual([
      ["lost", "no running activation"],
      ["launched", undefined],
    ]);
    expect(eda.eventStream("tokens").eventsReceived).toBe(2);
    expect(current()?.aap.ledger()).toHaveLength(1);
  });

  it("never records tokens, passwords or secrets", async () => {
    const { eda } = await start();
    eda.setTestMode("basic", true);
    await post(eda.eventStreamUrl("tokens"), {}, { Authorization: `Bearer ${TOKEN}` });
    await post(eda.eventStreamUrl("basic"), {}, { Authorization: basic("eda", PASSWORD) });
    await post(eda.eventStreamUrl("basic"), {}, { Authorization: basic("eda", `${PASSWORD}!`) });
    const body = "{}";
    await post(eda.eventStreamUrl("signed"), body, {
      "X-Hub-Signature-256": hmac("sha256", SECRET, body, "base64"),
    });
    const recorded = JSON.stringify([
      eda.requests(),
      eda.events(),
      STREAMS.map((s) => eda.eventStream(s.name)),
    ]);
    for (const secret of [
      TOKEN,
      PASSWORD,
      SECRET,
      Buffer.from(`eda:${PASSWORD}`).toString("base64"),
    ]) {
      expect(recorded).not.toContain(secret);
    }
    expect(eda.requests().map((r) => [r.server, r.status, r.credentialsPresented])).toEqual([
      ["event-stream", 200, true],
      ["event-stream", 200, true],
      ["event-stream", 403, true],
      ["event-stream", 200, true],
    ]);
  });
});
