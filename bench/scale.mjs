#!/usr/bin/env node
/**
 * `pnpm bench:scale` — provisionkit against a bare hand-written loop, on the simulators, on
 * the built packages (issue 17). Two parts:
 *
 * 1. Throughput (real time): N objects are created at once; each is deleted as soon as the
 *    "user" sees it Ready (deletions interleaved with the burst of creates). Once with the
 *    ProvisioningController + AapProvider, once with a bare loop doing the minimal HTTP
 *    calls (watch; add finalizer → launch → read until done → write status Ready; on
 *    deletion: launch → read until done → remove finalizer), at the same concurrency and
 *    poll interval. The simulators (and the user) run in a child process, so the client's
 *    CPU and RSS are its own; TCP connections are counted by a forwarder in front of each
 *    simulator.
 * 2. Latency/calls (virtual time): lifecycles with AAP jobs of 10 s, 60 s, 300 s and 1,800 s,
 *    with the controller's default engine options, on one virtual clock shared by the
 *    controller's timers and the AapSimulator: detection latency (job end → Ready written,
 *    job end → finalizer removed) and AAP calls per lifecycle against the minimum (a launch
 *    and one read per job); polling and AAP job notifications, each cold (no job of a kind
 *    seen to end yet) and warm (after `--warmup` lifecycles one by one).
 *
 * ```sh
 * pnpm bench:scale                                  # N=1000, concurrency 4, both parts
 * pnpm bench:scale -- --n 1000,10000                # 10k is opt-in (minutes)
 * node bench/scale.mjs --only latency --lifecycles 20 --seed 7 --warmup 3
 * node bench/scale.mjs --root /tmp/other-checkout   # measure another build of the packages
 * ```
 *
 * Figures are from whatever machine runs it, under whatever else it runs: on a shared machine,
 * run small sizes several times rather than trusting one run.
 */
import { Buffer } from "node:buffer";
import { fork, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { createServer, connect } from "node:net";
import path from "node:path";
import { PerformanceObserver, constants as perfConstants, performance } from "node:perf_hooks";
import { clearTimeout, setImmediate, setTimeout } from "node:timers";
import { URL, fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const options = {
    n: [1000],
    concurrency: 4,
    seed: 1,
    only: undefined,
    pollMs: 500,
    jobMs: 0,
    lifecycles: 20,
    warmup: 3,
    jobSeconds: [10, 60, 300, 1800],
    root: path.resolve(HERE, ".."),
    timeoutS: 900,
    clientHeapMb: undefined,
    clientCgroup: undefined,
    role: "main",
    mode: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const numbers = (v) =>
      v.split(",").map((x) => {
        const n = Number(x);
        if (!Number.isFinite(n) || n < 0) throw new Error(`${arg}: not a number: ${x}`);
        return n;
      });
    if (arg === "--") continue;
    else if (arg === "--n") options.n = numbers(value());
    else if (arg === "--concurrency") options.concurrency = numbers(value())[0];
    else if (arg === "--seed") options.seed = numbers(value())[0];
    else if (arg === "--only") options.only = value();
    else if (arg === "--poll-ms") options.pollMs = numbers(value())[0];
    else if (arg === "--job-ms") options.jobMs = numbers(value())[0];
    else if (arg === "--lifecycles") options.lifecycles = numbers(value())[0];
    else if (arg === "--warmup") options.warmup = numbers(value())[0];
    else if (arg === "--job-seconds") options.jobSeconds = numbers(value());
    else if (arg === "--root") options.root = path.resolve(value());
    else if (arg === "--timeout-s") options.timeoutS = numbers(value())[0];
    else if (arg === "--client-heap-mb") options.clientHeapMb = numbers(value())[0];
    else if (arg === "--client-cgroup") options.clientCgroup = path.resolve(value());
    else if (arg === "--role") options.role = value();
    else if (arg === "--mode") options.mode = value();
    else throw new Error(`unknown option ${arg}`);
  }
  if (options.only !== undefined && !["latency", "throughput"].includes(options.only)) {
    throw new Error("--only takes latency or throughput");
  }
  return options;
}

/** The built packages of the checkout at `root` (dist; same module instances as they use). */
async function load(root, parts = ["clientNode", "kubernetes", "aapProvider", "testing"]) {
  const url = (p) => pathToFileURL(path.join(root, p)).href;
  const paths = {
    clientNode: "packages/core/node_modules/@kubernetes/client-node/dist/index.js",
    kubernetes: "packages/core/dist/kubernetes/index.js",
    aapProvider: "packages/provider-aap/dist/index.js",
    testing: "packages/testing/dist/index.js",
  };
  const libs = {};
  for (const part of parts) libs[part] = await import(url(paths[part]));
  return libs;
}

const CRD = {
  group: "example.com",
  version: "v1",
  plural: "computeinstances",
  kind: "ComputeInstance",
  scope: "Namespaced",
  statusSubresource: true,
};
const NAMESPACE = "bench";
const FINALIZER = "example.com/provisioning";
const TOKEN = "sim-token";
const TEMPLATES = ["create-compute-instance", "delete-compute-instance"];

function isReady(object) {
  const conditions = object?.status?.conditions ?? [];
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}

/** A TCP forwarder that counts the connections clients open. */
async function countingProxy(target) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  const proxy = { connections: 0 };
  const server = createServer((client) => {
    proxy.connections++;
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  proxy.stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** User + system CPU of a `process.cpuUsage()` difference, in ms. */
const cpuMs = (usage) => (usage.user + usage.system) / 1000;

const mean = (values) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) => r.map((cell, c) => String(cell).padStart(widths[c])).join("  "))
    .join("\n");
}

