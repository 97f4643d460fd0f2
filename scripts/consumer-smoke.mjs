#!/usr/bin/env node
// The consumer smoke test: packs the four packages as npm would publish them, installs the
// tarballs into fresh npm projects outside the workspace (the npm registry for everything
// else), and in each one type-checks and runs what a user writes. Prints a table, one row per
// project, and exits 1 if a row that should pass did not.
//
//   node scripts/consumer-smoke.mjs [--node22 PATH] [--only NAME,...]
//
// Needs the packages built (pnpm run build) and the npm registry. --node22 names a Node 22
// binary for the rows that need one (client-node 2.x needs Node >= 22.19); e.g. the npm
// registry's own `node` package: npm i --prefix /tmp/node22 node@22, then
// --node22 /tmp/node22/node_modules/.bin/node. Without it those rows are reported NOT RUN.
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
const TYPES_NODE = "@types/node@^20.19.0";
const CN1 = "@kubernetes/client-node@1.4.0";
const CN2 = "@kubernetes/client-node@2.0.1";

// What a user writes: an operator on the simulators (the docs/simulators.md example, shortened).
const OPERATOR_ESM = `import { KubeConfig } from "@kubernetes/client-node";
import type { ResourceObject } from "@provisionkit/core";
import { ProvisioningController } from "@provisionkit/core/kubernetes";
import { AapProvider } from "@provisionkit/provider-aap";
import { AapSimulator, FAST_ENGINE, KubernetesApiSimulator } from "@provisionkit/testing";

const resource = { group: "example.com", version: "v1", plural: "things", kind: "Thing" } as const;
const kube = new KubernetesApiSimulator({ crds: [{ ...resource, scope: "Namespaced", statusSubresource: true }] });
await kube.start();
const aap = new AapSimulator({ defaultScript: { pendingMs: 20, waitingMs: 20, runMs: 100 } });
aap.addJobTemplate({ name: "create-thing", allowSimultaneous: true });
aap.addJobTemplate({ name: "delete-thing", allowSimultaneous: true });
await aap.start();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromString(kube.kubeconfig());
const controller = new ProvisioningController<ResourceObject>({
  kubeConfig, resource, finalizer: "example.com/teardown", engine: FAST_ENGINE, resyncIntervalMs: 0,
  provider: new AapProvider({ client: { url: aap.url + "/api/controller/v2/", auth: { type: "bearer", token: "sim-token" } } }),
});
await controller.start();
const ref = { ...resource, namespace: "default", name: "t-1" };
kube.createObject({ apiVersion: "example.com/v1", kind: "Thing", metadata: { name: "t-1", namespace: "default" }, spec: { n: 1 } });
const ready = (): boolean => {
  const status = kube.getObject(ref)?.status as { conditions?: { type: string; status: string }[] };
  return status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
};
const deadline = Date.now() + 20_000;
while (!ready()) {
  if (Date.now() > deadline) throw new Error("not Ready in 20 s");
  await new Promise((r) => setTimeout(r, 20));
}
kube.deleteObject(ref);
while (kube.getObject(ref)) {
  if (Date.now() > deadline) throw new Error("not released in 20 s");
  await new Promise((r) => setTimeout(r, 20));
}
await controller.stop();
await aap.stop();
await kube.stop();
console.log("operator ok:", aap.ledger().map((j) => j.templateName + " " + j.status).join(", "));
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
    // client-node 2.x needs Node >= 22.19: importing it on Node 20 crashes inside undici; and
    // provisionkit's peer range (^1.4.0) refuses it anyway (ERESOLVE).
    expect: "fail",
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
    // Measured with the peer range widened to ^2.0.0 on 2026-12-05: it installed, and the
    // operator never got Ready on Node 22.23.3: every list failed with "context.getAgent is
    // not a function" (core's kube-api.ts takes the agent from client-node 1.x's request
    // context, which 2.x does not have). So the range stays ^1.4.0, and npm refuses this
    // install (ERESOLVE): widen it when this row passes.
    expect: "fail",
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

async function npm(cwd, args) {
  return run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "provisionkit-consumer-"));
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  const packages = ["core", "provider-aap", "provider-eda", "testing"];
  for (const name of packages) {
    await run("npx", ["-y", "pnpm@10", "pack", "--pack-destination", tarballs], {
      cwd: join(root, "packages", name),
    });
  }
  const tarball = (name) =>
    join(
      tarballs,
      readdirSync(tarballs).find((f) => f.startsWith(`provisionkit-${name}-`)),
    );
  const only = values.only?.split(",");
  const results = [];
  for (const row of ROWS) {
    if (only && !only.includes(row.name)) continue;
    const started = performance.now();
    const node = row.node22 ? values.node22 : process.execPath;
    if (!node) {
      results.push({ row, status: "NOT RUN", detail: "no --node22 binary" });
      continue;
    }
    const dir = join(work, row.name);
    mkdirSync(dir);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: row.name, private: true, type: row.type ?? "module" }),
    );
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: row.tsconfig }));
    for (const [file, text] of Object.entries(row.files)) writeFileSync(join(dir, file), text);
    let step = "install";
    try {
      if (row.preinstall) await npm(dir, ["install", ...row.preinstall]);
      const own = (row.packages ?? packages).map(tarball);
      await npm(dir, ["install", ...own, ...row.deps, TS, TYPES_NODE]);
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
        const { stdout } = row.vitest
          ? await run(node, [join(dir, "node_modules", "vitest", "vitest.mjs"), "run", "out"], {
              cwd: dir,
              env,
              timeout: 120_000,
            })
          : await run(node, [join("out", row.run.replace(/\.ts$/, ".js"))], {
              cwd: dir,
              env,
              timeout: 120_000,
            });
        detail = (
          stdout
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l && !/^\s*$/.test(l))
            .find((l) => /ok:|passed|Tests/.test(l)) ?? "ran"
        ).replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
      }
      results.push({ row, status: row.expect === "fail" ? "UNEXPECTED PASS" : "pass", detail });
    } catch (error) {
      const detail = `${step}: ${firstLines(error)}`;
      results.push({ row, status: row.expect === "fail" ? "fails (expected)" : "FAIL", detail });
    }
    results.at(-1).seconds = Math.round((performance.now() - started) / 1000);
  }
  const nodeVersion = (bin) =>
    bin ? run(bin, ["--version"]).then((r) => r.stdout.trim()) : "none";
  console.log(
    `\nconsumer smoke (Node ${process.version}; Node 22: ${await nodeVersion(values.node22)})\n`,
  );
  console.log("| project | what | result | s | detail |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const r of results) {
    console.log(
      `| ${r.row.name} | ${r.row.what} | ${r.status} | ${r.seconds ?? ""} | ${r.detail.replace(/\|/g, "/")} |`,
    );
  }
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept: ${work}`);
  process.exitCode = results.some((r) => r.status === "FAIL" || r.status === "UNEXPECTED PASS")
    ? 1
    : 0;
}

await main();
