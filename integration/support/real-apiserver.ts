/**
 * The real Kubernetes API-server test tier: a real `apiextensions-apiserver` (the Kubernetes
 * server for CustomResourceDefinitions and custom objects, the same k8s.io/apiserver code that
 * kube-apiserver runs for CRDs) backed by a real etcd, both on 127.0.0.1, started per test file.
 *
 * The binaries come from `scripts/real-apiserver/provision.sh`, which builds them from Debian sid
 * packages into `${PROVISIONKIT_CACHE_DIR:-$HOME/.cache/provisionkit}/real-apiserver/`. This module
 * only reads that cache: it never builds or downloads anything.
 *
 * What the server is not: it has no core `/api` group (no namespaces, configmaps, secrets, events),
 * no garbage collector and no controllers. Namespaced custom objects work in any namespace name.
 *
 * The environment variable `PROVISIONKIT_REAL_APISERVER` selects how tests treat the tier:
 * - unset or `auto`: run when provisioned, otherwise skip with a warning;
 * - `required`: an unprovisioned tier is a test failure (set by `scripts/real-apiserver/ci-tier.sh`
 *   when provisioning succeeded);
 * - `skip`: never run (set by `ci-tier.sh` when provisioning was impossible; its reason is passed
 *   in `PROVISIONKIT_REAL_APISERVER_REASON`).
 *
 * @example
 * ```ts
 * const status = realApiServerStatus();
 * describe.skipIf(!status.available)("on a real API server", () => {
 *   let server: RealApiServer;
 *   beforeAll(async () => {
 *     server = await startRealApiServer({ crds: [{ group: "example.com", version: "v1",
 *       plural: "widgets", kind: "Widget", statusSubresource: true }] });
 *   });
 *   afterAll(() => server.stop());
 *   it("works", async () => {
 *     const kc = new KubeConfig();
 *     kc.loadFromString(server.kubeconfig);
 *     // ... kc.makeApiClient(CustomObjectsApi)
 *   });
 * });
 * ```
 * @module
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import {
  accessSync,
  constants,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  type WriteStream,
} from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer as createNetServer, type Socket } from "node:net";
import { homedir, tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** A CustomResourceDefinition to create on the server before it is handed to the test. */
export interface RealApiServerCrd {
  /** API group, such as `example.com`. */
  group: string;
  /** The one served and stored version, such as `v1`. */
  version: string;
  /** Plural resource name, such as `widgets`. */
  plural: string;
  /** Kind, such as `Widget`. */
  kind: string;
  /** Defaults to `Namespaced`. */
  scope?: "Namespaced" | "Cluster";
  /** Enable the `/status` subresource. Defaults to false. */
  statusSubresource?: boolean;
}

/** Options of {@link startRealApiServer}. */
export interface RealApiServerOptions {
  /** CRDs to create; each is Established and answers a list, a watch and a write before the start resolves. */
  crds: RealApiServerCrd[];
  /** Upper bound, in ms, of the wait for each of etcd, the API server and the CRDs. Default 45 000. */
  readyTimeoutMs?: number;
}

