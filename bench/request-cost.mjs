#!/usr/bin/env node
/**
 * The client CPU of one HTTP request on loopback, by the stack that sends it (issue 17): what
 * a request costs the controller before anything provisionkit decides. A server in a child
 * process answers every request with a fixed body (a custom object of about 1.5 KB, or an
 * AWX job); this process sends `--requests` requests one after another through each stack
 * and prints its own CPU per request (user + system), so the server's CPU is not counted.
 *
 * - `node:http`: `http.request` on one keep-alive agent, the body parsed (what the bare loop
 *   of bench/scale.mjs does);
 * - `HttpTransport`: `@provisionkit/core/http` (axios, keep-alive pool), the body parsed;
 * - `AapClient.getJob`: the AAP client (transport, retries, logging, the job decoder);
 * - client-node `CustomObjectsApi`: a GET and a status PUT (`…WithHttpInfo`, the
 *   KubeConfig's authentication, one keep-alive agent), on client-node's own HTTP library
 *   (node-fetch) and, when the build has it, on the one the controller uses
 *   (`nodeHttpLibrary()`, node:http).
 *
 * ```sh
 * node bench/request-cost.mjs [--requests 3000] [--root <checkout>]
 * ```
 */
import { Buffer } from "node:buffer";
import { fork } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { URL, fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const options = { requests: 3000, root: path.resolve(HERE, ".."), role: "main" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--") continue;
    else if (arg === "--requests") options.requests = Number(value());
    else if (arg === "--root") options.root = path.resolve(value());
    else if (arg === "--role") options.role = value();
    else throw new Error(`unknown option ${arg}`);
  }
  if (!Number.isInteger(options.requests) || options.requests < 1) {
    throw new Error("--requests takes a positive integer");
  }
  return options;
}

const OBJECT = {
  apiVersion: "example.com/v1",
  kind: "ComputeInstance",
  metadata: {
    name: "vm-1",
    namespace: "bench",
    uid: "0b6c3f4e-1d2a-4b8c-9e7f-5a6b7c8d9e0f",
    resourceVersion: "12345",
    generation: 1,
    creationTimestamp: "2026-12-05T15:00:00Z",
    finalizers: ["example.com/provisioning"],
  },
  spec: { cores: 2, index: 1 },
  status: {
    observedGeneration: 1,
    conditions: ["Ready", "Provisioned"].map((type) => ({
      type,
      status: "True",
      reason: "Succeeded",
      message: "The last provision job succeeded",
      lastTransitionTime: "2026-12-05T15:00:01Z",
      observedGeneration: 1,
    })),
    provisioning: {
      desiredConfigVersion: "sha256:0123456789abcdef0123456789abcdef",
      reconciledConfigVersion: "sha256:0123456789abcdef0123456789abcdef",
      jobs: [
        {
          jobId: "job:1001",
          type: "provision",
          state: "Succeeded",
          provider: "aap",
          correlationId: "c0ffee12-3456-789a-bcde-f0123456789a",
          configVersion: "sha256:0123456789abcdef0123456789abcdef",
          launchedAt: "2026-12-05T15:00:00.000Z",
          finishedAt: "2026-12-05T15:00:01.000Z",
          message: "job finished: successful",
        },
      ],
    },
  },
};

const JOB = {
  id: 7,
  type: "job",
  url: "/api/v2/jobs/7/",
  related: { cancel: "/api/v2/jobs/7/cancel/" },
  summary_fields: { job_template: { id: 5, name: "deploy" } },
  created: "2026-12-05T15:00:00.000000Z",
  modified: "2026-12-05T15:00:05.000000Z",
  name: "deploy",
  job_type: "run",
  launch_type: "manual",
  status: "successful",
  failed: false,
  started: "2026-12-05T15:00:02.000000Z",
  finished: "2026-12-05T15:00:04.000000Z",
  canceled_on: null,
  elapsed: 2.25,
  job_explanation: "",
  result_traceback: "",
  job_template: 5,
  unified_job_template: 5,
  extra_vars: '{"name": "vm-1", "namespace": "bench"}',
  artifacts: {},
};

function serve() {
  const object = JSON.stringify(OBJECT);
  const job = JSON.stringify(JOB);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const body = req.url.startsWith("/api/") ? job : object;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
  });
  server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
}

async function measure(name, requests, send) {
  for (let i = 0; i < Math.min(300, requests); i++) await send();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < requests; i++) await send();
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  return [
    name,
    (((cpu.user + cpu.system) / requests) | 0).toString(),
    ((wallMs * 1000) / requests) | 0,
  ];
}

