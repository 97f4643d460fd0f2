#!/usr/bin/env node
// The consumer smoke test: packs the four packages as npm would publish them, installs the
// tarballs into fresh npm projects outside the workspace (the npm registry for everything
// else), and in each one type-checks and runs what a user writes. Prints a table, one row per
// project, and exits 1 if a row that should pass did not (or a row that should fail passed,
// or failed another way than the one it names).
//
//   node scripts/consumer-smoke.mjs [--node22 PATH|auto] [--only NAME,...] [--keep]
//
// Needs the packages built (pnpm run build) and the npm registry. --node22 names a Node 22
// binary for the rows that need one (client-node 2.x needs Node >= 22.19); `auto` installs
// the npm registry's own `node` package (NODE22 below) into the work folder, as CI does.
// Without it, or when that install fails, those rows are reported NOT RUN, loudly.
// Rows that install the same things share one install (copied with hard links), and two
// rows run at a time.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { node22: { type: "string" }, only: { type: "string" }, keep: { type: "boolean" } },
});

const TS = "typescript@6.0.3";
/** What a plain `npm i -D typescript` installs since TypeScript 7 (the native compiler). */
const TS7 = "typescript@7.0.2";
const TYPES_NODE = "@types/node@^20.19.0";
const CN1 = "@kubernetes/client-node@1.4.0";
const CN2 = "@kubernetes/client-node@2.0.1";
/** The Node 22 that `--node22 auto` installs from the npm registry (its `node` package). */
const NODE22 = "node@22.23.3";
const PACKAGES = ["core", "provider-aap", "provider-eda", "testing"];

// What a user writes: an operator on the simulators (the docs/simulators.md example,
// shortened), with two lifecycles. The Kubernetes API is reached through a TCP forwarder that
// counts connections: the second lifecycle must open none (one keep-alive pool for every
// request, on client-node 1.x and 2.x; core's shared-agent.ts).
const OPERATOR_ESM = `import { createConnection, createServer } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import type { ResourceObject } from "@provisionkit/core";
import { ProvisioningController } from "@provisionkit/core/kubernetes";
import { AapProvider } from "@provisionkit/provider-aap";
import { AapSimulator, FAST_ENGINE, KubernetesApiSimulator } from "@provisionkit/testing";

const resource = { group: "example.com", version: "v1", plural: "things", kind: "Thing" } as const;
const kube = new KubernetesApiSimulator({ crds: [{ ...resource, scope: "Namespaced", statusSubresource: true }] });
await kube.start();
let connections = 0;
const forwarder = createServer((socket) => {
  connections += 1;
  const upstream = createConnection(Number(new URL(kube.url).port), "127.0.0.1");
  socket.pipe(upstream).pipe(socket);
  socket.on("error", () => upstream.destroy());
  upstream.on("error", () => socket.destroy());
});
await new Promise<void>((resolve) => forwarder.listen(0, "127.0.0.1", resolve));
const port = (forwarder.address() as { port: number }).port;
const aap = new AapSimulator({ defaultScript: { pendingMs: 20, waitingMs: 20, runMs: 100 } });
aap.addJobTemplate({ name: "create-thing", allowSimultaneous: true });
aap.addJobTemplate({ name: "delete-thing", allowSimultaneous: true });
await aap.start();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromString(kube.kubeconfig().replace(kube.url, "http://127.0.0.1:" + port));
const controller = new ProvisioningController<ResourceObject>({
  kubeConfig, resource, finalizer: "example.com/teardown", engine: FAST_ENGINE, resyncIntervalMs: 0,
  provider: new AapProvider({ client: { url: aap.url + "/api/controller/v2/", auth: { type: "bearer", token: "sim-token" } } }),
});
await controller.start();
const deadline = Date.now() + 30_000;
async function until(done: () => boolean, what: string): Promise<void> {
  while (!done()) {
    if (Date.now() > deadline) throw new Error(what);
    await new Promise((r) => setTimeout(r, 20));
  }
}
async function lifecycle(name: string): Promise<void> {
  const ref = { ...resource, namespace: "default", name };
  kube.createObject({ apiVersion: "example.com/v1", kind: "Thing", metadata: { name, namespace: "default" }, spec: { n: 1 } });
  const ready = (): boolean => {
    const status = kube.getObject(ref)?.status as { conditions?: { type: string; status: string }[] };
    return status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  };
  await until(ready, name + " not Ready in time");
  kube.deleteObject(ref);
  await until(() => !kube.getObject(ref), name + " not released in time");
}
await lifecycle("t-1");
const first = connections;
await lifecycle("t-2");
const second = connections - first;
await controller.stop();
await aap.stop();
await new Promise((resolve) => forwarder.close(resolve));
await kube.stop();
if (second > 0) throw new Error("the second lifecycle opened " + second + " new Kubernetes connections (" + first + " before it)");
console.log("operator ok:", aap.ledger().map((j) => j.templateName + " " + j.status).join(", "), "; Kubernetes connections:", first, "then", second);
`;

