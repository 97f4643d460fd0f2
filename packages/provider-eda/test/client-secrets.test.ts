import { AuthenticationError, ConfigurationError, TransientError } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { EdaClient, type EdaAuth } from "../src/index.ts";
import {
  FakeSecretSource,
  HMAC_SECRET,
  PASSWORD,
  ROTATED_TOKEN,
  serverPerTest,
  TOKEN,
  USERNAME,
  captureLogger,
  respond,
  errorText,
  hmacOf,
  leakedSecrets,
  text,
  thrown,
  webhookOk,
} from "./harness.ts";

const server = serverPerTest();

const EVENT = { kind: "ComputeInstance", operation: "provision" as const, payload: { a: 1 } };
const TOKEN_REF = { secretRef: { name: "eda-auth", key: "token", namespace: "ops" } };
const TOKEN_KEY = "ops/eda-auth#token";

function acceptToken(token: string): void {
  server.otherwise(
    respond((r) =>
      r.headers.authorization === `Bearer ${token}`
        ? webhookOk
        : text(401, "Invalid authorization token"),
    ),
  );
}

function client(auth: EdaAuth, secrets: FakeSecretSource, log = captureLogger()): EdaClient {
  return new EdaClient({
    target: { type: "webhook", url: server.url },
    auth,
    secrets,
    logger: log.logger,
  });
}

describe("secrets from a SecretSource", () => {
  it("reads the token through the source for each event", async () => {
    acceptToken(TOKEN);
    const source = new FakeSecretSource().set(TOKEN_REF.secretRef, `${TOKEN}\n`);
    const c = client({ type: "bearer", token: TOKEN_REF }, source);
    await c.send(EVENT);
    await c.send(EVENT);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
    ]);
    expect(source.reads).toEqual([
      { ref: TOKEN_KEY, fresh: false },
      { ref: TOKEN_KEY, fresh: false },
    ]);
  });

  it("after a 401, re-reads fresh and resends once with the rotated token", async () => {
    const source = new FakeSecretSource().set(TOKEN_REF.secretRef, TOKEN);
    const log = captureLogger();
    const c = client({ type: "bearer", token: TOKEN_REF }, source, log);
    acceptToken(TOKEN);
    await c.send(EVENT); // caches TOKEN
    source.set(TOKEN_REF.secretRef, ROTATED_TOKEN); // rotated; the cache still has TOKEN
    acceptToken(ROTATED_TOKEN);
    const result = await c.send(EVENT);
    expect(result.status).toBe(200);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
      `Bearer ${ROTATED_TOKEN}`,
    ]);
    expect(source.reads.slice(1)).toEqual([
      { ref: TOKEN_KEY, fresh: false },
      { ref: TOKEN_KEY, fresh: true },
    ]);
    expect(leakedSecrets(log.dump())).toEqual([]);
  });

  it("after a 403 with an unchanged Secret, does not resend: AuthenticationError", async () => {
    server.otherwise(text(403, "Credential mismatch"));
    const source = new FakeSecretSource().set(TOKEN_REF.secretRef, TOKEN);
    const log = captureLogger();
    const error = await thrown(
      client({ type: "bearer", token: TOKEN_REF }, source, log).send(EVENT),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(server.requests).toHaveLength(1);
    expect(source.reads.map((r) => r.fresh)).toEqual([false, true]);
    expect(log.lines.some((l) => l.level === "warn" && l.message.includes("same value"))).toBe(
      true,
    );
    expect(leakedSecrets(errorText(error) + log.dump())).toEqual([]);
  });

  it("re-reads only once: a rotated token that is rejected too → AuthenticationError after two sends", async () => {
    server.otherwise(text(401, "Invalid authorization token"));
    const source = new FakeSecretSource().set(TOKEN_REF.secretRef, TOKEN);
    const c = client({ type: "bearer", token: TOKEN_REF }, source);
    await thrown(c.send(EVENT));
    source.set(TOKEN_REF.secretRef, ROTATED_TOKEN);
    server.requests.length = 0;
    source.reads.length = 0;
    const error = await thrown(c.send(EVENT));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(server.requests).toHaveLength(2);
    expect(source.reads.map((r) => r.fresh)).toEqual([false, true]);
  });

  it("HMAC secret from a Secret: rotation is picked up after the receiver rejects", async () => {
    const ref = { name: "eda-hmac", key: "secret" };
    const source = new FakeSecretSource().set(ref, "old-hmac-secret");
    const c = client({ type: "hmac", secret: { secretRef: ref } }, source);
    server.otherwise(
      respond((r) =>
        r.headers["x-hub-signature-256"] === hmacOf(r.raw, HMAC_SECRET)
          ? webhookOk
          : text(401, "HMAC verification failed"),
      ),
    );
    await thrown(c.send(EVENT));
    source.set(ref, HMAC_SECRET);
    await expect(c.send(EVENT)).resolves.toMatchObject({ status: 200 });
    expect(server.requests).toHaveLength(3);
  });

  it("basic credentials with username and password from Secrets", async () => {
    const source = new FakeSecretSource()
      .set({ name: "basic", key: "username" }, USERNAME)
      .set({ name: "basic", key: "password" }, PASSWORD);
    const expected = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64")}`;
    server.otherwise(
      respond((r) => (r.headers.authorization === expected ? webhookOk : text(403, "x"))),
    );
    await client(
      {
        type: "basic",
        username: { secretRef: { name: "basic", key: "username" } },
        password: { secretRef: { name: "basic", key: "password" } },
      },
      source,
    ).send(EVENT);
    expect(server.last().headers.authorization).toBe(expected);
  });

  it("a missing Secret → ConfigurationError, nothing sent", async () => {
    const error = await thrown(
      client({ type: "bearer", token: TOKEN_REF }, new FakeSecretSource()).send(EVENT),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(server.requests).toHaveLength(0);
  });

  it("a Secret holding only whitespace → ConfigurationError naming the option", async () => {
    const source = new FakeSecretSource().set(TOKEN_REF.secretRef, " \n");
    const error = await thrown(client({ type: "bearer", token: TOKEN_REF }, source).send(EVENT));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("auth.token");
    expect(server.requests).toHaveLength(0);
  });

  it("an untyped source failure → TransientError without its text", async () => {
    const source = {
      read: () => Promise.reject(new Error(`api down, last value ${TOKEN}`)),
    };
    const c = new EdaClient({
      target: { type: "webhook", url: server.url },
      auth: { type: "bearer", token: TOKEN_REF },
      secrets: source,
    });
    const error = await thrown(c.send(EVENT));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).outcomeUnknown).toBe(false);
    expect(leakedSecrets(errorText(error))).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it("a Secret reference without a source is refused at construction, naming the option", () => {
    expect(
      () =>
        new EdaClient({
          target: { type: "webhook", url: server.url },
          auth: [{ type: "hmac", secret: { secretRef: { name: "x", key: "y" } } }],
        }),
    ).toThrow(/auth\[0\]\.secret refers to a Secret/);
  });
});