/** A seeded PRNG (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------ throughput: simulators + user

async function runSims(options) {
  // Ended with a signal by the client: exit normally, so that `node --cpu-prof` writes the
  // simulators' profile too.
  process.once("SIGTERM", () => process.exit(0));
  const { testing } = await load(options.root, ["testing"]);
  const kube = new testing.KubernetesApiSimulator({ crds: [CRD] });
  const kubeUrl = await kube.start();
  const aap = new testing.AapSimulator({
    defaultScript: { pendingMs: 0, waitingMs: 0, runMs: options.jobMs },
  });
  for (const name of TEMPLATES) aap.addJobTemplate({ name, allowSimultaneous: true });
  const aapUrl = await aap.start();
  const kubeProxy = await countingProxy(kubeUrl);
  const aapProxy = await countingProxy(aapUrl);
  const send = (message) => process.send(message);
  send({
    type: "ready",
    kubeconfig: kube.kubeconfig(),
    kubeProxy: kubeProxy.url,
    aap: aapProxy.url,
  });

  await new Promise((resolve) => process.once("message", resolve));
  const n = options.n[0];
  const simsCpu0 = process.cpuUsage();
  const requestsBefore = kube.requests().length;
  const aapBefore = aap.requests().length;
  const start = performance.now();
  const readyAt = new Map();
  const deletedAt = new Map();
  // The user watches (directly, not through the counting forwarder) and deletes each object
  // as soon as it is Ready.
  const watchUrl = new URL(
    `/apis/${CRD.group}/${CRD.version}/namespaces/${NAMESPACE}/${CRD.plural}?watch=1&resourceVersion=0&allowWatchBookmarks=false`,
    kubeUrl,
  );
  const done = new Promise((resolve) => {
    const request = http.get(watchUrl, (response) => {
      let buffer = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => {
        buffer += chunk;
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (!line.trim()) continue;
          const event = JSON.parse(line);
          const name = event.object?.metadata?.name;
          if (!name) continue;
          if (event.type === "DELETED") {
            if (!deletedAt.has(name)) deletedAt.set(name, performance.now() - start);
            if (deletedAt.size === n) {
              request.destroy();
              resolve();
            }
          } else if (!readyAt.has(name) && isReady(event.object)) {
            readyAt.set(name, performance.now() - start);
            kube.deleteObject({ ...CRD, namespace: NAMESPACE, name });
          }
        }
      });
    });
    request.on("error", () => {});
  });
  // Let the watch open before the burst.
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (let i = 0; i < n; i++) {
    kube.createObject({
      apiVersion: `${CRD.group}/${CRD.version}`,
      kind: CRD.kind,
      metadata: { name: `vm-${i}`, namespace: NAMESPACE },
      spec: { cores: 2, index: i },
    });
    if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
  }
  const timeout = setTimeout(() => {
    send({
      type: "done",
      timedOut: true,
      ready: readyAt.size,
      deleted: deletedAt.size,
    });
  }, options.timeoutS * 1000);
  await done;
  clearTimeout(timeout);
  const allDone = {
    type: "done",
    timedOut: false,
    allReadyS: Math.max(...readyAt.values()) / 1000,
    allDeletedS: Math.max(...deletedAt.values()) / 1000,
    readyP50S: percentile([...readyAt.values()], 50) / 1000,
    deletedP50S: percentile([...deletedAt.values()], 50) / 1000,
  };
  send(allDone);
  // The client settles first (`controller.idle()`), so that no request still under way is
  // left out; then the requests are counted.
  await new Promise((resolve) => process.once("message", resolve));
  const kubeRequests = kube
    .requests()
    .slice(requestsBefore)
    .filter((r) => !r.watch && r.path.includes(`/namespaces/${NAMESPACE}/`));
  const byVerb = {};
  for (const r of kubeRequests) {
    const verb = r.path.endsWith("/events")
      ? "event"
      : r.path.endsWith("/status")
        ? `status-${r.method.toLowerCase()}`
        : r.method.toLowerCase();
    byVerb[verb] = (byVerb[verb] ?? 0) + 1;
  }
  send({
    type: "counts",
    kubeRequests: kubeRequests.length,
    kubeByVerb: byVerb,
    aapRequests: aap.requests().length - aapBefore,
    kubeConnections: kubeProxy.connections,
    aapConnections: aapProxy.connections,
    aapJobs: aap.ledger().length,
    simsCpuMsPerResource: cpuMs(process.cpuUsage(simsCpu0)) / n,
  });
}

// ------------------------------------------------------------------ throughput: clients

async function runClient(options) {
  const sims = fork(fileURLToPath(import.meta.url), [...process.argv.slice(2), "--role", "sims"], {
    // The client's heap bound (--client-heap-mb) is the client's only.
    execArgv: process.execArgv.filter((a) => !a.startsWith("--max-old-space-size")),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  // --client-cgroup: the simulators leave the client's memory cgroup for its parent at once
  // (cgroup v1 or v2 as root), so that only the client counts against its limit.
  if (options.clientCgroup !== undefined) {
    writeFileSync(path.join(path.dirname(options.clientCgroup), "cgroup.procs"), String(sims.pid));
  }
  const ready = await new Promise((resolve) => sims.once("message", resolve));
  // The bare loop loads nothing but node's own modules.
  const client =
    options.mode === "pk"
      ? await pkClient(
          await load(options.root, ["clientNode", "kubernetes", "aapProvider"]),
          options,
          ready,
        )
      : bareClient(options, ready);
  // The heap in use right after each major GC, the largest seen: about what the client keeps
  // alive, where peak RSS is also what V8 lets grow before it collects (see README).
  let liveHeapMb = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind !== perfConstants.NODE_PERFORMANCE_GC_MAJOR) continue;
      liveHeapMb = Math.max(liveHeapMb, process.memoryUsage().heapUsed / 1024 / 1024);
    }
  });
  gcObserver.observe({ entryTypes: ["gc"] });
  await client.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  sims.send({ type: "go" });
  const result = await new Promise((resolve) => sims.once("message", resolve));
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (!result.timedOut) {
    await client.idle();
    sims.send({ type: "count" });
    Object.assign(result, await new Promise((resolve) => sims.once("message", resolve)));
  }
  await client.stop();
  gcObserver.disconnect();
  sims.kill();
  process.send({
    ...result,
    liveHeapMb,
    wallS,
    cpuMsPerResource: cpuMs(cpu) / options.n[0],
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  });
}

async function pkClient(libs, options, ready) {
  const { KubeConfig } = libs.clientNode;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(ready.kubeconfig);
  const cluster = kubeConfig.getCurrentCluster();
  kubeConfig.clusters = kubeConfig.clusters.map((c) =>
    c.name === cluster.name ? { ...c, server: ready.kubeProxy } : c,
  );
  const provider = new libs.aapProvider.AapProvider({
    client: { url: ready.aap, auth: { type: "bearer", token: TOKEN } },
    blockDeletionOnFailure: true,
  });
  const controller = new libs.kubernetes.ProvisioningController({
    kubeConfig,
    resource: { ...CRD, namespace: NAMESPACE },
    provider,
    finalizer: FINALIZER,
    concurrency: options.concurrency,
    engine: { pollIntervalMs: options.pollMs },
    resyncIntervalMs: 0,
  });
  return {
    start: () => controller.start(),
    idle: () => controller.idle(),
    stop: () => controller.stop(),
  };
}

/** The bare loop: one keep-alive agent, a watch, a work queue of `concurrency` workers. */
function bareClient(options, ready) {
  // An idle bound makes Node honour the simulators' `Keep-Alive: timeout=5` (it ignores the
  // hint without one), so a connection the server is closing is not reused: without it a
  // request now and then failed with "socket hang up" and its object never finished.
  const agent = new http.Agent({ keepAlive: true, timeout: 4000 });
  const kubeBase = new URL(ready.kubeProxy);
  const kubeHeaders = {};
  const token = /token:\s*(\S+)/.exec(ready.kubeconfig)?.[1];
  if (token) kubeHeaders.authorization = `Bearer ${token}`;
  const aapHeaders = { authorization: `Bearer ${TOKEN}` };
  const call = (base, method, pathname, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const request = http.request(
        new URL(pathname, base),
        {
          method,
          agent,
          headers: {
            accept: "application/json",
            ...headers,
            ...(data === undefined ? {} : { "content-length": Buffer.byteLength(data) }),
          },
        },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (c) => (text += c));
          response.on("end", () => {
            if (response.statusCode >= 400) {
              reject(
                new Error(`${method} ${pathname}: ${response.statusCode} ${text.slice(0, 200)}`),
              );
            } else resolve(text ? JSON.parse(text) : undefined);
          });
        },
      );
      request.on("error", (error) =>
        reject(
          new Error(
            `${method} ${pathname}: ${error.message}${request.reusedSocket ? " (reused connection)" : ""}`,
          ),
        ),
      );
      if (data !== undefined) request.write(data);
      request.end();
    });
  const aapBase = new URL(ready.aap);
  const objectPath = (name) =>
    `/apis/${CRD.group}/${CRD.version}/namespaces/${NAMESPACE}/${CRD.plural}/${name}`;
  const mergePatch = (p, body) =>
    call(kubeBase, "PATCH", p, body, {
      ...kubeHeaders,
      "content-type": "application/merge-patch+json",
    });
  let templateIds;
  const queue = [];
  let active = 0;
  const pump = () => {
    while (active < options.concurrency && queue.length > 0) {
      const task = queue.shift();
      active++;
      task()
        .catch((error) => console.error(`bare loop: ${error.message}`))
        .finally(() => {
          active--;
          pump();
        });
    }
  };
  const enqueue = (task) => {
    queue.push(task);
    pump();
  };
  const terminal = ["successful", "failed", "error", "canceled"];
  /** Launch, then read every poll interval until terminal (the worker is free between reads). */
  const runJob = (template, name, then) =>
    enqueue(async () => {
      const launched = await call(
        aapBase,
        "POST",
        `/api/controller/v2/job_templates/${template}/launch/`,
        { extra_vars: { name, namespace: NAMESPACE } },
        { ...aapHeaders, "content-type": "application/json" },
      );
      const check = () =>
        enqueue(async () => {
          const job = await call(
            aapBase,
            "GET",
            `/api/controller/v2/jobs/${launched.id}/`,
            undefined,
            aapHeaders,
          );
          if (terminal.includes(job.status)) await then(job);
          else setTimeout(check, options.pollMs);
        });
      setTimeout(check, options.pollMs);
    });
  const seen = new Set();
  const deleting = new Set();
  let watch;
  const onEvent = (event) => {
    const object = event.object;
    const name = object?.metadata?.name;
    if (!name || event.type === "DELETED" || event.type === "BOOKMARK") return;
    if (object.metadata.deletionTimestamp) {
      if (deleting.has(name) || !(object.metadata.finalizers ?? []).includes(FINALIZER)) return;
      deleting.add(name);
      runJob(templateIds[1], name, () =>
        mergePatch(objectPath(name), { metadata: { finalizers: null } }),
      );
    } else if (!seen.has(name)) {
      seen.add(name);
      enqueue(async () => {
        await mergePatch(objectPath(name), { metadata: { finalizers: [FINALIZER] } });
        runJob(templateIds[0], name, (job) =>
          mergePatch(`${objectPath(name)}/status`, {
            status: {
              conditions: [
                {
                  type: "Ready",
                  status: job.status === "successful" ? "True" : "False",
                  reason: job.status,
                  lastTransitionTime: new Date().toISOString(),
                },
              ],
            },
          }),
        );
      });
    }
  };
  return {
    async start() {
      templateIds = [];
      for (const name of TEMPLATES) {
        const list = await call(
          aapBase,
          "GET",
          `/api/controller/v2/job_templates/?name=${name}`,
          undefined,
          aapHeaders,
        );
        templateIds.push(list.results[0].id);
      }
      watch = http.get(
        new URL(
          `/apis/${CRD.group}/${CRD.version}/namespaces/${NAMESPACE}/${CRD.plural}?watch=1&resourceVersion=0`,
          kubeBase,
        ),
        { headers: kubeHeaders },
        (response) => {
          let buffer = "";
          response.setEncoding("utf8");
          response.on("data", (chunk) => {
            buffer += chunk;
            let newline;
            while ((newline = buffer.indexOf("\n")) >= 0) {
              const line = buffer.slice(0, newline);
              buffer = buffer.slice(newline + 1);
              if (line.trim()) onEvent(JSON.parse(line));
            }
          });
        },
      );
      watch.on("error", () => {});
    },
    // Nothing of the bare loop's runs after the last object is gone.
    async idle() {},
    async stop() {
      watch?.destroy();
      agent.destroy();
    },
  };
}