async function main(options) {
  const child = fork(fileURLToPath(import.meta.url), ["--role", "server"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { port } = await new Promise((resolve) => child.once("message", resolve));
  const base = `http://127.0.0.1:${port}`;
  const url = (p) => pathToFileURL(path.join(options.root, p)).href;
  const httpKit = await import(url("packages/core/dist/http/index.js"));
  const aap = await import(url("packages/provider-aap/dist/index.js"));
  const k8s = await import(url("packages/core/node_modules/@kubernetes/client-node/dist/index.js"));
  const rows = [["stack", "client CPU µs/request", "wall µs/request"]];
  const n = options.requests;

  const agent = new http.Agent({ keepAlive: true });
  const target = new URL("/apis/example.com/v1/namespaces/bench/computeinstances/vm-1", base);
  rows.push(
    await measure("node:http GET", n, () => rawRequest(agent, target, "GET")),
    await measure("node:http PUT", n, () =>
      rawRequest(agent, new URL(`${target.pathname}/status`, base), "PUT", OBJECT),
    ),
  );

  const transport = new httpKit.HttpTransport({ timeoutMs: 10_000 });
  rows.push(
    await measure("HttpTransport (axios) GET", n, async () =>
      JSON.parse((await transport.send({ method: "GET", url: target.href })).text),
    ),
  );
  transport.close();

  const client = new aap.AapClient({
    url: `${base}/api/v2/`,
    auth: { type: "bearer", token: "bench-token" },
  });
  rows.push(await measure("AapClient.getJob", n, () => client.getJob({ kind: "job", id: 7 })));
  client.close();

  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "c", server: base, skipTLSVerify: true }],
    users: [{ name: "u", token: "bench-token" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  const shared = new http.Agent({ keepAlive: true, timeout: 60_000 });
  const sharedAuth = {
    getName: () => "bench-shared-agent",
    async applySecurityAuthentication(context) {
      await kubeConfig.applySecurityAuthentication(context);
      context.setAgent(shared);
    },
  };
  const configuration = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(base, {}),
    authMethods: { default: sharedAuth },
  });
  const custom = new k8s.CustomObjectsApi(configuration);
  const ref = {
    group: "example.com",
    version: "v1",
    namespace: "bench",
    plural: "computeinstances",
    name: "vm-1",
  };
  rows.push(
    await measure("client-node GET", n, () => custom.getNamespacedCustomObjectWithHttpInfo(ref)),
    await measure("client-node status PUT", n, () =>
      custom.replaceNamespacedCustomObjectStatusWithHttpInfo({ ...ref, body: OBJECT }),
    ),
  );
  // The same calls on the HTTP library the controller gives client-node 1.x (node:http in
  // place of node-fetch), when the build has it.
  const kube = await import(url("packages/core/dist/kubernetes/index.js"));
  const httpApi = kube.nodeHttpLibrary?.();
  if (httpApi) {
    const viaNode = new k8s.CustomObjectsApi(
      k8s.createConfiguration({
        baseServer: new k8s.ServerConfiguration(base, {}),
        authMethods: { default: sharedAuth },
        httpApi,
      }),
    );
    rows.push(
      await measure("client-node GET, NodeHttpLibrary", n, () =>
        viaNode.getNamespacedCustomObjectWithHttpInfo(ref),
      ),
      await measure("client-node status PUT, NodeHttpLibrary", n, () =>
        viaNode.replaceNamespacedCustomObjectStatusWithHttpInfo({ ...ref, body: OBJECT }),
      ),
    );
  }
  shared.destroy();
  agent.destroy();
  child.kill();

  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  console.log(
    `\nClient CPU per request on loopback (node ${process.version}; ${n} sequential requests each, after 300 to warm up)\n`,
  );
  console.log(
    rows.map((r) => r.map((cell, c) => String(cell).padStart(widths[c])).join("  ")).join("\n"),
  );
}

function rawRequest(agent, target, method, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      target,
      {
        method,
        agent,
        headers: {
          accept: "application/json",
          authorization: "Bearer bench-token",
          ...(data === undefined
            ? {}
            : { "content-type": "application/json", "content-length": Buffer.byteLength(data) }),
        },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve(JSON.parse(text)));
      },
    );
    request.on("error", reject);
    request.end(data);
  });
}

const options = parseArgs(process.argv.slice(2));
if (options.role === "server") serve();
else await main(options);
