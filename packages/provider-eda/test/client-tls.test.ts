// EdaClient's use of the kit's TLS settings. The TLS mechanics themselves (another CA, a
// CA list of Buffers, https on a plain port) are tested once, on HttpTransport, in
// packages/testing/test/http/scripted-server.test.ts.
import { ConfigurationError, type ProviderError } from "@provisionkit/core";
import { createTestPki } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import { EdaClient, type EdaTlsOptions } from "../src/index.ts";
import { ScriptedServer, TOKEN, captureLogger, serverPerTest, thrown } from "./harness.ts";

const pki = createTestPki();
const server = serverPerTest({ key: pki.serverKey, cert: pki.serverCert });
const EVENT = { kind: "ComputeInstance", operation: "provision" as const, payload: { a: 1 } };

function client(tls?: EdaTlsOptions, url = server.url, logger = captureLogger().logger): EdaClient {
  const auth = { type: "bearer" as const, token: TOKEN };
  return new EdaClient({ target: { type: "webhook", url }, auth, logger, ...(tls ? { tls } : {}) });
}

describe("TLS", () => {
  it("rejects an untrusted certificate: ConfigurationError, nothing received", async () => {
    const error = (await thrown(client().send(EVENT))) as ProviderError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("TLS failure");
    expect(String(error.details.errorCode)).toMatch(/UNABLE_TO_|SELF_SIGNED|CERT/);
    expect(error.outcomeUnknown).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it("rejects a certificate signed by another CA than the given one", async () => {
    expect(await thrown(client({ ca: pki.otherCaCert }).send(EVENT))).toBeInstanceOf(
      ConfigurationError,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("accepts the certificate with its CA (among several, as Buffers)", async () => {
    await expect(client({ ca: pki.caCert }).send(EVENT)).resolves.toMatchObject({ status: 200 });
    const ca = [Buffer.from(pki.otherCaCert), Buffer.from(pki.caCert)];
    await expect(client({ ca }).send(EVENT)).resolves.toMatchObject({ status: 200 });
    expect(server.requests).toHaveLength(2);
  });

  it("accepts anything with insecureSkipTLSVerify, after one warning", async () => {
    const { logger, lines } = captureLogger();
    const eda = client({ insecureSkipTLSVerify: true }, server.url, logger);
    await eda.send(EVENT);
    await eda.send(EVENT);
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it("an https URL on a plain http port fails without reaching the server", async () => {
    const plain = await ScriptedServer.start();
    try {
      const url = plain.url.replace("http://", "https://");
      const error = (await thrown(client({ ca: pki.caCert }, url).send(EVENT))) as ProviderError;
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.outcomeUnknown).toBe(false);
      expect(plain.requests).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });
});