async function throughput(options) {
  const rows = [
    [
      "N",
      "client",
      "res/s",
      "ratio",
      "CPU ms/res",
      "kube req/lc",
      "AAP req/lc",
      "TCP conns",
      "peak RSS MB",
      "heap after GC MB",
      "all Ready s",
      "all deleted s",
    ],
  ];
  const details = [];
  const byN = new Map();
  for (const n of options.n) {
    const results = {};
    byN.set(n, results);
    for (const mode of ["bare", "pk"]) {
      const args = [
        ...process.argv.slice(2).filter((a) => a !== "--"),
        "--role",
        "client",
        "--mode",
        mode,
        "--n",
        String(n),
      ];
      // As a container's memory limit bounds an operator's heap.
      const execArgv =
        options.clientHeapMb === undefined
          ? process.execArgv
          : [...process.execArgv, `--max-old-space-size=${options.clientHeapMb}`];
      const child =
        options.clientCgroup === undefined
          ? fork(fileURLToPath(import.meta.url), args, {
              stdio: ["ignore", "inherit", "inherit", "ipc"],
              execArgv,
            })
          : // In the memory cgroup before node starts: V8 sizes its heap from the cgroup's
            // limit when the process starts (as in a pod with a memory limit).
            spawn(
              "sh",
              [
                "-c",
                'echo $$ > "$0/cgroup.procs" && shift && exec "$@"',
                options.clientCgroup,
                "-",
                process.execPath,
                ...execArgv,
                fileURLToPath(import.meta.url),
                ...args,
              ],
              { stdio: ["ignore", "inherit", "inherit", "ipc"] },
            );
      const result = await new Promise((resolve, reject) => {
        child.once("message", resolve);
        child.once("exit", (code) => reject(new Error(`${mode} client exited with ${code}`)));
      });
      child.removeAllListeners("exit");
      await new Promise((resolve) => child.once("exit", resolve));
      results[mode] = result;
      if (result.timedOut) {
        rows.push([
          n,
          mode,
          `timed out: ${result.ready} Ready, ${result.deleted} deleted`,
          "",
          "",
          "",
          "",
          "",
          "",
          "",
          "",
          "",
        ]);
        continue;
      }
      const rate = n / Math.max(result.allReadyS, result.allDeletedS);
      result.rate = rate;
      rows.push([
        n,
        mode,
        rate.toFixed(1),
        mode === "pk" && results.bare?.rate ? (rate / results.bare.rate).toFixed(2) : "1.00",
        result.cpuMsPerResource.toFixed(2),
        (result.kubeRequests / n).toFixed(1),
        (result.aapRequests / n).toFixed(1),
        result.kubeConnections + result.aapConnections,
        result.peakRssMb.toFixed(0),
        result.liveHeapMb.toFixed(0),
        result.allReadyS.toFixed(1),
        result.allDeletedS.toFixed(1),
      ]);
      details.push(
        `  ${mode} N=${n}: simulators' CPU ${result.simsCpuMsPerResource.toFixed(2)} ms/res; kube requests by verb ${JSON.stringify(result.kubeByVerb)}; kube/AAP connections ${result.kubeConnections}/${result.aapConnections}; Ready p50 ${result.readyP50S.toFixed(1)} s, deleted p50 ${result.deletedP50S.toFixed(1)} s`,
      );
    }
  }
  console.log(
    `\nThroughput: N objects created at once, each deleted when Ready; concurrency ${options.concurrency}, ` +
      `poll ${options.pollMs} ms, AAP jobs ${options.jobMs} ms (real time; lc = lifecycle)\n`,
  );
  console.log(table(rows));
  console.log(details.join("\n"));
  console.log(throughputTargets(byN).join("\n"));
}

