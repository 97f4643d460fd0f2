/**
 * Certificates: a throw-away PKI for one server, made with openssl.
 * @module
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The PEM texts made by {@link makePki}. */
export interface Pki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await execFileAsync("openssl", args, { cwd: dir });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(
      `openssl ${args[0] ?? ""} failed: ${typeof stderr === "string" ? stderr.trim() : String(error)}`,
      { cause: error },
    );
  }
}

/** A CA, a server certificate for 127.0.0.1/localhost and an admin client certificate (O=system:masters). */
export async function makePki(dir: string): Promise<Pki> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  // prettier-ignore
  await openssl(dir, [
    "req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
    "-subj", "/CN=provisionkit-test-ca",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await writeFile(
    join(dir, "server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
  );
  await writeFile(
    join(dir, "client.ext"),
    "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
  );
  const leaf = async (name: string, subject: string) => {
    // prettier-ignore
    await openssl(dir, [
      "req", "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject,
    ]);
    // prettier-ignore
    await openssl(dir, [
      "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
      "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.crt`,
    ]);
  };
  await Promise.all([
    leaf("server", "/CN=127.0.0.1"),
    leaf("client", "/O=system:masters/CN=provisionkit-admin"),
  ]);
  const read = (file: string) => readFile(join(dir, file), "utf8");
  const [caCert, serverCert, serverKey, clientCert, clientKey] = await Promise.all(
    ["ca.crt", "server.crt", "server.key", "client.crt", "client.key"].map(read),
  );
  return {
    caCert: caCert!,
    serverCert: serverCert!,
    serverKey: serverKey!,
    clientCert: clientCert!,
    clientKey: clientKey!,
  };
}
