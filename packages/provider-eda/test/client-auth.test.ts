import { AuthenticationError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { EdaClient, type EdaAuth, type EdaClientOptions } from "../src/index.ts";
import {
  HMAC_SECRET,
  PASSWORD,
  serverPerTest,
  TOKEN,
  USERNAME,
  respond,
  hmacOf,
  text,
  thrown,
  webhookOk,
  type RecordedRequest,
} from "./harness.ts";

const server = serverPerTest();

function webhook(auth: EdaAuth | EdaAuth[], more: Partial<EdaClientOptions> = {}): EdaClient {
  return new EdaClient({ target: { type: "webhook", url: server.url }, auth, ...more });
}

const EVENT = {
  kind: "ComputeInstance",
  operation: "provision" as const,
  // Non-ASCII text and spacing: the signature must cover the exact bytes sent.
  payload: { metadata: { name: "vm-ä" }, spec: { note: "ü  x", n: 1.5 } },
  correlationId: "c-1",
};

/** A receiver that checks an HMAC over the raw body bytes, as the webhook source does. */
function hmacReceiver(
  header: string,
  secret: string,
  algorithm: string,
  encoding: "hex" | "base64",
  prefix = "",
) {
  return respond((request: RecordedRequest) => {
    const got = request.headers[header.toLowerCase()];
    if (got === undefined) return text(400, "Signature header not found");
    const expected = `${prefix}${hmacOf(request.raw, secret, algorithm, encoding)}`;
    return got === expected ? webhookOk : text(401, "HMAC verification failed");
  });
}

describe("bearer", () => {
  it("sends Authorization: Bearer <token>, trimmed", async () => {
    server.otherwise(
      respond((r) =>
        r.headers.authorization === `Bearer ${TOKEN}`
          ? webhookOk
          : text(401, "Invalid authorization token"),
      ),
    );
    const result = await webhook({ type: "bearer", token: `  ${TOKEN}\n` }).send(EVENT);
    expect(result.status).toBe(200);
    expect(server.last().headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("a wrong token → AuthenticationError", async () => {
    server.otherwise(
      respond((r) =>
        r.headers.authorization === `Bearer ${TOKEN}` ? webhookOk : text(401, "Invalid token"),
      ),
    );
    const error = await thrown(webhook({ type: "bearer", token: "other-token" }).send(EVENT));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(server.requests).toHaveLength(1);
  });
});

describe("basic", () => {
  it("sends Authorization: Basic base64(user:password)", async () => {
    const expected = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64")}`;
    server.otherwise(
      respond((r) => (r.headers.authorization === expected ? webhookOk : text(403, "no"))),
    );
    await webhook({ type: "basic", username: USERNAME, password: PASSWORD }).send(EVENT);
    expect(server.last().headers.authorization).toBe(expected);
  });
});

describe("HMAC over the raw body", () => {
  const cases: {
    name: string;
    auth: EdaAuth;
    header: string;
    algorithm: string;
    encoding: "hex" | "base64";
    prefix?: string;
  }[] = [
    {
      name: "default: X-Hub-Signature-256, sha256, hex (webhook default)",
      auth: { type: "hmac", secret: HMAC_SECRET },
      header: "X-Hub-Signature-256",
      algorithm: "sha256",
      encoding: "hex",
    },
    {
      name: "base64",
      auth: { type: "hmac", secret: HMAC_SECRET, encoding: "base64" },
      header: "X-Hub-Signature-256",
      algorithm: "sha256",
      encoding: "base64",
    },
    {
      name: "sha256= prefix",
      auth: { type: "hmac", secret: HMAC_SECRET, prefix: "sha256=" },
      header: "X-Hub-Signature-256",
      algorithm: "sha256",
      encoding: "hex",
      prefix: "sha256=",
    },
    {
      name: "sha1 in a custom header",
      auth: { type: "hmac", secret: HMAC_SECRET, algorithm: "sha1", header: "X-Signature" },
      header: "X-Signature",
      algorithm: "sha1",
      encoding: "hex",
    },
    {
      name: "sha512 base64 with prefix",
      auth: {
        type: "hmac",
        secret: HMAC_SECRET,
        algorithm: "sha512",
        encoding: "base64",
        prefix: "sha512=",
      },
      header: "X-Hub-Signature-256",
      algorithm: "sha512",
      encoding: "base64",
      prefix: "sha512=",
    },
  ];
  for (const c of cases) {
    it(`${c.name}: the receiver's recomputation matches`, async () => {
      server.otherwise(hmacReceiver(c.header, HMAC_SECRET, c.algorithm, c.encoding, c.prefix));
      const result = await webhook(c.auth).send(EVENT);
      expect(result.status).toBe(200);
      const request = server.last();
      expect(request.headers[c.header.toLowerCase()]).toBe(
        `${c.prefix ?? ""}${hmacOf(request.raw, HMAC_SECRET, c.algorithm, c.encoding)}`,
      );
      expect(JSON.parse(request.body)).toEqual(EVENT.payload);
    });
  }

  it("a different secret fails the receiver's check → AuthenticationError", async () => {
    server.otherwise(hmacReceiver("X-Hub-Signature-256", HMAC_SECRET, "sha256", "hex"));
    const error = await thrown(webhook({ type: "hmac", secret: "another-secret" }).send(EVENT));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("HMAC verification failed");
  });

  it("an event-stream target defaults to base64", async () => {
    server.otherwise(hmacReceiver("X-Hub-Signature-256", HMAC_SECRET, "sha256", "base64"));
    const client = new EdaClient({
      target: { type: "event-stream", urls: { provision: `${server.url}/stream/1/post/` } },
      auth: { type: "hmac", secret: HMAC_SECRET },
    });
    await expect(client.send(EVENT)).resolves.toMatchObject({ status: 200 });
  });

  it("combines with a bearer token when the source checks both", async () => {
    server.otherwise(
      respond((r) => {
        if (r.headers.authorization !== `Bearer ${TOKEN}`) return text(401, "token");
        return hmacReceiver("X-Hub-Signature-256", HMAC_SECRET, "sha256", "hex");
      }),
    );
    await webhook([
      { type: "bearer", token: TOKEN },
      { type: "hmac", secret: HMAC_SECRET },
    ]).send(EVENT);
    expect(server.requests).toHaveLength(1);
  });
});

describe("no auth and headers", () => {
  it("sends no Authorization with type none, and the informational headers", async () => {
    await webhook({ type: "none" }).send(EVENT);
    const request = server.last();
    expect(request.method).toBe("POST");
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["x-provisionkit-correlation-id"]).toBe("c-1");
    expect(request.headers["x-provisionkit-operation"]).toBe("provision");
    expect(request.path).toBe("/create-compute-instance");
  });
});
