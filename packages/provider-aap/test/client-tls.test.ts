import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigurationError, type ProviderError } from "@provisionkit/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ScriptedServer,
  captureLogger,
  clientFor,
  json,
  jobBody,
  recordSleeps,
  thrown,
} from "./client-harness.js";

interface Pki {
  dir: string;
  caCert: string;
  otherCaCert: string;
  serverKey: string;
  serverCert: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1 (and a second, unrelated CA). */
function makePki(): Pki {
  execFileSync("which", ["openssl"]);
  const dir = mkdtempSync(join(tmpdir(), "aap-client-tls-"));
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
      `/CN=provisionkit test ${ca}`,
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
  server.on("GET", "/api/v2/jobs/7/", json(200, jobBody()));
});

afterEach(async () => {
  await server.close();
});

describe("TLS", () => {
  it("serves https on loopback", () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("rejects an untrusted certificate with a ConfigurationError, not retried", async () => {
    const { delays, sleep } = recordSleeps();
    const error = await thrown(clientFor(server, { sleep }).getJob({ kind: "job", id: 7 }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain("TLS failure");
    expect((error as ProviderError).details.errorCode).toMatch(/UNABLE_TO_|SELF_SIGNED|CERT/);
    expect(delays).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it("rejects a certificate signed by another CA than the given one", async () => {
    const error = await thrown(
      clientFor(server, { tls: { ca: pki.otherCaCert } }).getJob({ kind: "job", id: 7 }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
  });

  it("accepts the certificate with its CA", async () => {
    const job = await clientFor(server, { tls: { ca: pki.caCert } }).getJob({ kind: "job", id: 7 });
    expect(job.id).toBe(7);
  });

  it("accepts the CA among several, as Buffers", async () => {
    const ca = [Buffer.from(pki.otherCaCert), Buffer.from(pki.caCert)];
    const job = await clientFor(server, { tls: { ca } }).getJob({ kind: "job", id: 7 });
    expect(job.id).toBe(7);
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
    const plain = await ScriptedServer.start();
    try {
      const url = plain.url.replace("http://", "https://");
      const error = await thrown(
        clientFor(plain, { url: `${url}/api/v2/` }).getJob({ kind: "job", id: 7 }),
      );
      expect(error).toBeInstanceOf(ConfigurationError);
    } finally {
      await plain.close();
    }
  });
});