// The provider suite without client-node: the memory backend, through the library API.
const PROVIDER_SUITE = `import { formatReport, memoryBackend, runConformance } from "@provisionkit/testing";
const report = await runConformance({ subject: "memory", backend: () => memoryBackend(), scenarios: ["create-to-ready"] });
console.log(formatReport(report).split("\\n")[0]);
if (!report.passed) process.exit(1);
`;

// CommonJS: core and provider-aap have CJS builds (testing is ESM only).
const CJS = `import { configVersion } from "@provisionkit/core";
import { AapProvider } from "@provisionkit/provider-aap";
const provider = new AapProvider({ client: { url: "https://aap.example.com", auth: { type: "bearer", token: "t" } } });
console.log("cjs ok:", provider.name, configVersion({ a: 1 }).slice(0, 13), typeof require);
`;

// A vitest file on @provisionkit/testing/vitest.
const VITEST = `import { memoryBackend } from "@provisionkit/testing";
import { describeProviderConformance } from "@provisionkit/testing/vitest";
describeProviderConformance("memory", { backend: () => memoryBackend(), scenarios: ["create-to-ready"] });
`;

function tsconfig(kind) {
  const base = {
    strict: true,
    noEmit: true,
    target: "es2022",
    types: ["node"],
    skipLibCheck: true,
  };
  if (kind === "bundler") return { ...base, module: "esnext", moduleResolution: "bundler" };
  return { ...base, module: "nodenext", moduleResolution: "nodenext" };
}

