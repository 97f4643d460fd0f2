/**
 * `provisionkit-sim` (packages/testing/src/sim-server) as a child process, driven the way a
 * test in another language drives it: from Python's standard library
 * (integration/sim-clients/python) and from curl. Uses the built dist of @provisionkit/testing.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createTestPki } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(
  new URL("../../packages/testing/dist/sim-server/bin.js", import.meta.url),
);
const SCENARIO = fileURLToPath(new URL("../sim-clients/python/scenario.py", import.meta.url));

interface Ready {
  event: "ready";
  protocol: string;
  clock: string;
  control: { url: string; token: string };
  aap?: { url: string; apiUrl: string; tokens: { token: string; scope: string }[] };
  kubernetes?: { url: string; kubeconfig: string; namespace: string };
}

interface Started {
  child: ChildProcess;
  ready: Ready;
  /** Every stdout line and the exit code, once the process exited and its output ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[] }>;
}

function startSim(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    lines: string[];
  }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, lines })));
  return new Promise((resolve, reject) => {
    const reader = createInterface({ input: child.stdout });
    reader.on("line", (line) => {
      lines.push(line);
      if (lines.length === 1) resolve({ child, ready: JSON.parse(line) as Ready, exited });
    });
    void exited.then(({ code }) => {
      if (lines.length === 0) reject(new Error(`provisionkit-sim exited ${code}: ${stderr}`));
    });
  });
}

function curl(...args: string[]): { status: number; body: unknown } {
  const out = execFileSync("curl", ["-sS", "-w", "\n%{http_code}", ...args], { encoding: "utf8" });
  const cut = out.lastIndexOf("\n");
  const text = out.slice(0, cut);
  return {
    status: Number(out.slice(cut + 1)),
    body: text === "" ? undefined : (JSON.parse(text) as unknown),
  };
}

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 20_000 });
}

describe("provisionkit-sim from other languages", () => {
  it("is driven from Python's standard library: script, launch, ledger, fault, virtual clock, purge, reset, shutdown", () => {
    const result = spawnSync("python3", [SCENARIO, BIN], { encoding: "utf8", timeout: 30_000 });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      ready: ["aap", "clock", "control", "event", "kubernetes", "pid", "protocol"],
      runningStatus: "running",
      clockAfter: 0,
      ledger: { id: true, status: "failed", resourceKey: "default/t-1" },
      faulted: { status: 429, fired: 1, id: "aap-1" },
      unknownTemplate: { status: 404, code: "unknown-template", field: "template" },
      badRule: { status: 400, code: "invalid-request", field: "rate" },
      purgedStatus: 404,
      afterReset: { jobs: 0, faults: 0 },
      launchAfterReset: 201,
      exit: 0,
      lastLine: { event: "stopped", reason: "shutdown" },
    });
  }, 40_000);

  it("is driven with curl: a scripted job launched over the AAP API, the ledger, a fault, shutdown", async () => {
    const { ready, exited } = await startSim([
      "--job-template",
      "provision",
      "--control-token",
      "ctl-token",
      "--clock",
      "virtual",
    ]);
    expect(ready).toMatchObject({ event: "ready", protocol: "v1", clock: "virtual" });
    const control = ready.control.url;
    const auth = ["-H", "Authorization: Bearer ctl-token"];
    const aap = ["-H", `Authorization: Bearer ${ready.aap?.tokens[0]?.token ?? ""}`];
    const apiUrl = ready.aap?.apiUrl ?? "";

    expect(
      curl(
        ...auth,
        "-X",
        "POST",
        `${control}/v1/aap/scripts`,
        "-d",
        '{"template":"provision","script":{"outcome":"error","runMs":2000}}',
      ),
    ).toEqual({
      status: 201,
      body: { template: "provision", times: 1 },
    });
    const launch = curl(
      ...aap,
      "-H",
      "content-type: application/json",
      "-X",
      "POST",
      `${apiUrl}job_templates/1/launch/`,
      "-d",
      '{"extra_vars":{"size":"small"}}',
    );
    expect(launch.status).toBe(201);
    const id = (launch.body as { id: number }).id;
    // pending 500 + waiting 500 (the defaults) + running 2000 ms of virtual time.
    expect(
      curl(...auth, "-X", "POST", `${control}/v1/clock/advance`, "-d", '{"ms":2999}').status,
    ).toBe(200);
    expect((curl(...aap, `${apiUrl}jobs/${id}/`).body as { status: string }).status).toBe(
      "running",
    );
    curl(...auth, "-X", "POST", `${control}/v1/clock/advance`, "-d", '{"ms":1}');
    const ledger = curl(...auth, `${control}/v1/aap/ledger`).body as {
      jobs: { id: number; status: string; extraVars: unknown }[];
    };
    expect(ledger.jobs).toMatchObject([{ id, status: "error", extraVars: { size: "small" } }]);

    expect(
      curl(
        ...auth,
        "-X",
        "POST",
        `${control}/v1/aap/faults`,
        "-d",
        '{"operation":"job-get","times":"Infinity","action":{"type":"status","status":500}}',
      ).status,
    ).toBe(201);
    expect(curl(...aap, `${apiUrl}jobs/${id}/`).status).toBe(500);
    expect(curl(...auth, "-X", "DELETE", `${control}/v1/faults/aap-1`).body).toMatchObject({
      fault: { id: "aap-1", simulator: "aap", fired: 1, rule: { times: "Infinity" } },
    });
    expect(curl(...aap, `${apiUrl}jobs/${id}/`).status).toBe(200);

    // Typed errors, with their statuses.
    expect(curl(`${control}/v1/aap/ledger`)).toMatchObject({
      status: 401,
      body: { error: { code: "unauthorized" } },
    });
    expect(curl(...auth, `${control}/v2/aap/ledger`)).toMatchObject({
      status: 404,
      body: { error: { code: "not-found" } },
    });
    expect(curl(...auth, "-X", "PUT", `${control}/v1/reset`)).toMatchObject({
      status: 405,
      body: { error: { code: "method-not-allowed" } },
    });
    expect(
      curl(...auth, "-X", "POST", `${control}/v1/aap/scripts`, "-d", "{not json"),
    ).toMatchObject({
      status: 400,
      body: { error: { code: "invalid-json" } },
    });
    expect(
      curl(
        ...auth,
        "-X",
        "POST",
        `${control}/v1/aap/scripts`,
        "-d",
        '{"template":"provision","script":{"runMs":-1}}',
      ),
    ).toEqual({
      status: 400,
      body: {
        error: {
          code: "invalid-request",
          field: "script.runMs",
          message: "script.runMs: must be >= 0, got -1",
        },
      },
    });
    expect(
      curl(
        ...auth,
        "-X",
        "POST",
        `${control}/v1/eda/faults`,
        "-d",
        '{"type":"webhook","status":503}',
      ),
    ).toMatchObject({
      status: 409,
      body: { error: { code: "simulator-not-running" } },
    });
    expect(
      curl(
        ...auth,
        "-X",
        "POST",
        `${control}/v1/aap/jobs/${id}/finish`,
        "-d",
        '{"outcome":"failed"}',
      ),
    ).toMatchObject({
      status: 409,
      body: { error: { code: "job-terminal" } },
    });

    expect(curl(...auth, "-X", "POST", `${control}/v1/shutdown`)).toEqual({
      status: 202,
      body: { shuttingDown: true },
    });
    const { code, lines } = await exited;
    expect(code).toBe(0);
    expect(JSON.parse(lines.at(-1) ?? "")).toEqual({ event: "stopped", reason: "shutdown" });
  }, 30_000);

  it("stops cleanly on SIGTERM; a system clock cannot be advanced", async () => {
    const { child, ready, exited } = await startSim(["--aap"]);
    expect(ready.kubernetes).toBeUndefined();
    expect(ready.control.token).toMatch(/^[\w-]{32}$/);
    expect(
      curl(
        "-H",
        `Authorization: Bearer ${ready.control.token}`,
        "-X",
        "POST",
        `${ready.control.url}/v1/clock/advance`,
        "-d",
        '{"ms":1}',
      ),
    ).toMatchObject({
      status: 409,
      body: { error: { code: "real-time-clock" } },
    });
    child.kill("SIGTERM");
    const { code, lines } = await exited;
    expect(code).toBe(0);
    expect(JSON.parse(lines.at(-1) ?? "")).toEqual({ event: "stopped", reason: "SIGTERM" });
  }, 20_000);

  it("serves TLS on a fixed port and writes a kubeconfig that trusts the CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-server-test-"));
    const pki = createTestPki();
    for (const [name, pem] of [
      ["ca.crt", pki.caCert],
      ["server.crt", pki.serverCert],
      ["server.key", pki.serverKey],
    ]) {
      writeFileSync(join(dir, name ?? ""), pem ?? "");
    }
    const port = await freePort();
    const kubeconfig = join(dir, "kubeconfig");
    const { child, ready, exited } = await startSim([
      "--kubernetes",
      "--aap",
      "--aap-port",
      String(port),
      "--kube-token",
      "kube-secret",
      "--crd",
      "example.com/v1/things/Thing",
      "--tls-cert",
      join(dir, "server.crt"),
      "--tls-key",
      join(dir, "server.key"),
      "--tls-ca",
      join(dir, "ca.crt"),
      "--kubeconfig-out",
      kubeconfig,
    ]);
    expect(ready.aap?.url).toBe(`https://127.0.0.1:${port}`);
    expect(ready.kubernetes?.kubeconfig).toBe(kubeconfig);
    const written = JSON.parse(readFileSync(kubeconfig, "utf8")) as {
      clusters: { cluster: Record<string, unknown> }[];
      users: { user: { token?: string } }[];
    };
    expect(written.clusters[0]?.cluster).toEqual({
      server: ready.kubernetes?.url,
      "certificate-authority-data": Buffer.from(pki.caCert).toString("base64"),
    });
    expect(written.users[0]?.user).toEqual({ token: "kube-secret" });
    const ca = join(dir, "ca.crt");
    expect(curl("--cacert", ca, `${ready.aap?.url ?? ""}/api/v2/ping/`).status).toBe(200);
    expect(
      curl(
        "--cacert",
        ca,
        "-H",
        "Authorization: Bearer kube-secret",
        `${ready.kubernetes?.url ?? ""}/apis/example.com/v1/namespaces/default/things`,
      ),
    ).toMatchObject({
      status: 200,
      body: { kind: "ThingList", items: [] },
    });
    child.kill("SIGINT");
    expect((await exited).code).toBe(0);
  }, 30_000);

  it("refuses a bad configuration with a typed error naming the field, exit 2; a port in use, exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-server-test-"));
    const config = join(dir, "sim.json");
    writeFileSync(
      config,
      JSON.stringify({ aap: { jobTemplates: [{ name: "a", script: { outcome: "done" } }] } }),
    );
    const bad = run(["--config", config]);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(JSON.parse(bad.stderr)).toEqual({
      error: {
        code: "invalid-config",
        field: "aap.jobTemplates[0].script.outcome",
        message:
          'aap.jobTemplates[0].script.outcome: expected one of "successful", "failed", "error", "canceled"',
      },
    });
    writeFileSync(config, JSON.stringify({ kubernetes: { token: "s3cret", tokn: "x" } }));
    expect(JSON.parse(run(["--config", config]).stderr)).toMatchObject({
      error: { code: "invalid-config", field: "kubernetes.tokn" },
    });
    const unknownFlag = run(["--kube-prot", "1"]);
    expect(unknownFlag.status).toBe(2);
    expect(JSON.parse(unknownFlag.stderr)).toMatchObject({ error: { code: "usage" } });
    const missing = run(["--config", join(dir, "absent.json")]);
    expect(missing.status).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({
      error: { code: "config-unreadable", field: "--config" },
    });

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const busy = run(["--aap", "--aap-port", String(port)]);
      expect(busy.status).toBe(1);
      expect(JSON.parse(busy.stderr)).toEqual({
        error: {
          code: "listen-failed",
          field: "aap.port",
          message: `aap.port: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`,
        },
      });
    } finally {
      blocker.close();
    }
  }, 30_000);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
