/**
 * A throwaway certificate authority for testing an HTTP client's TLS options.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A test CA with a server certificate for 127.0.0.1, and an unrelated second CA (all PEM). */
export interface TestPki {
  /** The CA that signed {@link TestPki.serverCert}. */
  caCert: string;
  /** Another CA, which did not sign it. */
  otherCaCert: string;
  /** The server's private key. */
  serverKey: string;
  /** The server's certificate, for `IP:127.0.0.1`, valid two days. */
  serverCert: string;
}

/**
 * Creates a {@link TestPki} with the `openssl` command (which must be on the PATH);
 * nothing is left on disk. Serve it with `ScriptedHttpServer` (`tls: { key: pki.serverKey,
 * cert: pki.serverCert }`) and give the client `pki.caCert`.
 */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "provisionkit-pki-"));
  try {
    const file = (name: string): string => join(dir, name);
    const openssl = (...args: string[]): void => {
      execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    };
    for (const ca of ["ca", "other-ca"]) {
      const subject = `/CN=provisionkit test ${ca}`;
      openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        subject,
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
      caCert: read("ca.crt"),
      otherCaCert: read("other-ca.crt"),
      serverKey: read("server.key"),
      serverCert: read("server.crt"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