/** The rows: each a fresh npm project. */
const ROWS = [
  {
    name: "esm-nodenext-cn1",
    what: "ESM, TS nodenext, client-node 1.4.0: an operator on the simulators",
    deps: [CN1],
    files: { "main.ts": OPERATOR_ESM },
    tsconfig: tsconfig("nodenext"),
    run: "main.ts",
  },
  {
    name: "esm-bundler-cn1",
    what: "ESM, TS bundler resolution, client-node 1.4.0: the same operator (type-check)",
    deps: [CN1],
    files: { "main.ts": OPERATOR_ESM },
    tsconfig: tsconfig("bundler"),
  },
  {
    name: "esm-nodenext-ts7",
    what: "ESM, TypeScript 7.0.2 (a plain npm i typescript), client-node 1.4.0: the operator",
    deps: [CN1],
    typescript: TS7,
    files: { "main.ts": OPERATOR_ESM },
    tsconfig: tsconfig("nodenext"),
    run: "main.ts",
  },
  {
    name: "cjs-nodenext",
    what: "CommonJS, TS nodenext: core and provider-aap required",
    type: "commonjs",
    deps: [CN1],
    files: { "main.ts": CJS },
    tsconfig: tsconfig("nodenext"),
    run: "main.ts",
  },
  {
    name: "no-client-node",
    what: "no client-node: the provider suite on the memory backend",
    deps: [],
    packages: ["core", "testing"],
    files: { "main.ts": PROVIDER_SUITE },
    tsconfig: tsconfig("nodenext"),
    run: "main.ts",
  },
  {
    name: "vitest4",
    what: "vitest 4: describeProviderConformance",
    deps: ["vitest@^4.1.0"],
    packages: ["core", "testing"],
    files: { "conformance.test.ts": VITEST },
    tsconfig: tsconfig("nodenext"),
    vitest: true,
  },
  {
    name: "vitest3",
    what: "vitest 3: describeProviderConformance",
    deps: ["vitest@^3.2.0"],
    packages: ["core", "testing"],
    files: { "conformance.test.ts": VITEST },
    tsconfig: tsconfig("nodenext"),
    vitest: true,
  },
  {
    name: "cn2-first-node20",
    what: "client-node 2.0.1 installed first, then provisionkit, on Node 20",
    preinstall: [CN2],
    deps: [],
    files: { "main.ts": OPERATOR_ESM },
    tsconfig: tsconfig("nodenext"),
    run: "main.ts",
    // client-node 2.x needs Node >= 22.19 (its undici 8 says so in engines; npm only warns):
    // importing it on Node 20 crashes inside undici. The row must fail there, and only there.
    expect: "fail",
    failsWith: /^run: .*TypeError/,
  },
  {
    name: "cn2-node22",
    what: "client-node 2.0.1 installed first, then provisionkit: the operator on Node 22",
    preinstall: [CN2],
    deps: [],
    files: { "main.ts": OPERATOR_ESM },
    tsconfig: tsconfig("nodenext"),
    run: "main.ts",
    node22: true,
    // Failed before 2026-12-06 ("context.getAgent is not a function": core took the agent from
    // client-node 1.x's request context); core's shared-agent.ts now shares 2.x's dispatcher.
  },
  {
    name: "cn1-node22",
    what: "client-node 1.4.0: the operator on Node 22",
    deps: [CN1],
    files: { "main.ts": OPERATOR_ESM },
    tsconfig: tsconfig("nodenext"),
    run: "main.ts",
    node22: true,
  },
];

function firstLines(error) {
  const text = `${error.stderr ?? ""}\n${error.stdout ?? ""}\n${error.message ?? ""}`;
  const line = text
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /ERR|error|Error|crash|TypeError/.test(l));
  return (line ?? text.trim().split("\n")[0] ?? "").slice(0, 160);
}

/**
 * The environment of a user's npm: without the `npm_config_*` settings that pnpm exports to
 * the scripts it runs (`pnpm run ci` exports the workspace's `engine-strict=true`, which made
 * npm refuse client-node 2.x's undici on Node 20 with EBADENGINE, where a user's npm warns).
 */
const userEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith("npm_config_")),
);

async function npm(cwd, args) {
  return run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    env: userEnv,
    cwd,
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Runs `task` on each item, at most `limit` at a time; resolves when all have ended. */
async function eachLimited(items, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The rows' installs: rows that install the same things share one (installed once into a
 * folder of its own, then copied into each row's project with hard links: the same tree
 * a fresh install of the same request gives).
 */
function installer(work, tarball) {
  const done = new Map();
  return (row) => {
    const own = (row.packages ?? PACKAGES).map(tarball);
    const request = [row.preinstall ?? [], [...own, ...row.deps, row.typescript ?? TS, TYPES_NODE]];
    const key = JSON.stringify(request);
    if (!done.has(key)) {
      const dir = join(work, `install-${done.size + 1}`);
      mkdirSync(dir);
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "install", private: true }));
      done.set(
        key,
        (async () => {
          if (request[0].length > 0) await npm(dir, ["install", ...request[0]]);
          await npm(dir, ["install", ...request[1]]);
          return dir;
        })(),
      );
    }
    return done.get(key);
  };
}