const verdict = (ok) => (ok ? "met" : "NOT MET");

/** Issue 17's throughput targets against this run's figures, each met or NOT MET. */
function throughputTargets(byN) {
  const lines = ["\nIssue 17 targets (this run):"];
  const cpu = new Map();
  for (const [n, { bare, pk }] of byN) {
    if (!pk || pk.timedOut) {
      lines.push(`  N=${n}: pk did not finish: NOT MET`);
      continue;
    }
    cpu.set(n, pk.cpuMsPerResource);
    if (bare?.rate) {
      const ratio = pk.rate / bare.rate;
      lines.push(
        `  throughput >= 0.5x bare at N=${n}: ${ratio.toFixed(2)}: ${verdict(ratio >= 0.5)}`,
      );
    }
    const kube = pk.kubeRequests / n;
    lines.push(
      `  Kubernetes requests per lifecycle <= 8 (Events on) at N=${n}: ${kube.toFixed(1)}: ${verdict(kube <= 8)}`,
    );
    if (n >= 10000) {
      lines.push(
        `  peak RSS <= 250 MB at N=${n}: ${pk.peakRssMb.toFixed(0)} MB: ${verdict(pk.peakRssMb <= 250)}`,
      );
    }
  }
  const ns = [...cpu.keys()].sort((a, b) => a - b);
  if (ns.length > 1) {
    const first = cpu.get(ns[0]);
    const last = cpu.get(ns[ns.length - 1]);
    // "Flat": the largest N costs at most 10 % more CPU per resource than the smallest.
    lines.push(
      `  pk CPU per resource flat from N=${ns[0]} to ${ns[ns.length - 1]} (within +10 %): ${first.toFixed(2)} -> ${last.toFixed(2)} ms: ${verdict(last <= first * 1.1)}`,
    );
  }
  return lines;
}

