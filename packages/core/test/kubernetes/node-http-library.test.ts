import { Buffer } from "node:buffer";
import * as diagnostics from "node:diagnostics_channel";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as zlib from "node:zlib";
import { HttpMethod, KubeConfig, RequestContext } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "../../src/errors.ts";
import { KubeApi, KubeApiError } from "../../src/kubernetes/kube-api.ts";
import {
  KUBE_USER_AGENT,
  NodeHttpLibrary,
  nodeHttpLibrary,
} from "../../src/kubernetes/node-http-library.ts";

const TOKEN = "s3cret-t0ken";
const ref = { group: "example.com", version: "v1", plural: "widgets", kind: "Widget" };

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback server the test starts and stops; `answer` decides each response. */
async function serve(answer: (seen: Seen, response: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  let connections = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const one = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      seen.push(one);
      answer(one, response);
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  opened.push(close);
  return { base, seen, connections: () => connections, close };
}

const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((close) => close()));
});

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: true }],
    users: [{ name: "u", token: TOKEN }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

const object = (status: Record<string, unknown> = {}) => ({
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name: "w-1", namespace: "ns", resourceVersion: "7", generation: 1 },
  spec: {},
  status,
});

const json = (response: http.ServerResponse, code: number, body: unknown) => {
  response.writeHead(code, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};

describe("NodeHttpLibrary: the controller's Kubernetes requests through client-node 1.x", () => {
  it("is the library chosen on the installed client-node (1.x)", () => {
    expect(nodeHttpLibrary()).toBeDefined();
  });

  it("a GET: method, path, the KubeConfig's credentials, the parsed answer; no compression asked", async () => {
    const server = await serve((_, response) => json(response, 200, object({ phase: "Ready" })));
    const api = new KubeApi(kubeConfig(server.base), { ...ref, namespace: "ns" });
    const got = await api.get("ns", "w-1");
    expect(got?.status).toEqual({ phase: "Ready" });
    expect(server.seen).toHaveLength(1);
    const [request] = server.seen;
    expect(request?.method).toBe("GET");
    expect(request?.url).toBe("/apis/example.com/v1/namespaces/ns/widgets/w-1");
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers["accept-encoding"]).toBeUndefined();
    // The API server names the field manager of a write after the User-Agent's first part.
    expect(request?.headers["user-agent"]).toBe(KUBE_USER_AGENT);
    expect(KUBE_USER_AGENT).not.toContain("/");
    api.close();
  });

  it("keeps a User-Agent the request already has", async () => {
    const server = await serve((_, response) => response.end());
    const request = new RequestContext(`${server.base}/x`, HttpMethod.GET);
    request.setHeaderParam("User-Agent", "my-operator/1.2");
    await new NodeHttpLibrary().send(request);
    expect(server.seen[0]?.headers["user-agent"]).toBe("my-operator/1.2");
  });

  it("a status PUT: the body arrives whole with its byte length (multi-byte UTF-8 included)", async () => {
    const server = await serve((seen, response) => json(response, 200, JSON.parse(seen.body)));
    const api = new KubeApi(kubeConfig(server.base), { ...ref, namespace: "ns" });
    const status = { message: "größer als 10 € — ✓" };
    const written = await api.replaceStatus(object(), status);
    expect(written.status).toEqual(status);
    const [request] = server.seen;
    expect(request?.method).toBe("PUT");
    expect(request?.url).toBe("/apis/example.com/v1/namespaces/ns/widgets/w-1/status");
    expect(Number(request?.headers["content-length"])).toBe(Buffer.byteLength(request!.body));
    expect((JSON.parse(request!.body) as { status: unknown }).status).toEqual(status);
    api.close();
  });

  it("a 409 answer reaches the caller as a KubeApiError with its status and reason", async () => {
    const server = await serve((_, response) =>
      json(response, 409, { kind: "Status", reason: "Conflict", message: "modified", code: 409 }),
    );
    const api = new KubeApi(kubeConfig(server.base), { ...ref, namespace: "ns" });
    const failure = await api.replaceStatus(object(), {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KubeApiError);
    expect(failure).toMatchObject({ status: 409, reason: "Conflict" });
    api.close();
  });

  it("no answer (nothing listens): status 0, a message naming the request and no credential", async () => {
    const server = await serve(() => undefined);
    await server.close();
    const api = new KubeApi(kubeConfig(server.base), { ...ref, namespace: "ns" });
    const failure = await api.get("ns", "w-1").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KubeApiError);
    expect((failure as KubeApiError).status).toBe(0);
    expect((failure as KubeApiError).message).toContain("ECONNREFUSED");
    expect((failure as KubeApiError).message).not.toContain(TOKEN);
    api.close();
  });

  it("a request the API server never answers: a KubeApiError with status 0 after requestTimeoutMs", async () => {
    const server = await serve(() => undefined);
    const api = new KubeApi(kubeConfig(server.base), { ...ref, namespace: "ns" }, undefined, 100);
    const failure = await api.replaceStatus(object(), {}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KubeApiError);
    expect((failure as KubeApiError).status).toBe(0);
    expect((failure as KubeApiError).message).toContain("ETIMEDOUT");
    api.close();
  });

  it("every request of a KubeApi on one kept-alive connection", async () => {
    const server = await serve((_, response) => json(response, 200, object()));
    const api = new KubeApi(kubeConfig(server.base), { ...ref, namespace: "ns" });
    for (let i = 0; i < 20; i++) await api.get("ns", "w-1");
    expect(server.seen).toHaveLength(20);
    expect(server.connections()).toBe(1);
    api.close();
  });
});

