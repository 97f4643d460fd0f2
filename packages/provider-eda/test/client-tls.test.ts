import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigurationError, type ProviderError } from "@provisionkit/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EdaClient, type EdaTlsOptions } from "../src/index.ts";
import { ScriptedServer, TOKEN, captureLogger, thrown } from "./harness.ts";

interface Pki {
  dir: string;
  caCert: string;
  otherCaCert: string;
  serverKey: string;
  serverCert: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1 (and an unrelated second CA). */
function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "eda-client-tls-"));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  };
  for (const ca of ["ca", "other-ca"]) {
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=provisionkit eda test ${ca}`,
      "-keyout",
      file(`${ca}.key`),
      "-out",
      file(`${ca}.crt`),
    );
  }
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    file("server.key"),
    "-out",
    file("server.csr"),
  );
  writeFileSync(
    file("server.ext"),
    "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  );
  openssl(
    "x509",
    "-req",
    "-in",
    file("server.csr"),
    "-CA",
    file("ca.crt"),
    "-CAkey",
    file("ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    file("server.ext"),
    "-out",
    file("server.crt"),
  );
  const read = (name: string): string => readFileSync(file(name), "utf8");
  return {
    dir,
    caCert: read("ca.crt"),
    otherCaCert: read("other-ca.crt"),
    serverKey: read("server.key"),
    serverCert: read("server.crt"),
  };
}

let pki: Pki;
let server: ScriptedServer;

beforeAll(() => {
  pki = makePki();
});
afterAll(() => {
  rmSync(pki.dir, { recursive: true, force: true });
});
beforeEach(async () => {
  server = await ScriptedServer.start({ key: pki.serverKey, cert: pki.serverCert });
});
afterEach(async () => {
  await server.close();
});

const EVENT = { kind: "ComputeInstance", operation: "provision" as const, payload: { a: 1 } };

function client(tls?: EdaTlsOptions, url = server.url, logger = captureLogger().logger): EdaClient {
  return new EdaClient({
    target: { type: "webhook", url },
    auth: { type: "bearer", token: TOKEN },
    logger,
    ...(tls ? { tls } : {}),
  });
}

describe("TLS", () => {
  it("serves https on loopback", () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("rejects an untrusted certificate: ConfigurationError, nothing received", async () => {
    const error = (await thrown(client().send(EVENT))) as ProviderError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("TLS failure");
    expect(String(error.details.errorCode)).toMatch(/UNABLE_TO_|SELF_SIGNED|CERT/);
    expect(error.outcomeUnknown).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it("rejects a certificate signed by another CA than the given one", async () => {
    const error = await thrown(client({ ca: pki.otherCaCert }).send(EVENT));
    expect(error).toBeInstanceOf(ConfigurationError);
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
    const c = client({ insecureSkipTLSVerify: true }, server.url, logger);
    await c.send(EVENT);
    await c.send(EVENT);
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it("an https URL on a plain http port fails without reaching the server", async () => {
    const plain = await ScriptedServer.start();
    try {
      const error = (await thrown(
        client({ ca: pki.caCert }, plain.url.replace("http://", "https://")).send(EVENT),
      )) as ProviderError;
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.outcomeUnknown).toBe(false);
      expect(plain.requests).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });
});