// ------------------------------------------------------------------ latency (virtual time)

class VirtualTimers {
  current = 0;
  #next = 1;
  #pending = new Map();
  now() {
    return this.current;
  }
  setTimeout(fn, ms) {
    const id = this.#next++;
    this.#pending.set(id, { at: this.current + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle) {
    this.#pending.delete(handle);
  }
  next() {
    let at;
    for (const t of this.#pending.values()) if (at === undefined || t.at < at) at = t.at;
    return at;
  }
  /** Fires every timer due by `at`, in order, moving time to `at`. */
  advanceTo(at) {
    for (;;) {
      let next;
      for (const entry of this.#pending) {
        if (entry[1].at <= at && (!next || entry[1].at < next[1].at)) next = entry;
      }
      if (!next) break;
      this.#pending.delete(next[0]);
      this.current = Math.max(this.current, next[1].at);
      next[1].fn();
    }
    this.current = Math.max(this.current, at);
  }
}

const NOTIFY_PASSWORD = "bench-notify-password";

/** Whether the build at hand has AAP job notifications (AapNotificationReceiver). */
function hasNotifications(libs) {
  return typeof libs.aapProvider.AapNotificationReceiver === "function";
}

/**
 * Lifecycles with jobs of `jobSeconds` (±10 %) on one virtual clock. Virtual time moves to
 * the next controller timer or job end, whichever comes first; at each stop the controller,
 * the simulators and the notifications they send settle (real I/O on loopback) before
 * the user looks.
 */
async function latencyRun(libs, options, jobSeconds, notify, warmup = 0) {
  const { KubeConfig } = libs.clientNode;
  const timers = new VirtualTimers();
  const base = Date.parse("2026-01-01T00:00:00Z");
  const now = () => base + timers.now();
  const clock = { now };
  const kube = new libs.testing.KubernetesApiSimulator({ crds: [CRD] });
  await kube.start();
  const aap = new libs.testing.AapSimulator({ clock });
  const rand = random(options.seed * 7919 + jobSeconds);
  const jobEnds = [];
  // Each job runs the nominal length ±10 % (seeded), so that job ends fall anywhere between
  // two polls rather than on a multiple of the poll interval.
  const script = () => {
    const runMs = Math.round(jobSeconds * 1000 * (0.9 + 0.2 * rand()));
    jobEnds.push(now() + runMs);
    return { pendingMs: 0, waitingMs: 0, runMs };
  };
  for (const name of TEMPLATES) aap.addJobTemplate({ name, allowSimultaneous: true, script });
  const aapUrl = await aap.start();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeconfig());
  const client = { url: aapUrl, auth: { type: "bearer", token: TOKEN } };
  let receiver;
  let listener;
  if (notify) {
    const credentials = { username: "awx", password: NOTIFY_PASSWORD };
    receiver = new libs.aapProvider.AapNotificationReceiver({ credentials });
    listener = await receiver.listen();
    const setup = new libs.aapProvider.AapProvider({ client });
    await libs.aapProvider.setUpAapNotifications(setup.client, {
      templates: TEMPLATES.map((name) => ({ name })),
      url: `${listener.url}/aap-notifications`,
      credentials,
    });
  }
  const provider = new libs.aapProvider.AapProvider({
    client,
    blockDeletionOnFailure: true,
    now,
    ...(receiver ? { notifications: receiver } : {}),
  });
  const controller = new libs.kubernetes.ProvisioningController({
    kubeConfig,
    resource: { ...CRD, namespace: NAMESPACE },
    provider,
    finalizer: FINALIZER,
    resyncIntervalMs: 0,
    clock: now,
    timers,
  });
  await controller.start();
  const n = options.lifecycles;
  const names = Array.from({ length: n }, (_, i) => `lat-${i}`);
  const readyAt = new Map();
  const goneAt = new Map();
  const createdAt = new Map();
  const counted = (r) => !r.operation?.startsWith("notification-");
  const create = (name) => {
    kube.createObject({
      apiVersion: `${CRD.group}/${CRD.version}`,
      kind: CRD.kind,
      metadata: { name, namespace: NAMESPACE },
      spec: { cores: 2 },
    });
    createdAt.set(name, now());
  };
  const observe = () => {
    for (const name of createdAt.keys()) {
      if (goneAt.has(name)) continue;
      const object = kube.getObject({ ...CRD, namespace: NAMESPACE, name });
      if (!object) goneAt.set(name, now());
      else if (!readyAt.has(name) && isReady(object)) {
        readyAt.set(name, now());
        kube.deleteObject({ ...CRD, namespace: NAMESPACE, name });
      }
    }
  };
  const activity = () =>
    kube.requests().length +
    aap.requests().length +
    (aap.notifications?.().length ?? 0) +
    (receiver?.counts.accepted ?? 0);
  /** Until nothing moves for two looks 5 ms apart (the simulator's timeline ticks every 5 ms). */
  const settle = async () => {
    let last = -1;
    let quiet = 0;
    for (let i = 0; i < 400 && quiet < 2; i++) {
      await controller.idle();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const mark = activity();
      quiet = mark === last ? quiet + 1 : 0;
      last = mark;
    }
  };
  const deadline = Date.now() + options.timeoutS * 1000;
  /** Moves virtual time (settling at each stop) until `done()`. */
  const drive = async (done, what) => {
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`latency ${jobSeconds} s: ${what} not done in time`);
      await settle();
      observe();
      if (done()) break;
      const timer = timers.next();
      const end = jobEnds.filter((at) => at > now()).reduce((a, b) => Math.min(a, b), Infinity);
      const at = Math.min(timer ?? Infinity, end - base);
      if (Number.isFinite(at)) timers.advanceTo(at);
    }
  };
  // Warm-up: lifecycles one after another, so that the controller's job duration estimator
  // has seen jobs of both kinds end before the measured ones start (the steady state; the
  // first jobs of a kind, or the first after a restart, run on the no-estimate schedule).
  for (let i = 0; i < warmup; i++) {
    const name = `warm-${i}`;
    create(name);
    await drive(() => goneAt.has(name), name);
  }
  const aapBefore = aap.requests().filter(counted).length;
  const kubeBefore = kube.requests().length;
  for (const name of names) {
    // Creations spread over one default poll interval, at seeded instants.
    timers.setTimeout(() => create(name), Math.floor(rand() * 10_000));
  }
  const measuredGone = () => names.filter((name) => goneAt.has(name)).length;
  await drive(() => measuredGone() === n, `${measuredGone()}/${n} lifecycles`);
  const aapCalls = aap.requests().filter(counted).length - aapBefore;
  // The controller's Kubernetes requests (the user's creates and deletes are in-process).
  const kubeRequests = kube
    .requests()
    .slice(kubeBefore)
    .filter((r) => !r.watch && r.path.includes(`/namespaces/${NAMESPACE}/`)).length;
  const ledger = aap.ledger();
  const detections = { provision: [], deprovision: [] };
  let jobs = 0;
  for (const job of ledger) {
    const name = /"name":"(lat-\d+)"/.exec(JSON.stringify(job.extraVars))?.[1];
    if (name) jobs++;
    if (!name || job.finishedAt === undefined) continue;
    if (job.templateName === TEMPLATES[0]) {
      detections.provision.push(readyAt.get(name) - job.finishedAt);
    } else if (goneAt.has(name)) detections.deprovision.push(goneAt.get(name) - job.finishedAt);
  }
  await controller.stop();
  await listener?.close();
  await aap.stop();
  await kube.stop();
  return { jobSeconds, n, aapCalls, kubeRequests, jobs, detections };
}

