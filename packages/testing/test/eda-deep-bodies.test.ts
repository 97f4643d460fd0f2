/**
 * Issue 16: the EDA simulator's JSON handling never recurses on untrusted depth. A webhook
 * or event-stream body nested as deep as Python's JSON decoder cannot go is refused like the
 * real servers refuse it (src/eda/webhook-server.ts and stream-server.ts cite why), 10,000
 * and 100,000 levels included; nothing is queued and the event log stays readable.
 */
import { describe, expect, it } from "vitest";
import { PYTHON_JSON_MAX_DEPTH, PYYAML_MAX_DEPTH } from "../src/json-depth.js";
import { post, withEda } from "./eda-support.js";

const TOKEN = "stream-token-value";
const { start } = withEda({
  rules: [{ endpoint: "create-thing", template: "jt" }],
  eventStreams: [{ name: "tokens", auth: { type: "token", token: TOKEN } }],
});

/** `{"a":{"a":…{}…}}` with `levels` objects. */
const objects = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;
/** `[[…]]` with `levels` arrays. */
const arrays = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;

describe("EDA simulator: deeply nested bodies", () => {
  it("queues bodies nested below each server's parser bound (999 webhook, 491 stream)", async () => {
    const { eda, webhookUrl } = await start();
    expect(PYTHON_JSON_MAX_DEPTH).toBe(1000);
    expect(PYYAML_MAX_DEPTH).toBe(492);
    const webhook = `${webhookUrl}/create-thing`;
    expect((await post(webhook, objects(PYTHON_JSON_MAX_DEPTH - 1))).status).toBe(200);
    const stream = eda.eventStreamUrl("tokens");
    const streamed = await post(stream, arrays(PYYAML_MAX_DEPTH - 1), { Authorization: TOKEN });
    expect(streamed.status).toBe(200);
    expect(eda.events().map((e) => e.status)).toEqual([200, 200]);
  });

  it("refuses an event-stream body nested PYYAML_MAX_DEPTH deep, which the webhook takes", async () => {
    const { eda, webhookUrl } = await start();
    const body = objects(PYYAML_MAX_DEPTH);
    const stream = eda.eventStreamUrl("tokens");
    expect((await post(stream, body, { Authorization: TOKEN })).status).toBe(500);
    expect((await post(`${webhookUrl}/create-thing`, body)).status).toBe(200);
    expect(eda.events().map((e) => e.status)).toEqual([500, 200]);
  });

  it.each([PYTHON_JSON_MAX_DEPTH, 10_000, 100_000])(
    "refuses a body nested %i deep with a 500, queues nothing, and keeps serving",
    async (levels) => {
      const { eda, webhookUrl } = await start();
      for (const body of [objects(levels), arrays(levels)]) {
        const reply = await post(`${webhookUrl}/create-thing`, body);
        expect(reply.status).toBe(500);
        expect(reply.text).toBe("500 Internal Server Error\n\nServer got itself in trouble");
        const streamed = await post(eda.eventStreamUrl("tokens"), body, { Authorization: TOKEN });
        expect(streamed.status).toBe(500);
      }
      // The log is readable (a stored 100,000-deep payload made events() overflow the stack).
      expect(eda.events().map((e) => e.status)).toEqual([500, 500, 500, 500]);
      expect(eda.events().filter((e) => e.fate === "queued")).toEqual([]);
      expect((await post(`${webhookUrl}/create-thing`, { ok: 1 })).status).toBe(200);
    },
  );
});