/** A running real API server. */
export interface RealApiServer {
  /**
   * A kubeconfig, as JSON text, for client-node's `KubeConfig.loadFromString`: the server URL, its
   * CA, and an admin client certificate (group `system:masters`). Its context's namespace is `default`.
   */
  readonly kubeconfig: string;
  /** The server's base URL, `https://127.0.0.1:<port>`. */
  readonly url: string;
  /**
   * How long the start took, in ms: certificates + etcd + auth stub (in parallel), then the API
   * server up to `/readyz`, then the CRDs up to a working write.
   */
  readonly timings: { etcdMs: number; apiserverMs: number; crdsMs: number; totalMs: number };
  /** Stops the API server and etcd, closes the auth stub and removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/** Paths of the provisioned binaries. */
export interface RealApiServerBinaries {
  /** The apiextensions-apiserver binary. */
  apiserver: string;
  /** The etcd binary. */
  etcd: string;
}

/** Whether the tier can run here, and if not, why. */
export type RealApiServerStatus = { available: true } | { available: false; reason: string };

/** How tests treat the tier, from `PROVISIONKIT_REAL_APISERVER`. */
export type RealApiServerMode = "auto" | "required" | "skip";

const PROVISION_HINT =
  "run scripts/real-apiserver/provision.sh to build it (4-6 minutes on 2 cores, once)";

/** The value of `PROVISIONKIT_REAL_APISERVER`: `auto` (default), `required` or `skip`. Throws on any other value. */
export function realApiServerMode(): RealApiServerMode {
  const value = (process.env.PROVISIONKIT_REAL_APISERVER ?? "").trim();
  if (value === "" || value === "auto") return "auto";
  if (value === "required" || value === "skip") return value;
  throw new Error(
    `PROVISIONKIT_REAL_APISERVER=${value} is not one of "required", "skip" or "auto"`,
  );
}

/** True when `PROVISIONKIT_REAL_APISERVER=required`: an unavailable tier must fail the tests. */
export function realApiServerRequired(): boolean {
  return realApiServerMode() === "required";
}

/** The cache directory provision.sh writes: `${PROVISIONKIT_CACHE_DIR:-$HOME/.cache/provisionkit}/real-apiserver`. */
export function realApiServerCacheDir(): string {
  const root = process.env.PROVISIONKIT_CACHE_DIR || join(homedir(), ".cache", "provisionkit");
  return resolve(root, "real-apiserver");
}

interface CurrentBuild {
  apiserver?: unknown;
  etcd?: unknown;
  versions?: unknown;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function readCurrentBuild(): CurrentBuild | undefined {
  const file = join(realApiServerCacheDir(), "current.json");
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as CurrentBuild;
  } catch {
    return undefined;
  }
}

/**
 * The provisioned binaries, or undefined when the tier is not provisioned. Reads
 * `<cache>/current.json` as written by provision.sh; `PROVISIONKIT_REAL_APISERVER_BIN` and
 * `PROVISIONKIT_ETCD_BIN`, when both are set, override it.
 */
export function realApiServerBinaries(): RealApiServerBinaries | undefined {
  const fromEnv = {
    apiserver: process.env.PROVISIONKIT_REAL_APISERVER_BIN,
    etcd: process.env.PROVISIONKIT_ETCD_BIN,
  };
  if (fromEnv.apiserver && fromEnv.etcd) {
    return isExecutable(fromEnv.apiserver) && isExecutable(fromEnv.etcd)
      ? { apiserver: fromEnv.apiserver, etcd: fromEnv.etcd }
      : undefined;
  }
  const current = readCurrentBuild();
  if (typeof current?.apiserver !== "string" || typeof current.etcd !== "string") return undefined;
  const cache = realApiServerCacheDir();
  const binaries = {
    apiserver: resolve(cache, current.apiserver),
    etcd: resolve(cache, current.etcd),
  };
  return isExecutable(binaries.apiserver) && isExecutable(binaries.etcd) ? binaries : undefined;
}

/** The Debian package versions the current build was made from, as recorded by provision.sh. */
export function realApiServerVersions(): Record<string, string> {
  const versions = readCurrentBuild()?.versions;
  if (typeof versions !== "object" || versions === null) return {};
  return Object.fromEntries(
    Object.entries(versions).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .some((dir) => dir !== "" && isExecutable(join(dir, command)));
}

/**
 * Whether the tier can run: `PROVISIONKIT_REAL_APISERVER` is not `skip`, the binaries are
 * provisioned and openssl is on the PATH. Cheap and synchronous: it does not start anything.
 * Whether an unavailable tier is an error is {@link realApiServerRequired}'s business.
 */
export function realApiServerStatus(): RealApiServerStatus {
  const mode = realApiServerMode();
  if (mode === "skip") {
    const why = process.env.PROVISIONKIT_REAL_APISERVER_REASON?.trim();
    return {
      available: false,
      reason: `PROVISIONKIT_REAL_APISERVER=skip${why ? `: ${why}` : ""}`,
    };
  }
  const required = mode === "required" ? " (PROVISIONKIT_REAL_APISERVER=required)" : "";
  if (!realApiServerBinaries()) {
    return {
      available: false,
      reason: `the real API server is not provisioned in ${realApiServerCacheDir()}: ${PROVISION_HINT}${required}`,
    };
  }
  if (!onPath("openssl")) {
    return { available: false, reason: `openssl is not on the PATH${required}` };
  }
  return { available: true };
}

// ---------------------------------------------------------------------------------------------
// Processes

/** The last lines a child process wrote, for error messages. */
class Tail {
  private readonly lines: string[] = [];
  private partial = "";

  constructor(private readonly max = 200) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString("utf8")).split("\n");
    this.partial = parts.pop() ?? "";
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  last(n: number): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-n).join("\n");
  }
}

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly output: Tail;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  exitDescription(): string | undefined;
}