async function latency(options) {
  const libs = await load(options.root);
  const rows = [
    [
      "job length",
      "completion",
      "lifecycles",
      "Ready latency mean",
      "p95",
      "removal latency mean",
      "p95",
      "AAP calls/lc",
      "minimum",
      "ratio",
      "kube req/lc",
    ],
  ];
  // Polling and notifications, each cold (no job of the kind seen to end yet, as after a
  // first start) and warm (after --warmup lifecycles one by one).
  const modes = [
    { notify: false, warmup: 0, label: "polling, cold" },
    ...(options.warmup > 0
      ? [{ notify: false, warmup: options.warmup, label: `polling, warm (${options.warmup})` }]
      : []),
    ...(hasNotifications(libs)
      ? [
          { notify: true, warmup: 0, label: "notifications, cold" },
          ...(options.warmup > 0
            ? [
                {
                  notify: true,
                  warmup: options.warmup,
                  label: `notifications, warm (${options.warmup})`,
                },
              ]
            : []),
        ]
      : []),
  ];
  const checks = [];
  for (const jobSeconds of options.jobSeconds) {
    for (const { notify, warmup, label } of modes) {
      const r = await latencyRun(libs, options, jobSeconds, notify, warmup);
      const minimum = (2 * r.jobs) / r.n; // a launch and one read per job
      checks.push({ jobSeconds, notify, warm: warmup > 0, r, ratio: r.aapCalls / r.n / minimum });
      const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
      rows.push([
        `${jobSeconds} s`,
        label,
        r.n,
        s(mean(r.detections.provision)),
        s(percentile(r.detections.provision, 95)),
        s(mean(r.detections.deprovision)),
        s(percentile(r.detections.deprovision, 95)),
        (r.aapCalls / r.n).toFixed(1),
        minimum.toFixed(1),
        (r.aapCalls / r.n / minimum).toFixed(2),
        (r.kubeRequests / r.n).toFixed(1),
      ]);
    }
  }
  console.log(
    `\nDetection latency and AAP calls per lifecycle (virtual time, controller defaults, ` +
      `seed ${options.seed}; jobs of the nominal length ±10 %; latency = job end to Ready ` +
      `written / finalizer removed; AAP calls = every request but the notification set-up; ` +
      `minimum = a launch and one read per job; kube req = the controller's, watches excluded)\n`,
  );
  console.log(table(rows));
  console.log(latencyTargets(checks).join("\n"));
}

