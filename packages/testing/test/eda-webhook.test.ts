import { describe, expect, it } from "vitest";
import { request } from "node:http";
import { hmac, post, withEda } from "./eda-support.js";

const { start } = withEda({ rules: [{ endpoint: "create-thing", template: "jt" }] });

const TOKEN = "webhook-secret-token";
const SECRET = "webhook-hmac-secret";

describe("EDA simulator: ansible.eda.webhook source (research §10)", () => {
  it("answers 200 text/plain with the path, queues the event with its meta", async () => {
    const { eda, webhookUrl, clock } = await start();
    const reply = await post(`${webhookUrl}/create-thing`, { a: 1 }, { "X-Custom": "v" });
    expect(reply).toMatchObject({ status: 200, text: "create-thing" });
    expect(reply.contentType).toBe("text/plain; charset=utf-8");
    const [event] = eda.events();
    expect(event).toMatchObject({
      seq: 1,
      source: "webhook",
      endpoint: "create-thing",
      status: 200,
      fate: "queued",
      receivedAt: clock.now(),
      dueAt: clock.now(),
    });
    const meta = event?.event?.meta as Record<string, unknown>;
    expect(event?.event?.payload).toEqual({ a: 1 });
    expect(meta).toMatchObject({
      endpoint: "create-thing",
      source: { name: "ansible.eda.webhook", type: "ansible.eda.webhook" },
      received_at: "2026-01-01T00:00:00Z",
    });
    expect(meta.uuid).toMatch(/^[0-9a-f-]{36}$/);
    // Names keep the case the client sent.
    expect(meta.headers).toMatchObject({ "X-Custom": "v", "Content-Type": "application/json" });
  });

  it("keeps header names as sent and drops Authorization from meta.headers", async () => {
    const { eda, webhookUrl } = await start({ webhook: { token: TOKEN } });
    const body = JSON.stringify({ b: 2 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${webhookUrl}/create-thing`,
        {
          method: "POST",
          headers: {
            Authorization: `Bearer ${TOKEN}`,
            "X-Provisionkit-Correlation-Id": "c-1",
            "Content-Length": Buffer.byteLength(body),
          },
          agent: false,
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(status).toBe(200);
    const headers = eda.events()[0]?.event?.meta as { headers: Record<string, string> };
    expect(headers.headers["X-Provisionkit-Correlation-Id"]).toBe("c-1");
    expect(Object.keys(headers.headers).map((k) => k.toLowerCase())).not.toContain("authorization");
  });

  it("answers 200 for a path no rule matches; the event ends unmatched", async () => {
    const { eda, webhookUrl } = await start();
    const reply = await post(`${webhookUrl}/nested/other-path`, [1, 2]);
    expect(reply).toMatchObject({ status: 200, text: "nested/other-path" });
    await eda.pump();
    expect(eda.events()[0]).toMatchObject({ fate: "unmatched", endpoint: "nested/other-path" });
    expect(eda.events()[0]?.event?.payload).toEqual([1, 2]);
  });

  it("answers 400 Invalid JSON payload for a body that is not JSON", async () => {
    const { eda, webhookUrl } = await start();
    for (const bad of ["{not json", ""]) {
      const reply = await post(`${webhookUrl}/create-thing`, bad);
      expect(reply).toMatchObject({ status: 400, text: "Invalid JSON payload" });
      expect(reply.contentType).toBe("text/plain; charset=utf-8");
    }
    expect(eda.events().map((e) => [e.fate, e.status])).toEqual([
      ["rejected", 400],
      ["rejected", 400],
    ]);
  });

  it("answers 405 to other methods", async () => {
    const { eda, webhookUrl } = await start();
    const reply = await post(`${webhookUrl}/create-thing`, "", {}, "GET");
    expect(reply).toMatchObject({ status: 405, text: "405: Method Not Allowed" });
    expect(reply.headers.get("allow")).toBe("POST");
    expect((await post(`${webhookUrl}/create-thing`, "{}", {}, "PUT")).status).toBe(405);
    expect(eda.events()).toEqual([]);
  });

  describe("token", () => {
    it("answers 401 with the plugin's texts", async () => {
      const { eda, webhookUrl } = await start({ webhook: { token: TOKEN } });
      const url = `${webhookUrl}/create-thing`;
      const missing = await post(url, {});
      expect(missing).toMatchObject({
        status: 401,
        statusText: "Missing authorization token",
        text: "401: Missing authorization token",
      });
      expect(await post(url, {}, { Authorization: `Basic ${TOKEN}` })).toMatchObject({
        status: 401,
        text: "Only Bearer type is accepted",
      });
      expect(await post(url, {}, { Authorization: "Bearer wrong" })).toMatchObject({
        status: 401,
        text: "Invalid authorization token",
      });
      expect(await post(url, {}, { Authorization: `Bearer ${TOKEN} extra` })).toMatchObject({
        status: 401,
        text: "Invalid authorization token",
      });
      expect(await post(url, {}, { Authorization: `bearer ${TOKEN}` })).toMatchObject({
        status: 401,
        text: "Only Bearer type is accepted",
      });
      expect((await post(url, {}, { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      expect(eda.events().map((e) => e.fate)).toEqual([
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "queued",
      ]);
    });

    it("checks the token before the method and the JSON", async () => {
      const { webhookUrl } = await start({ webhook: { token: TOKEN } });
      const url = `${webhookUrl}/create-thing`;
      expect((await post(url, "", {}, "GET")).status).toBe(401);
      expect((await post(url, "{bad")).status).toBe(401);
    });
  });

  describe("HMAC", () => {
    it("verifies a hex digest over the raw body, with or without the sha256= prefix", async () => {
      const { eda, webhookUrl } = await start({ webhook: { hmac: { secret: SECRET } } });
      const url = `${webhookUrl}/create-thing`;
      const body = '{"spaced":  "as sent",\n "n": 1}';
      const digest = hmac("sha256", SECRET, body, "hex");
      expect(await post(url, body, { "X-Hub-Signature-256": digest })).toMatchObject({
        status: 200,
      });
      expect(await post(url, body, { "x-hub-signature-256": `sha256=${digest}` })).toMatchObject({
        status: 200,
      });
      // The signature must cover the exact bytes: the re-serialized JSON does not match.
      expect(
        await post(url, JSON.stringify(JSON.parse(body)), { "X-Hub-Signature-256": digest }),
      ).toMatchObject({ status: 401, text: "HMAC verification failed" });
      expect(await post(url, body, { "X-Hub-Signature-256": digest.toUpperCase() })).toMatchObject({
        status: 401,
        text: "HMAC verification failed",
      });
      expect(await post(url, body)).toMatchObject({
        status: 400,
        text: "Signature header not found",
      });
      expect(eda.events().map((e) => e.status)).toEqual([200, 200, 401, 401, 400]);
    });

    it("supports another algorithm, header and base64 format", async () => {
      const { webhookUrl } = await start({
        webhook: {
          hmac: { secret: SECRET, algorithm: "sha512", header: "X-Signature", format: "base64" },
        },
      });
      const url = `${webhookUrl}/create-thing`;
      const body = '{"x":1}';
      const digest = hmac("sha512", SECRET, body, "base64");
      expect((await post(url, body, { "X-Signature": digest })).status).toBe(200);
      expect((await post(url, body, { "X-Signature": `sha512=${digest}` })).status).toBe(200);
      expect((await post(url, body, { "X-Signature": `sha256=${digest}` })).status).toBe(401);
      const hex = hmac("sha512", SECRET, body, "hex");
      expect((await post(url, body, { "X-Signature": hex })).status).toBe(401);
    });

    it("checks the token first, then the signature", async () => {
      const { webhookUrl } = await start({ webhook: { token: TOKEN, hmac: { secret: SECRET } } });
      const url = `${webhookUrl}/create-thing`;
      expect((await post(url, "{}")).status).toBe(401);
      expect(await post(url, "{}", { Authorization: `Bearer ${TOKEN}` })).toMatchObject({
        status: 400,
        text: "Signature header not found",
      });
      const digest = hmac("sha256", SECRET, "{}", "hex");
      const ok = await post(url, "{}", {
        Authorization: `Bearer ${TOKEN}`,
        "X-Hub-Signature-256": digest,
      });
      expect(ok.status).toBe(200);
    });
  });

  describe("activation not running", () => {
    it("answers 503 text/plain while the activation starts, then accepts", async () => {
      const { eda, webhookUrl, clock } = await start({ activation: { startupMs: 5_000 } });
      expect(eda.activationStatus).toBe("starting");
      const url = `${webhookUrl}/create-thing`;
      const reply = await post(url, {});
      expect(reply.status).toBe(503);
      expect(reply.contentType).toBe("text/plain; charset=utf-8");
      clock.advance(4_999);
      expect((await post(url, {})).status).toBe(503);
      clock.advance(1);
      expect(eda.activationStatus).toBe("running");
      expect((await post(url, {})).status).toBe(200);
      expect(eda.events().map((e) => [e.fate, e.status])).toEqual([
        ["rejected", 503],
        ["rejected", 503],
        ["queued", 200],
      ]);
    });

    it("answers 503 after restartActivation() for startupMs", async () => {
      const { eda, webhookUrl, clock } = await start({ activation: { startupMs: 2_000 } });
      clock.advance(2_000);
      const url = `${webhookUrl}/create-thing`;
      expect((await post(url, {})).status).toBe(200);
      eda.restartActivation();
      expect(eda.activationStatus).toBe("starting");
      expect((await post(url, {})).status).toBe(503);
      clock.advance(2_000);
      expect((await post(url, {})).status).toBe(200);
    });
  });

  it("never records the token, the secret or the signature", async () => {
    const { eda, webhookUrl } = await start({
      webhook: { token: TOKEN, hmac: { secret: SECRET } },
    });
    const url = `${webhookUrl}/create-thing`;
    const digest = hmac("sha256", SECRET, "{}", "hex");
    await post(url, "{}", { Authorization: `Bearer ${TOKEN}`, "X-Hub-Signature-256": digest });
    await post(url, "{}", { Authorization: `Bearer ${TOKEN}x` });
    await eda.pump();
    const requests = eda.requests();
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      server: "webhook",
      method: "POST",
      path: "/create-thing",
      status: 200,
      credentialsPresented: true,
    });
    const recorded = JSON.stringify(requests) + JSON.stringify(eda.events());
    expect(recorded).not.toContain(TOKEN);
    expect(recorded).not.toContain(SECRET);
    expect(JSON.stringify(requests)).not.toContain(digest);
  });
});