/**
 * Starts a process whose output is kept in a {@link Tail}. With `PROVISIONKIT_REAL_APISERVER_LOG_DIR`
 * set, the output is also appended to `<dir>/<name>.log` (for debugging a failing run).
 */
function startChild(name: string, command: string, args: string[], cwd: string): Child {
  const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  const output = new Tail();
  const logDir = process.env.PROVISIONKIT_REAL_APISERVER_LOG_DIR;
  let log: WriteStream | undefined;
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    log = createWriteStream(join(logDir, `${name}.log`), { flags: "a" });
    log.write(`--- ${new Date().toISOString()} ${command} ${args.join(" ")}\n`);
  }
  const onData = (chunk: Buffer) => {
    output.push(chunk);
    log?.write(chunk);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  child.once("close", () => log?.end());
  let description: string | undefined;
  const exited = new Promise<void>((resolveExit) => {
    child.once("error", (error) => {
      description = `could not be started: ${error.message}`;
      resolveExit();
    });
    child.once("exit", (code, signal) => {
      description = signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
      resolveExit();
    });
  });
  return { name, process: child, output, exited, exitDescription: () => description };
}

async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  if (child.exitDescription() !== undefined) return;
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

function failure(child: Child, what: string): Error {
  return new Error(`${child.name} ${what}; its last output:\n${child.output.last(30)}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));

/**
 * Polls `probe` until it returns true. Fails early when `child` exits, and after `timeoutMs`
 * with the last error of the probe and the child's last output.
 */
async function waitFor(
  what: string,
  child: Child,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = "";
  for (;;) {
    if (child.exitDescription() !== undefined) {
      throw failure(child, `${child.exitDescription() ?? "exited"} before ${what}`);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw failure(
        child,
        `was not ready after ${timeoutMs} ms (waiting for ${what}${lastProblem ? `; last problem: ${lastProblem}` : ""})`,
      );
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Certificates

interface Pki {
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
async function makePki(dir: string): Promise<Pki> {
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

// ---------------------------------------------------------------------------------------------
// The auth stub: what the API server asks of "its" kube-apiserver

interface AuthStub {
  url: string;
  /** Requests it did not serve (404), for error messages. */
  unexpected: string[];
  close(): Promise<void>;
}

/**
 * apiextensions-apiserver delegates authentication and authorization (TokenReview,
 * SubjectAccessReview) and watches Services (for webhook conversion) on a core API server that
 * does not exist here. This small HTTP server answers those calls: no bearer token is valid,
 * only `system:masters` is authorized (the API server itself always allows that group), and
 * there are no Services.
 */
async function startAuthStub(): Promise<AuthStub> {
  const unexpected: string[] = [];
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    } catch {
      return undefined;
    }
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stub");
    const path = url.pathname;
    if (req.method === "POST" && path === "/apis/authentication.k8s.io/v1/tokenreviews") {
      const review = (await readBody(req)) as { spec?: unknown } | undefined;
      json(res, 201, {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: review?.spec ?? {},
        status: { authenticated: false, error: "the provisionkit test stub accepts no tokens" },
      });
      return;
    }
    if (req.method === "POST" && path === "/apis/authorization.k8s.io/v1/subjectaccessreviews") {
      const review = (await readBody(req)) as { spec?: { groups?: unknown } } | undefined;
      const groups = Array.isArray(review?.spec?.groups) ? (review.spec.groups as unknown[]) : [];
      const allowed = groups.includes("system:masters");
      json(res, 201, {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: review?.spec ?? {},
        status: {
          allowed,
          ...(allowed
            ? {}
            : { reason: "the provisionkit test stub authorizes system:masters only" }),
        },
      });
      return;
    }
    if (req.method === "GET" && path === "/api/v1/services") {
      if (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1") {
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        if (url.searchParams.get("sendInitialEvents") === "true") {
          // The end of the (empty) initial list, as a watch-list client expects it.
          res.write(
            `${JSON.stringify({
              type: "BOOKMARK",
              object: {
                kind: "Service",
                apiVersion: "v1",
                metadata: {
                  resourceVersion: "1",
                  annotations: { "k8s.io/initial-events-end": "true" },
                },
              },
            })}\n`,
          );
        }
        return; // Kept open, with no events, until the client or close() ends it.
      }
      json(res, 200, {
        kind: "ServiceList",
        apiVersion: "v1",
        metadata: { resourceVersion: "1" },
        items: [],
      });
      return;
    }
    unexpected.push(`${req.method ?? "?"} ${req.url ?? ""}`);
    json(res, 404, {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason: "NotFound",
      code: 404,
      message: "not served by the provisionkit auth stub",
    });
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(error) });
      else res.destroy();
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    unexpected,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolveClose());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// HTTPS calls to the API server

interface Reply {
  status: number;
  text: string;
}

function call(
  pki: Pki,
  url: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<Reply> {
  return new Promise((resolveCall, reject) => {
    const target = new URL(path, url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      target,
      {
        method,
        ca: pki.caCert,
        cert: pki.clientCert,
        key: pki.clientKey,
        headers: {
          accept: "application/json",
          ...(payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
        },
        timeout: timeoutMs,
      },
      (res) => {
        // A watch streams: its status line is the answer.
        if (target.searchParams.get("watch") === "true") {
          resolveCall({ status: res.statusCode ?? 0, text: "" });
          res.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolveCall({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)),
    );
    req.on("error", reject);
    req.end(payload);
  });
}

function crdName(crd: RealApiServerCrd): string {
  return `${crd.plural}.${crd.group}`;
}

function crdManifest(crd: RealApiServerCrd): unknown {
  const open = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: crdName(crd) },
    spec: {
      group: crd.group,
      scope: crd.scope ?? "Namespaced",
      names: {
        plural: crd.plural,
        singular: crd.kind.toLowerCase(),
        kind: crd.kind,
        listKind: `${crd.kind}List`,
      },
      versions: [
        {
          name: crd.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec: open, status: open } } },
          ...(crd.statusSubresource ? { subresources: { status: {} } } : {}),
        },
      ],
    },
  };
}

interface CrdStatus {
  status?: { conditions?: { type?: string; status?: string; message?: string }[] };
}

async function createCrd(
  pki: Pki,
  url: string,
  crd: RealApiServerCrd,
  apiserver: Child,
  timeoutMs: number,
) {
  const created = await call(
    pki,
    url,
    "POST",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    crdManifest(crd),
  );
  if (created.status !== 201) {
    throw new Error(`creating the CRD ${crdName(crd)} answered ${created.status}: ${created.text}`);
  }
  await waitFor(`the CRD ${crdName(crd)} to be Established`, apiserver, timeoutMs, async () => {
    const reply = await call(
      pki,
      url,
      "GET",
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName(crd)}`,
    );
    if (reply.status !== 200) throw new Error(`GET CRD answered ${reply.status}`);
    const conditions = (JSON.parse(reply.text) as CrdStatus).status?.conditions ?? [];
    const established = conditions.find((c) => c.type === "Established");
    if (established?.status === "True") return true;
    const names = conditions.find((c) => c.type === "NamesAccepted");
    if (names?.status === "False")
      throw new Error(`the CRD's names were not accepted: ${names.message ?? ""}`);
    return false;
  });
  // Right after creation the resource's storage is (re)initializing: lists and watches answer
  // 429 with Retry-After for up to a second or two. Wait until both work.
  const base = `/apis/${crd.group}/${crd.version}/${(crd.scope ?? "Namespaced") === "Namespaced" ? "namespaces/default/" : ""}${crd.plural}`;
  let resourceVersion = "";
  await waitFor(`a list of ${crdName(crd)} to answer 200`, apiserver, timeoutMs, async () => {
    const reply = await call(pki, url, "GET", base);
    if (reply.status !== 200) throw new Error(`list answered ${reply.status}`);
    resourceVersion =
      (JSON.parse(reply.text) as { metadata?: { resourceVersion?: string } }).metadata
        ?.resourceVersion ?? "";
    return true;
  });
  await waitFor(`a watch of ${crdName(crd)} to answer 200`, apiserver, timeoutMs, async () => {
    const reply = await call(
      pki,
      url,
      "GET",
      `${base}?watch=true&timeoutSeconds=1&resourceVersion=${resourceVersion}`,
    );
    if (reply.status !== 200) throw new Error(`watch answered ${reply.status}`);
    return true;
  });
  // The first write to a new CRD's resource blocks for about 2 s (measured with 0.36.4); later
  // ones take milliseconds. A dry-run create absorbs that here, so that tests start against
  // CRDs that behave as long-installed ones do.
  await waitFor(
    `a dry-run create of ${crdName(crd)} to answer 201`,
    apiserver,
    timeoutMs,
    async () => {
      const reply = await call(pki, url, "POST", `${base}?dryRun=All`, {
        apiVersion: `${crd.group}/${crd.version}`,
        kind: crd.kind,
        metadata: { name: "provisionkit-warm-up" },
      });
      if (reply.status !== 201)
        throw new Error(`dry-run create answered ${reply.status}: ${reply.text}`);
      return true;
    },
  );
}