/**
 * Issue 17's latency targets against the warm rows (the steady state: the estimator has seen
 * jobs of both kinds end); the cold rows, the first jobs of a kind, are printed beside them.
 */
function latencyTargets(checks) {
  const lines = ["\nIssue 17 targets (warm rows; cold rows, with no estimate yet, in brackets):"];
  const p95 = (r) =>
    Math.max(percentile(r.detections.provision, 95), percentile(r.detections.deprovision, 95));
  for (const notify of [false, true]) {
    const rows = checks.filter((c) => c.notify === notify);
    if (rows.length === 0) continue;
    for (const c of rows.filter((row) => row.warm)) {
      const cold = rows.find((row) => !row.warm && row.jobSeconds === c.jobSeconds);
      const latency = p95(c.r);
      const coldNote = cold
        ? ` [cold: ${cold.ratio.toFixed(2)}x, p95 ${(p95(cold.r) / 1000).toFixed(1)} s]`
        : "";
      if (notify) {
        lines.push(
          `  notifications, ${c.jobSeconds} s: calls <= 1.25x: ${c.ratio.toFixed(2)}x ${verdict(c.ratio <= 1.25)}; ` +
            `p95 <= 1 s: ${(latency / 1000).toFixed(1)} s ${verdict(latency <= 1000)}${coldNote}`,
        );
      } else {
        const share = latency / (c.jobSeconds * 1000);
        // p95 <= 5 % of the job's duration applies from 60 s jobs on.
        const latencyVerdict =
          c.jobSeconds >= 60 ? verdict(share <= 0.05) : "not a target under 60 s";
        lines.push(
          `  polling, ${c.jobSeconds} s: calls <= 2x: ${c.ratio.toFixed(2)}x ${verdict(c.ratio <= 2)}; ` +
            `p95 <= 5 % of the job: ${(100 * share).toFixed(1)} % ${latencyVerdict}${coldNote}`,
        );
      }
    }
  }
  return lines;
}

// ------------------------------------------------------------------ main

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.role === "sims") return runSims(options);
  if (options.role === "client") return runClient(options);
  console.log(`bench:scale on ${options.root} (node ${process.version})`);
  if (options.only !== "latency") await throughput(options);
  if (options.only !== "throughput") await latency(options);
}

main().then(
  () => {
    if (process.send) setTimeout(() => process.exit(0), 50);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
