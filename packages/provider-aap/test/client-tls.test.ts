// AapClient's use of the kit's TLS settings. The TLS mechanics themselves (another CA, a
// CA list of Buffers, https on a plain port) are tested once, on HttpTransport, in
// packages/testing/test/http/scripted-server.test.ts.
import { ConfigurationError, type ProviderError } from "@provisionkit/core";
import { createTestPki } from "@provisionkit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ScriptedHttpServer,
  captureLogger,
  clientFor,
  json,
  jobBody,
  recordSleeps,
  thrown,
} from "./client-harness.js";

const pki = createTestPki();
const server = ScriptedHttpServer.perTest(
  { beforeEach, afterEach },
  { tls: { key: pki.serverKey, cert: pki.serverCert } },
);
beforeEach(() => {
  server.on("GET", "/api/v2/jobs/7/", json(200, jobBody()));
});
const getJob = (options: Parameters<typeof clientFor>[1]): Promise<unknown> =>
  clientFor(server, options).getJob({ kind: "job", id: 7 });

describe("TLS", () => {
  it("rejects an untrusted certificate with a ConfigurationError, not retried", async () => {
    const { delays, sleep } = recordSleeps();
    const error = await thrown(getJob({ sleep }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("TLS failure");
    expect((error as ProviderError).details.errorCode).toMatch(/UNABLE_TO_|SELF_SIGNED|CERT/);
    expect(delays).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it("rejects a certificate signed by another CA than the given one", async () => {
    expect(await thrown(getJob({ tls: { ca: pki.otherCaCert } }))).toBeInstanceOf(
      ConfigurationError,
    );
  });

  it("accepts the certificate with its CA, also among several as Buffers", async () => {
    await expect(getJob({ tls: { ca: pki.caCert } })).resolves.toMatchObject({ id: 7 });
    const ca = [Buffer.from(pki.otherCaCert), Buffer.from(pki.caCert)];
    await expect(getJob({ tls: { ca } })).resolves.toMatchObject({ id: 7 });
  });

  it("accepts anything with insecureSkipTLSVerify, after one warning", async () => {
    const { logger, lines } = captureLogger();
    const client = clientFor(server, { logger, tls: { insecureSkipTLSVerify: true } });
    await client.getJob({ kind: "job", id: 7 });
    await client.getJob({ kind: "job", id: 7 });
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it("reports an https URL pointing at a plain http port as a ConfigurationError", async () => {
    const plain = await ScriptedHttpServer.start();
    try {
      const url = `${plain.url.replace("http://", "https://")}/api/v2/`;
      expect(await thrown(getJob({ url }))).toBeInstanceOf(ConfigurationError);
    } finally {
      await plain.close();
    }
  });
});