// ---------------------------------------------------------------------------------------------

function kubeconfigFor(url: string, pki: Pki): string {
  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "provisionkit-real",
          cluster: { server: url, "certificate-authority-data": b64(pki.caCert) },
        },
      ],
      users: [
        {
          name: "provisionkit-admin",
          user: {
            "client-certificate-data": b64(pki.clientCert),
            "client-key-data": b64(pki.clientKey),
          },
        },
      ],
      contexts: [
        {
          name: "provisionkit-real",
          context: {
            cluster: "provisionkit-real",
            user: "provisionkit-admin",
            namespace: "default",
          },
        },
      ],
      "current-context": "provisionkit-real",
    },
    null,
    2,
  );
}

function stubKubeconfig(stubUrl: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "stub", cluster: { server: stubUrl } }],
    users: [{ name: "stub", user: {} }],
    contexts: [{ name: "stub", context: { cluster: "stub", user: "stub" } }],
    "current-context": "stub",
  });
}

const ADDRESS_IN_USE = /address already in use/i;

/** Starts etcd on free loopback ports; retries when a port was taken in between. */
async function startEtcd(
  binary: string,
  dir: string,
  timeoutMs: number,
): Promise<{ child: Child; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const dataDir = join(dir, `etcd-data-${attempt}`);
    const child = startChild(
      "etcd",
      binary,
      [
        "--name=default",
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${url}`,
        `--advertise-client-urls=${url}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=default=${peer}`,
        "--unsafe-no-fsync",
        "--log-level=warn",
      ],
      dir,
    );
    try {
      await waitFor("etcd /health", child, timeoutMs, async () => {
        const reply = await plainGet(`${url}/health`);
        return reply.status === 200 && reply.text.includes("true");
      });
      return { child, url };
    } catch (error) {
      await stopChild(child);
      if (attempt < 3 && ADDRESS_IN_USE.test(child.output.last(30))) continue;
      throw error;
    }
  }
}

function plainGet(url: string): Promise<Reply> {
  return new Promise((resolveGet, reject) => {
    const req = httpRequest(url, { timeout: 2_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolveGet({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * Starts a real API server for one test file (or one test): etcd with a temporary data
 * directory and no fsync, the auth stub, and apiextensions-apiserver with TLS on a free loopback
 * port. Resolves once `/readyz` is 200 and every CRD in `options.crds` is Established and answers
 * a list, a watch and a dry-run create (the API server answers 429 "storage is (re)initializing"
 * for a moment after a CRD is created, and the first write to a new CRD blocks about 2 s).
 * Takes about 3-4 s.
 *
 * Throws when the tier is not provisioned (check {@link realApiServerStatus} first), and when a
 * process dies or is not ready in time, with the last lines of its output. Call
 * {@link RealApiServer.stop} in `afterAll`; processes are also killed when the test process exits.
 */
export async function startRealApiServer(options: RealApiServerOptions): Promise<RealApiServer> {
  const binaries = realApiServerBinaries();
  if (!binaries) {
    const status = realApiServerStatus();
    throw new Error(status.available ? "the real API server is not provisioned" : status.reason);
  }
  const timeoutMs = options.readyTimeoutMs ?? 45_000;
  const started = performance.now();
  const timings = { etcdMs: 0, apiserverMs: 0, crdsMs: 0, totalMs: 0 };
  let lap = started;
  const since = () => {
    const now = performance.now();
    const ms = Math.round(now - lap);
    lap = now;
    return ms;
  };
  const dir = await mkdtemp(join(tmpdir(), "provisionkit-apiserver-"));
  const children: Child[] = [];
  let stub: AuthStub | undefined;
  // Last resort when the test process exits without stop(): no orphaned servers, no temp dirs.
  const onExit = () => {
    for (const child of children)
      if (child.exitDescription() === undefined) child.process.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      // The API server first: it holds connections to etcd and to the stub.
      for (const child of [...children].reverse()) await stopChild(child);
      await stub?.close();
      await rm(dir, { recursive: true, force: true });
      process.removeListener("exit", onExit);
    })();
    return stopped;
  };

  try {
    // All three at once; whatever started is stopped by stop() if another one failed.
    const [pkiResult, etcdResult, stubResult] = await Promise.allSettled([
      makePki(dir),
      startEtcd(binaries.etcd, dir, timeoutMs),
      startAuthStub(),
    ]);
    if (etcdResult.status === "fulfilled") children.push(etcdResult.value.child);
    if (stubResult.status === "fulfilled") stub = stubResult.value;
    for (const result of [pkiResult, etcdResult, stubResult]) {
      if (result.status === "rejected") throw result.reason;
    }
    const pki = (pkiResult as PromiseFulfilledResult<Pki>).value;
    const etcd = (etcdResult as PromiseFulfilledResult<{ child: Child; url: string }>).value;
    const authStub = (stubResult as PromiseFulfilledResult<AuthStub>).value;
    timings.etcdMs = since();
    const stubConfig = join(dir, "stub.kubeconfig");
    await Promise.all([
      writeFile(stubConfig, stubKubeconfig(authStub.url)),
      writeFile(join(dir, "server.crt"), pki.serverCert),
      writeFile(join(dir, "server.key"), pki.serverKey),
    ]);

    let url = "";
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      url = `https://127.0.0.1:${port}`;
      const apiserver = startChild(
        "apiextensions-apiserver",
        binaries.apiserver,
        [
          `--etcd-servers=${etcd.url}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${port}`,
          `--cert-dir=${join(dir, "certs")}`,
          `--tls-cert-file=${join(dir, "server.crt")}`,
          `--tls-private-key-file=${join(dir, "server.key")}`,
          `--client-ca-file=${join(dir, "ca.crt")}`,
          `--kubeconfig=${stubConfig}`,
          `--authentication-kubeconfig=${stubConfig}`,
          `--authorization-kubeconfig=${stubConfig}`,
          "--authentication-skip-lookup",
          "--enable-priority-and-fairness=false",
          "--disable-admission-plugins=NamespaceLifecycle,MutatingAdmissionPolicy,MutatingAdmissionWebhook,ValidatingAdmissionPolicy,ValidatingAdmissionWebhook",
        ],
        dir,
      );
      children.push(apiserver);
      try {
        await waitFor("/readyz to answer 200", apiserver, timeoutMs, async () => {
          const reply = await call(pki, url, "GET", "/readyz", undefined, 2_000);
          if (reply.status !== 200)
            throw new Error(`/readyz answered ${reply.status}: ${reply.text.slice(0, 500)}`);
          return true;
        });
        timings.apiserverMs = since();
        await Promise.all(
          options.crds.map((crd) => createCrd(pki, url, crd, apiserver, timeoutMs)),
        );
        break;
      } catch (error) {
        await stopChild(apiserver);
        children.pop();
        if (attempt < 3 && ADDRESS_IN_USE.test(apiserver.output.last(30))) continue;
        if (authStub.unexpected.length > 0 && error instanceof Error) {
          error.message += `\n(the auth stub was asked for, and did not serve: ${authStub.unexpected.slice(0, 10).join(", ")})`;
        }
        throw error;
      }
    }
    timings.crdsMs = since();
    timings.totalMs = Math.round(performance.now() - started);
    return { kubeconfig: kubeconfigFor(url, pki), url, timings, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