/** One row in its own project: install, type-check, and run what it runs. */
async function runRow(row, dir, install) {
  const started = performance.now();
  const node = row.node22 ? values.node22 : process.execPath;
  const result = { row };
  if (!node) return { ...result, status: "NOT RUN", detail: "no Node 22 (--node22)" };
  mkdirSync(dir);
  for (const [file, text] of Object.entries(row.files)) writeFileSync(join(dir, file), text);
  let step = "install";
  try {
    const installed = await install(row);
    await run("cp", [
      "-al",
      join(installed, "node_modules"),
      join(installed, "package-lock.json"),
      dir,
    ]);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: row.name, private: true, type: row.type ?? "module" }),
    );
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: row.tsconfig }));
    step = "tsc";
    await run(join(dir, "node_modules", ".bin", "tsc"), ["-p", "."], { cwd: dir });
    let detail = "type-checked";
    if (row.run || row.vitest) {
      // Type-checked above; run the JavaScript TypeScript emits (no loader needed).
      step = "run";
      const emit = { ...row.tsconfig, noEmit: false, outDir: "out" };
      writeFileSync(join(dir, "tsconfig.emit.json"), JSON.stringify({ compilerOptions: emit }));
      await run(join(dir, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.emit.json"], {
        cwd: dir,
      });
      const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` };
      const args = row.vitest
        ? [join(dir, "node_modules", "vitest", "vitest.mjs"), "run", "out"]
        : [join("out", row.run.replace(/\.ts$/, ".js"))];
      const { stdout } = await run(node, args, { cwd: dir, env, timeout: 120_000 });
      detail = (
        stdout
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => l && !/^\s*$/.test(l))
          .find((l) => /ok:|passed|Tests/.test(l)) ?? "ran"
      ).replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
    }
    result.status = row.expect === "fail" ? "UNEXPECTED PASS" : "pass";
    result.detail = detail;
  } catch (error) {
    result.detail = `${step}: ${firstLines(error)}`;
    const expected = row.expect === "fail" && (!row.failsWith || row.failsWith.test(result.detail));
    result.status = expected ? "fails (expected)" : "FAIL";
  }
  result.seconds = Math.round((performance.now() - started) / 1000);
  return result;
}

async function main() {
  const started = performance.now();
  const work = mkdtempSync(join(tmpdir(), "provisionkit-consumer-"));
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  for (const name of PACKAGES) {
    await run("npx", ["-y", "pnpm@10", "pack", "--pack-destination", tarballs], {
      cwd: join(root, "packages", name),
    });
  }
  const tarball = (name) =>
    join(
      tarballs,
      readdirSync(tarballs).find((f) => f.startsWith(`provisionkit-${name}-`)),
    );
  let node22Note = "";
  if (values.node22 === "auto") {
    const dir = join(work, "node22");
    try {
      await npm(work, ["install", "--prefix", dir, NODE22]);
      values.node22 = join(dir, "node_modules", ".bin", "node");
    } catch (error) {
      values.node22 = undefined;
      node22Note = `${NODE22} did not install: ${firstLines(error)}`;
    }
  }
  const only = values.only?.split(",");
  const rows = ROWS.filter((row) => !only || only.includes(row.name));
  const install = installer(work, tarball);
  const results = new Map();
  // Two rows at a time: most of a row is npm fetching and unpacking, and this machine has
  // two cores.
  await eachLimited(rows, 2, async (row) => {
    results.set(row, await runRow(row, join(work, row.name), install));
  });
  const nodeVersion = (bin) =>
    bin ? run(bin, ["--version"]).then((r) => r.stdout.trim()) : "none";
  console.log(
    `\nconsumer smoke (Node ${process.version}; Node 22: ${await nodeVersion(values.node22)}; ` +
      `${Math.round((performance.now() - started) / 1000)} s)\n`,
  );
  console.log("| project | what | result | s | detail |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const row of rows) {
    const r = results.get(row);
    console.log(
      `| ${row.name} | ${row.what} | ${r.status} | ${r.seconds ?? ""} | ${r.detail.replace(/\|/g, "/")} |`,
    );
  }
  const notRun = [...results.values()].filter((r) => r.status === "NOT RUN");
  if (notRun.length > 0) {
    console.log(
      `\n${"#".repeat(80)}\n##  NODE 22 ROWS: NOT RUN — ${node22Note || "no --node22 given"}\n` +
        `##  ${notRun.map((r) => r.row.name).join(", ")} were SKIPPED.\n${"#".repeat(80)}`,
    );
  }
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept: ${work}`);
  const failed = [...results.values()].some(
    (r) => r.status === "FAIL" || r.status === "UNEXPECTED PASS",
  );
  process.exitCode = failed ? 1 : 0;
}

await main();
