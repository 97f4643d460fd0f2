#!/usr/bin/env node
/**
 * What the simulators cost per operation as they fill up (issue 17), on the built packages:
 *
 * - AapSimulator: one launch + one read of the new job (HTTP on loopback, keep-alive), and
 *   one findJob-style list (`jobs/?job_template=…&order_by=-id&page_size=200&created__gte=…`),
 *   with 1k, 5k and 10k jobs already created, for a template that allows simultaneous jobs
 *   and one that does not (its jobs queue behind each other); every 10th job is ended early
 *   with `finishJob`, so the store sees creates and changes alike.
 * - KubernetesApiSimulator: one GET, one status merge patch, and one list of the namespace, with
 *   1k, 5k and 10k objects, and the same patch with 10 watches open (fan-out).
 *
 * Figures are CPU milliseconds of this process (client and simulator) per operation, which a
 * busy shared machine disturbs less than wall time.
 *
 * ```sh
 * node bench/sim-cost.mjs                         # sizes 1000,5000,10000
 * node bench/sim-cost.mjs --sizes 1000,5000 --root /tmp/other-checkout --only aap   # or kube
 * ```
 */
import http from "node:http";
import path from "node:path";
import { URL, fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const options = {
    sizes: [1000, 5000, 10000],
    root: path.resolve(HERE, ".."),
    samples: 200,
    only: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") continue;
    const v = argv[++i];
    if (arg === "--sizes") options.sizes = v.split(",").map(Number);
    else if (arg === "--root") options.root = path.resolve(v);
    else if (arg === "--samples") options.samples = Number(v);
    else if (arg === "--only") options.only = v;
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(base, method, pathname, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      new URL(pathname, base),
      {
        method,
        agent,
        headers: {
          accept: "application/json",
          ...headers,
          ...(data === undefined
            ? {}
            : { "content-type": headers["content-type"] ?? "application/json" }),
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
    request.on("error", reject);
    request.end(data);
  });
}

/** Runs `fn` `times` times; CPU (user + system, this process: client and simulator) per run, ms. */
async function cpuPer(times, fn) {
  const before = process.cpuUsage();
  for (let i = 0; i < times; i++) await fn(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / times;
}

const AUTH = { authorization: "Bearer sim-token" };
const API = "/api/controller/v2/";

async function aapCost(testing, options) {
  const rows = [["template", "jobs", "launch+read CPU ms", "findJob list CPU ms"]];
  for (const serial of [false, true]) {
    const clock = new testing.VirtualClock();
    const aap = new testing.AapSimulator({
      clock,
      defaultScript: { pendingMs: 1000, waitingMs: 1000, runMs: 60_000 },
    });
    const id = aap.addJobTemplate({ name: "bench", allowSimultaneous: !serial });
    const base = await aap.start();
    let created = 0;
    const launchRead = async () => {
      const job = await call(base, "POST", `${API}job_templates/${id}/launch/`, {}, AUTH);
      await call(base, "GET", `${API}jobs/${job.id}/`, undefined, AUTH);
      created++;
      clock.advance(50);
      if (created % 10 === 0) {
        try {
          aap.finishJob(job.id, "failed");
        } catch {
          // already terminal
        }
      }
      return job.id;
    };
    for (const size of options.sizes) {
      while (created < size) await launchRead();
      const perLaunch = await cpuPer(options.samples, launchRead);
      const since = new Date(clock.now() - 3_600_000).toISOString();
      const listSamples = Math.max(5, Math.floor(options.samples / 10));
      const perList = await cpuPer(listSamples, () =>
        call(
          base,
          "GET",
          `${API}jobs/?job_template=${id}&order_by=-id&page_size=200&created__gte=${encodeURIComponent(since)}`,
          undefined,
          AUTH,
        ),
      );
      rows.push([
        serial ? "serial" : "simultaneous",
        created,
        perLaunch.toFixed(3),
        perList.toFixed(1),
      ]);
    }
    await aap.stop();
  }
  return rows;
}

async function kubeCost(testing, options) {
  const crd = {
    group: "example.com",
    version: "v1",
    plural: "computeinstances",
    kind: "ComputeInstance",
    scope: "Namespaced",
    statusSubresource: true,
  };
  const rows = [
    ["objects", "GET CPU ms", "status patch CPU ms", "patch, 10 watches CPU ms", "list CPU ms"],
  ];
  const kube = new testing.KubernetesApiSimulator({ crds: [crd] });
  const base = await kube.start();
  const prefix = `/apis/${crd.group}/${crd.version}/namespaces/bench/${crd.plural}`;
  let count = 0;
  const watches = [];
  for (const size of options.sizes) {
    while (count < size) {
      kube.createObject({
        apiVersion: `${crd.group}/${crd.version}`,
        kind: crd.kind,
        metadata: { name: `vm-${count}`, namespace: "bench" },
        spec: { cores: 2 },
      });
      count++;
    }
    const name = (i) => `vm-${(i * 7919) % count}`;
    const get = await cpuPer(options.samples, (i) => call(base, "GET", `${prefix}/${name(i)}`));
    const patch = async (i) =>
      call(
        base,
        "PATCH",
        `${prefix}/${name(i)}/status`,
        { status: { observed: i } },
        { "content-type": "application/merge-patch+json" },
      );
    const patchMs = await cpuPer(options.samples, patch);
    // Ten watches from the current resourceVersion on (no initial events), each draining
    // its stream.
    const { metadata } = await call(base, "GET", `${prefix}?limit=1`);
    const opened = [];
    for (let w = 0; w < 10; w++) {
      opened.push(
        new Promise((resolve) => {
          const request = http.get(
            new URL(`${prefix}?watch=1&resourceVersion=${metadata.resourceVersion}`, base),
            (response) => {
              response.on("data", () => {});
              resolve();
            },
          );
          watches.push(request);
          request.on("error", () => {});
        }),
      );
    }
    await Promise.all(opened);
    const fanOut = await cpuPer(options.samples, (i) => patch(i + options.samples));
    for (const w of watches.splice(0)) w.destroy();
    const listSamples = Math.max(3, Math.floor(options.samples / 50));
    const list = await cpuPer(listSamples, () => call(base, "GET", prefix));
    rows.push([count, get.toFixed(3), patchMs.toFixed(3), fanOut.toFixed(3), list.toFixed(1)]);
  }
  await kube.stop();
  return rows;
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) => r.map((cell, c) => String(cell).padStart(widths[c])).join("  "))
    .join("\n");
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const testing = await import(
    pathToFileURL(path.join(options.root, "packages/testing/dist/index.js")).href
  );
  console.log(`sim-cost on ${options.root} (node ${process.version}), ${options.samples} samples`);
  if (options.only !== "kube") {
    console.log(
      "\nAapSimulator (HTTP, keep-alive, one connection; every 10th job ended by finishJob)\n",
    );
    console.log(table(await aapCost(testing, options)));
  }
  if (options.only !== "aap") {
    console.log("\nKubernetesApiSimulator (HTTP, keep-alive, one connection)\n");
    console.log(table(await kubeCost(testing, options)));
  }
  agent.destroy();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
