import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpTransport, TransportError } from "@provisionkit/core/http";
import {
  ScriptedHttpServer,
  captureLogger,
  createTestPki,
  empty,
  errorText,
  hang,
  json,
  refusedUrl,
  reset,
  respond,
  text,
  thrown,
} from "../../src/index.js";

const pki = createTestPki();
const transport = new HttpTransport({ timeoutMs: 2000 });
const get = (url: string, headers: Record<string, string> = {}) =>
  transport.send({ method: "GET", url, headers });

describe("ScriptedHttpServer", () => {
  const server = ScriptedHttpServer.perTest({ beforeEach, afterEach });

  it("answers scripted replies per route, the last one repeating, and records requests", async () => {
    server.on("GET", "/a", json(503, { detail: "down" }), text(200, "up"));
    server.on("/b", empty(204, { "x-b": "1" }));
    expect((await get(`${server.url}/a?x=1`)).status).toBe(503);
    expect((await get(`${server.url}/a`)).text).toBe("up");
    expect((await get(`${server.url}/a`)).text).toBe("up");
    const b = await transport.send({ method: "POST", url: `${server.url}/b`, body: "hi" });
    expect([b.status, b.header("x-b")]).toEqual([204, "1"]);
    expect(server.count("GET", "/a")).toBe(3);
    expect(server.requests[0]?.query.get("x")).toBe("1");
    expect(server.last()).toMatchObject({ method: "POST", path: "/b", body: "hi", url: "/b" });
    expect(server.last().raw.equals(Buffer.from("hi"))).toBe(true);
  });

  it("answers unscripted requests with a 418, or the fallback; respond() chooses by request", async () => {
    expect((await get(`${server.url}/nope`)).status).toBe(418);
    server.otherwise(respond((r) => text(r.headers["x-ok"] === "1" ? 200 : 403, r.path)));
    expect((await get(`${server.url}/c`, { "x-ok": "1" })).status).toBe(200);
    expect((await get(`${server.url}/c`)).status).toBe(403);
  });

  it("hang never answers and reset drops the connection", async () => {
    server.on("/hang", hang).on("/reset", reset);
    const quick = new HttpTransport({ timeoutMs: 100 });
    const waiting = server.nextRequest();
    const hung = await thrown(quick.send({ method: "GET", url: `${server.url}/hang` }));
    expect((await waiting).path).toBe("/hang");
    expect((hung as TransportError).kind).toBe("timeout");
    const dropped = await thrown(get(`${server.url}/reset`));
    expect((dropped as TransportError).code).toBe("ECONNRESET");
  });

  it("starts afresh for each test", () => {
    expect(server.requests).toEqual([]);
  });
});

describe("refusedUrl, captureLogger, errorText", () => {
  it("gives a URL nothing listens on", async () => {
    const error = await thrown(get(await refusedUrl()));
    expect((error as TransportError).code).toBe("ECONNREFUSED");
  });

  it("records log lines and dumps them; errorText shows details and cause", () => {
    const { logger, lines, dump } = captureLogger();
    logger.warn({ a: 1 }, "careful");
    expect(lines).toEqual([{ level: "warn", fields: { a: 1 }, message: "careful" }]);
    expect(dump()).toContain("careful");
    const error = Object.assign(new Error("top", { cause: "deep" }), { details: { token: "t0k" } });
    expect(errorText(error)).toContain("t0k");
    expect(errorText(error)).toContain("deep");
  });
});

// The TLS mechanics of the kit's HttpTransport, once for every client built on it.
describe("HttpTransport over TLS, against a createTestPki server", () => {
  const server = ScriptedHttpServer.perTest(
    { beforeEach, afterEach },
    { tls: { key: pki.serverKey, cert: pki.serverCert } },
  );
  const send = (tls: ConstructorParameters<typeof HttpTransport>[0]["tls"], url = server.url) =>
    new HttpTransport({ timeoutMs: 5000, ...(tls ? { tls } : {}) }).send({
      method: "POST",
      url: `${url}/x`,
      body: "{}",
      freshConnection: true,
    });
  const tlsFailure = async (promise: Promise<unknown>): Promise<TransportError> => {
    const error = (await thrown(promise)) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.connected).toBe(false);
    return error;
  };

  beforeEach(() => {
    server.otherwise(text(200, "ok"));
  });

  it("serves https on loopback", () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("rejects an untrusted certificate, and one signed by another CA, before sending", async () => {
    expect((await tlsFailure(send(undefined))).code).toMatch(/UNABLE_TO_|SELF_SIGNED|CERT/);
    expect((await tlsFailure(send({ ca: pki.otherCaCert }))).code).toMatch(
      /UNABLE_TO_|SELF_SIGNED|CERT/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("accepts the certificate with its CA, alone or among several Buffers, or when told not to verify", async () => {
    expect((await send({ ca: pki.caCert })).status).toBe(200);
    expect(
      (await send({ ca: [Buffer.from(pki.otherCaCert), Buffer.from(pki.caCert)] })).status,
    ).toBe(200);
    expect((await send({ insecure: true })).status).toBe(200);
    expect(server.requests).toHaveLength(3);
  });

  it("an https URL on a plain http port fails with a TLS code before sending", async () => {
    const plain = await ScriptedHttpServer.start();
    try {
      const error = await tlsFailure(
        send({ ca: pki.caCert }, plain.url.replace("http://", "https://")),
      );
      expect(error.code).toMatch(/EPROTO|ERR_SSL/);
      expect(plain.requests).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });
});