describe("NodeHttpLibrary.send", () => {
  const context = (url: string, method = HttpMethod.GET) => new RequestContext(url, method);

  it("gives header names in lower case and a repeated header's values joined with ', '", async () => {
    const server = await serve((_, response) => {
      response.setHeader("Set-Cookie", ["a=1", "b=2"]);
      response.setHeader("X-Thing", "yes");
      response.end("hello");
    });
    const answer = await new NodeHttpLibrary().send(context(`${server.base}/x`));
    expect(answer.httpStatusCode).toBe(200);
    expect(answer.headers["set-cookie"]).toBe("a=1, b=2");
    expect(answer.headers["x-thing"]).toBe("yes");
    expect(await answer.body.text()).toBe("hello");
    expect((await answer.body.binary()).toString()).toBe("hello");
  });

  it.each([
    ["gzip", (b: Buffer) => zlib.gzipSync(b)],
    ["deflate", (b: Buffer) => zlib.deflateSync(b)],
    ["br", (b: Buffer) => zlib.brotliCompressSync(b)],
  ])("decodes a %s answer", async (encoding, encode) => {
    const text = JSON.stringify(object({ note: "x".repeat(5000) }));
    const server = await serve((_, response) => {
      response.writeHead(200, { "content-encoding": encoding });
      response.end(encode(Buffer.from(text)));
    });
    const answer = await new NodeHttpLibrary().send(context(`${server.base}/x`));
    expect(await answer.body.text()).toBe(text);
  });

  it("refuses an answer in an encoding it cannot read", async () => {
    const server = await serve((_, response) => {
      response.writeHead(200, { "content-encoding": "zstd" });
      response.end("....");
    });
    await expect(new NodeHttpLibrary().send(context(`${server.base}/x`))).rejects.toThrow(
      /cannot read \(zstd\)/,
    );
  });

  it("refuses an answer over maxResponseBytes, plain or once decoded", async () => {
    const big = Buffer.alloc(4096, "a");
    const server = await serve((seen, response) => {
      if (seen.url === "/gzip") {
        response.writeHead(200, { "content-encoding": "gzip" });
        response.end(zlib.gzipSync(big));
      } else response.end(big);
    });
    const library = new NodeHttpLibrary({ maxResponseBytes: 1000 });
    await expect(library.send(context(`${server.base}/plain`))).rejects.toThrow(
      /larger than 1000 bytes/,
    );
    await expect(library.send(context(`${server.base}/gzip`))).rejects.toThrow(
      /larger than 1000 bytes/,
    );
    const roomy = new NodeHttpLibrary({ maxResponseBytes: 4096 });
    expect((await (await roomy.send(context(`${server.base}/gzip`))).body.binary()).length).toBe(
      4096,
    );
  });

  it("an aborted signal: rejected with an AbortError before sending, or while waiting", async () => {
    let held: http.ServerResponse | undefined;
    const server = await serve((_, response) => {
      held = response;
    });
    const before = context(`${server.base}/x`);
    const controller = new AbortController();
    controller.abort();
    before.setSignal(controller.signal);
    await expect(new NodeHttpLibrary().send(before)).rejects.toMatchObject({ name: "AbortError" });
    expect(server.seen).toHaveLength(0);

    const during = context(`${server.base}/x`);
    const later = new AbortController();
    during.setSignal(later.signal);
    const sent = new NodeHttpLibrary().send(during);
    await until(() => server.seen.length === 1);
    later.abort();
    await expect(sent).rejects.toMatchObject({ name: "AbortError" });
    held?.end();
  });

  it("an abort or a cut connection after the answer began: rejected, never left pending", async () => {
    const server = await serve((seen, response) => {
      response.writeHead(200, { "content-length": "1000" });
      response.write("partial");
      if (seen.url === "/cut") setImmediate(() => response.socket?.destroy());
    });
    const during = context(`${server.base}/held`);
    const controller = new AbortController();
    during.setSignal(controller.signal);
    // Node publishes this when a client request's answer has begun (its headers parsed),
    // just before the request's "response" event.
    const begun = new Promise<void>((resolve) => {
      const channel = diagnostics.channel("http.client.response.finish");
      const seen = (): void => {
        channel.unsubscribe(seen);
        setImmediate(resolve);
      };
      channel.subscribe(seen);
    });
    const answer = new NodeHttpLibrary().send(during);
    await begun;
    controller.abort();
    await expect(answer).rejects.toMatchObject({ name: "AbortError" });
    await expect(new NodeHttpLibrary().send(context(`${server.base}/cut`))).rejects.toThrow(
      /GET http:\/\/127\.0\.0\.1:\d+\/cut failed/,
    );
  });

  it("refuses a maxResponseBytes or timeoutMs that is not a positive integer", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new NodeHttpLibrary({ maxResponseBytes: bad })).toThrow(ConfigurationError);
      expect(() => new NodeHttpLibrary({ timeoutMs: bad })).toThrow(ConfigurationError);
    }
  });

  it("fails a request that receives nothing for timeoutMs with ETIMEDOUT; a slow answer that keeps coming is kept", async () => {
    const server = await serve((seen, response) => {
      if (seen.url === "/silent") return; // never answers
      // Answers in 60 pieces 25 ms apart: each gap 40 times within the 1 s bound (a loaded
      // machine would have to delay one timer by 975 ms to fail it), the whole about 1.5 s,
      // over the bound: the bound is on silence, not on the whole answer.
      response.writeHead(200);
      let pieces = 0;
      const next = (): void => {
        if (++pieces === 60) response.end("done");
        else {
          response.write(".");
          setTimeout(next, 25);
        }
      };
      next();
    });
    const quick = new NodeHttpLibrary({ timeoutMs: 150 });
    const silent = await quick.send(context(`${server.base}/silent`)).catch((e: unknown) => e);
    expect(silent).toMatchObject({ code: "ETIMEDOUT" });
    expect((silent as Error).message).toMatch(/GET .*\/silent failed: nothing received for 150 ms/);
    const started = performance.now();
    const slow = await new NodeHttpLibrary({ timeoutMs: 1000 }).send(
      context(`${server.base}/slow`),
    );
    expect(await slow.body.text()).toBe(`${".".repeat(59)}done`);
    // The answer did outlast the bound as a whole.
    expect(performance.now() - started).toBeGreaterThan(1000);
  });

  it("sends a URLSearchParams body as its text and refuses a form body", async () => {
    const server = await serve((_, response) => response.end());
    const post = context(`${server.base}/x`, HttpMethod.POST);
    post.setBody(new URLSearchParams({ a: "1", b: "zwei" }));
    await new NodeHttpLibrary().send(post);
    expect(server.seen[0]?.body).toBe("a=1&b=zwei");
    const form = context(`${server.base}/x`, HttpMethod.POST);
    // client-node's FormData body (form-data's class, not a dependency of core): any object
    // that is neither a string nor a URLSearchParams takes this path.
    form.setBody({ getBoundary: () => "----x" } as unknown as string);
    await expect(new NodeHttpLibrary().send(form)).rejects.toThrow(/form body/);
    expect(server.seen).toHaveLength(1);
  });
});

/** Waits (on real I/O, no timer guesses) until `done()` holds. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}
