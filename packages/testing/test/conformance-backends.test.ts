import { createHmac } from "node:crypto";
import type { Provider } from "@provisionkit/core";
import { afterEach, describe, expect, it } from "vitest";
import { KubernetesApiSimulator, VirtualClock, type CrdDefinition } from "@provisionkit/testing";
import {
  aapSimulatorBackend,
  edaSimulatorBackend,
  type AapBackendEndpoint,
  type EdaBackendEndpoint,
} from "../src/conformance/backends/index.js";
import type { BackendContext, ConformanceBackend } from "../src/conformance/types.js";

const WIDGET: CrdDefinition = {
  group: "example.com",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
};
const API = "/api/controller/v2/";
const A_OPERATION = "provisionkit.io/operation";
const A_CORRELATION = "provisionkit.io/correlation-id";
const A_VERSION = "provisionkit.io/config-version";

/** A provider that is never called: these tests drive the backend's HTTP APIs directly. */
function stubProvider(): Provider {
  const unused = () => Promise.reject(new Error("not used in this test"));
  return {
    name: "stub",
    triggerProvision: unused,
    getProvisionStatus: unused,
    triggerDeprovision: unused,
    getDeprovisionStatus: unused,
  };
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

type TestContext = BackendContext & { clock: VirtualClock; kube: KubernetesApiSimulator };

async function context(): Promise<TestContext> {
  const clock = new VirtualClock();
  const kube = new KubernetesApiSimulator({ clock, crds: [WIDGET] });
  await kube.start();
  cleanups.push(() => kube.stop());
  return { clock, kubernetes: kube, kube, resource: WIDGET };
}

async function started<B extends ConformanceBackend>(backend: B, ctx: BackendContext): Promise<B> {
  await backend.start(ctx);
  cleanups.push(() => backend.stop());
  return backend;
}

/** The payload both providers send: the resource with the provisionkit annotations. */
function payload(name: string, operation: string, correlationId: string, version?: string) {
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: {
      name,
      namespace: "default",
      annotations: {
        [A_OPERATION]: operation,
        [A_CORRELATION]: correlationId,
        ...(version === undefined ? {} : { [A_VERSION]: version }),
      },
    },
    spec: { size: 1 },
  };
}

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function call(
  url: string,
  token: string,
  path: string,
  body?: Record<string, unknown>,
): Promise<Answer> {
  const response = await fetch(`${url}${API}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json = (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, json };
}

/** Launches a template as AapProvider does (the annotated payload under `ansible_eda`). */
function launch(
  endpoint: AapBackendEndpoint,
  template: string,
  extraVars: Record<string, unknown>,
  kind: "job_templates" | "workflow_job_templates" = "job_templates",
): Promise<Answer> {
  const path = `${kind}/${template}++Default/launch/`;
  return call(endpoint.url, endpoint.token, path, { extra_vars: extraVars });
}

function eventVars(body: Record<string, unknown>): Record<string, unknown> {
  return { ansible_eda: { event: { payload: body } } };
}

/**
 * A backend made by `make` around a stub provider factory, started on a fresh context, with
 * the endpoint of every provider it built (one built here).
 */
async function startedBackend<E>(
  make: (provider: (endpoint: E) => Provider) => ConformanceBackend,
): Promise<{ backend: ConformanceBackend; ctx: TestContext; endpoint: E; endpoints: E[] }> {
  const endpoints: E[] = [];
  const backend = make((endpoint) => {
    endpoints.push(endpoint);
    return stubProvider();
  });
  const ctx = await context();
  await started(backend, ctx);
  backend.provider();
  return { backend, ctx, endpoint: endpoints[0]!, endpoints };
}

function aapBackend(options: Partial<Parameters<typeof aapSimulatorBackend>[0]> = {}) {
  return startedBackend<AapBackendEndpoint>((provider) =>
    aapSimulatorBackend({ provider, ...options }),
  );
}

describe("aapSimulatorBackend", () => {
  it("starts an AAP simulator with the conventional templates and hands the provider its URL and token", async () => {
    const { backend, endpoint } = await aapBackend();
    expect(backend.name).toBe("AAP simulator");
    expect(backend.controls).toEqual({
      failures: true,
      neverFinishes: true,
      purge: true,
      rateLimit: true,
      transientFailure: true,
    });
    expect(backend.secrets).toEqual(["sim-token"]);
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoint.token).toBe("sim-token");
    expect(backend.provider().name).toBe("stub");
    const list = await call(endpoint.url, endpoint.token, "job_templates/?order_by=name");
    const templates = list.json.results as Record<string, unknown>[];
    expect(templates.map((t) => [t.name, t.allow_simultaneous, t.ask_variables_on_launch])).toEqual(
      [
        ["create-widget", true, true],
        ["delete-widget", true, true],
      ],
    );
  });

  it("maps the ledger: operation, version and correlation id from the payload annotations", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    const t0 = ctx.clock.now();
    const provision = await launch(
      endpoint,
      "create-widget",
      eventVars(payload("w-1", "provision", "c-1", "v1")),
    );
    expect(provision.status).toBe(201);
    ctx.clock.advance(1000);
    const deprovision = await launch(
      endpoint,
      "delete-widget",
      eventVars(payload("w-1", "deprovision", "c-2")),
    );
    expect(deprovision.status).toBe(201);
    expect(backend.ledger()).toEqual([
      {
        id: String(provision.json.id),
        resourceKey: "default/w-1",
        operation: "provision",
        configVersion: "v1",
        correlationId: "c-1",
        createdAt: t0,
      },
      {
        id: String(deprovision.json.id),
        resourceKey: "default/w-1",
        operation: "deprovision",
        correlationId: "c-2",
        createdAt: t0 + 1000,
      },
    ]);
    // The simulator's own timings: 500 pending + 500 waiting + 5000 running.
    ctx.clock.advance(5000);
    const [first, second] = backend.ledger();
    expect(first).toMatchObject({ outcome: "succeeded", finishedAt: t0 + 6000 });
    expect(second?.outcome).toBeUndefined();
    expect(second?.finishedAt).toBeUndefined();
    ctx.clock.advance(1000);
    expect(backend.ledger()[1]).toMatchObject({ outcome: "succeeded", finishedAt: t0 + 7000 });
  });

  it("falls back to AapProvider's provisionkit vars, then to the template", async () => {
    const { backend, endpoint } = await aapBackend();
    const own = {
      provisionkit: {
        operation: "provision",
        correlation_id: "c-own",
        config_version: "v-own",
        resource: { key: "ns/w-own" },
      },
    };
    await launch(endpoint, "create-widget", own);
    await launch(endpoint, "delete-widget", {});
    await launch(endpoint, "create-widget", {});
    const ledger = backend.ledger();
    expect(ledger[0]).toMatchObject({
      resourceKey: "ns/w-own",
      operation: "provision",
      correlationId: "c-own",
      configVersion: "v-own",
    });
    expect(ledger[1]).toMatchObject({ resourceKey: "", operation: "deprovision" });
    expect(ledger[1]?.correlationId).toBeUndefined();
    expect(ledger[2]).toMatchObject({ operation: "provision" });
  });

  it("scriptNext: outcome and duration from creation to the end, per operation", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    backend.scriptNext("provision", { outcome: "failed", durationMs: 2000 });
    backend.scriptNext("deprovision", { durationMs: 300 });
    const start = ctx.clock.now();
    await launch(endpoint, "create-widget", eventVars(payload("w", "provision", "c-1", "v1")));
    await launch(endpoint, "delete-widget", eventVars(payload("w", "deprovision", "c-2")));
    ctx.clock.advance(299);
    expect(backend.ledger().map((j) => j.outcome)).toEqual([undefined, undefined]);
    ctx.clock.advance(1);
    expect(backend.ledger().map((j) => j.outcome)).toEqual([undefined, "succeeded"]);
    ctx.clock.advance(1699);
    expect(backend.ledger()[0]?.outcome).toBeUndefined();
    ctx.clock.advance(1);
    expect(backend.ledger()[0]).toMatchObject({ outcome: "failed", finishedAt: start + 2000 });
    // Consumed: the next provision has the simulator's own timings again.
    await launch(endpoint, "create-widget", eventVars(payload("w", "provision", "c-3", "v2")));
    ctx.clock.advance(2000);
    expect(backend.ledger()[2]?.outcome).toBeUndefined();
  });

  it("scriptNext neverFinishes: only a cancel ends the job", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    backend.scriptNext("provision", { neverFinishes: true });
    const launched = await launch(
      endpoint,
      "create-widget",
      eventVars(payload("w", "provision", "c-1", "v1")),
    );
    ctx.clock.advance(24 * 3600_000);
    const job = await call(endpoint.url, endpoint.token, `jobs/${String(launched.json.id)}/`);
    expect(job.json.status).toBe("running");
    const cancelAt = ctx.clock.now();
    const cancel = await call(
      endpoint.url,
      endpoint.token,
      `jobs/${String(launched.json.id)}/cancel/`,
      {},
    );
    expect(cancel.status).toBe(202);
    expect(backend.ledger()[0]).toMatchObject({ cancelRequestedAt: cancelAt });
    expect(backend.ledger()[0]?.outcome).toBeUndefined();
    ctx.clock.advance(1000);
    expect(backend.ledger()[0]).toMatchObject({ outcome: "canceled", finishedAt: cancelAt + 1000 });
  });

  it("purge: the job answers 404 and the ledger says when", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    const launched = await launch(
      endpoint,
      "create-widget",
      eventVars(payload("w", "provision", "c", "v")),
    );
    ctx.clock.advance(10);
    const [job] = backend.ledger();
    backend.purge!(job!);
    expect(backend.ledger()[0]?.purgedAt).toBe(ctx.clock.now());
    const read = await call(endpoint.url, endpoint.token, `jobs/${String(launched.json.id)}/`);
    expect(read.status).toBe(404);
  });

  it("rateLimitNext: the next n launches answer 429 with Retry-After, nothing is launched", async () => {
    const { backend, endpoint } = await aapBackend();
    backend.rateLimitNext!(2, 1500);
    const vars = eventVars(payload("w", "provision", "c", "v"));
    // Reads are not rate limited.
    expect((await call(endpoint.url, endpoint.token, "job_templates/")).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const answer = await launch(endpoint, "create-widget", vars);
      expect(answer.status).toBe(429);
      expect(answer.headers.get("retry-after")).toBe("2");
    }
    expect(backend.ledger()).toEqual([]);
    expect((await launch(endpoint, "create-widget", vars)).status).toBe(201);
    expect(backend.ledger()).toHaveLength(1);
    backend.rateLimitNext!(0, 1000);
    expect((await launch(endpoint, "create-widget", vars)).status).toBe(201);
    expect(() => backend.rateLimitNext!(-1, 1000)).toThrow(RangeError);
  });

  it("failNext: the next n requests of any kind answer 503", async () => {
    const { backend, endpoint } = await aapBackend();
    backend.failNext!(2);
    expect((await call(endpoint.url, endpoint.token, "job_templates/")).status).toBe(503);
    const vars = eventVars(payload("w", "provision", "c", "v"));
    expect((await launch(endpoint, "create-widget", vars)).status).toBe(503);
    expect(backend.ledger()).toEqual([]);
    expect((await launch(endpoint, "create-widget", vars)).status).toBe(201);
  });

  it("workflow templates and custom template names", async () => {
    const { backend, ctx, endpoint } = await aapBackend({
      workflow: true,
      templates: { provision: "build", deprovision: "teardown" },
    });
    expect(backend.name).toBe("AAP simulator (workflows)");
    const list = await call(endpoint.url, endpoint.token, "workflow_job_templates/?order_by=name");
    expect((list.json.results as { name: string }[]).map((t) => t.name)).toEqual([
      "build",
      "teardown",
    ]);
    backend.scriptNext("deprovision", { durationMs: 1000 });
    const vars = eventVars(payload("w", "deprovision", "c"));
    expect((await launch(endpoint, "teardown", vars, "workflow_job_templates")).status).toBe(201);
    ctx.clock.advance(999);
    expect(backend.ledger()[0]?.outcome).toBeUndefined();
    ctx.clock.advance(1);
    expect(backend.ledger()[0]).toMatchObject({ operation: "deprovision", outcome: "succeeded" });
  });

  it("stop is idempotent; the ledger stays readable; start again begins afresh", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    await launch(endpoint, "create-widget", eventVars(payload("w", "provision", "c", "v")));
    await backend.stop();
    await backend.stop();
    expect(() => backend.provider()).toThrow(/not started/);
    expect(backend.ledger()).toHaveLength(1);
    await backend.start(ctx);
    await expect(backend.start(ctx)).rejects.toThrow(/already started/);
    expect(backend.ledger()).toEqual([]);
    await backend.stop();
  });

  it("needs a provider factory", () => {
    expect(() => aapSimulatorBackend({} as Parameters<typeof aapSimulatorBackend>[0])).toThrow(
      TypeError,
    );
  });
});

function edaBackend(options: Partial<Parameters<typeof edaSimulatorBackend>[0]> = {}) {
  return startedBackend<EdaBackendEndpoint>((provider) =>
    edaSimulatorBackend({ provider, ...options }),
  );
}

/** Posts an event as EdaProvider does: HMAC-SHA256 of the raw body, hex, X-Hub-Signature-256. */
async function sendEvent(
  endpoint: EdaBackendEndpoint,
  path: string,
  body: Record<string, unknown>,
  sign = true,
): Promise<Response> {
  const text = JSON.stringify(body);
  const signature = createHmac("sha256", endpoint.hmacSecret).update(text).digest("hex");
  return fetch(`${endpoint.webhookUrl}/${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(sign ? { "X-Hub-Signature-256": signature } : {}),
    },
    body: text,
  });
}

function widget(name: string) {
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name, namespace: "default" },
    spec: { size: 1 },
  };
}

const ref = (name: string) => ({ ...WIDGET, namespace: "default", name });

describe("edaSimulatorBackend", () => {
  it("hands the provider the webhook, the HMAC secret and the AAP endpoint", async () => {
    const { backend, endpoint } = await edaBackend();
    expect(backend.name).toBe("EDA simulator");
    expect(endpoint.webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoint.aap.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoint.aap.token).toBe("sim-token");
    expect(endpoint.hmacSecret.length).toBeGreaterThan(16);
    expect(backend.secrets).toEqual([endpoint.hmacSecret, "sim-token"]);
    expect(Object.values(backend.controls).every(Boolean)).toBe(true);
    // Unsigned events are refused by the webhook's HMAC check.
    expect((await sendEvent(endpoint, "create-widget", {}, false)).status).toBe(400);
  });

  it("a signed event launches on settle, shows in the ledger, and the playbook writes back", async () => {
    const { backend, ctx, endpoint } = await edaBackend();
    ctx.kube.createObject(widget("w-1"));
    backend.scriptNext("provision", { durationMs: 1000 });
    const sent = await sendEvent(
      endpoint,
      "create-widget",
      payload("w-1", "provision", "c-1", "v1"),
    );
    expect(sent.status).toBe(200);
    expect(backend.ledger()).toEqual([]);
    await backend.settle!();
    const launchedAt = ctx.clock.now();
    expect(backend.ledger()).toEqual([
      {
        id: expect.any(String) as unknown,
        resourceKey: "default/w-1",
        operation: "provision",
        configVersion: "v1",
        correlationId: "c-1",
        createdAt: launchedAt,
      },
    ]);
    ctx.clock.advance(1000);
    await backend.settle!();
    expect(backend.ledger()[0]).toMatchObject({
      outcome: "succeeded",
      finishedAt: launchedAt + 1000,
    });
    const object = ctx.kube.getObject(ref("w-1"));
    expect(object?.metadata.finalizers).toEqual(["provisionkit.io/aap"]);
    expect(object?.metadata.annotations).toMatchObject({
      "provisionkit.io/applied-config-version": "v1",
      "provisionkit.io/applied-correlation-id": "c-1",
    });

    backend.scriptNext("deprovision", { durationMs: 500 });
    await sendEvent(endpoint, "delete-widget", payload("w-1", "deprovision", "c-2"));
    await backend.settle!();
    ctx.clock.advance(500);
    await backend.settle!();
    expect(backend.ledger()[1]).toMatchObject({
      operation: "deprovision",
      correlationId: "c-2",
      outcome: "succeeded",
    });
    const after = ctx.kube.getObject(ref("w-1"));
    expect(after?.metadata.finalizers ?? []).toEqual([]);
    expect(after?.metadata.annotations?.["provisionkit.io/applied-correlation-id"]).toBe("c-2");
  });

  it("a scripted failure writes the failure annotation; purge is the AAP purge", async () => {
    const { backend, ctx, endpoint } = await edaBackend();
    ctx.kube.createObject(widget("w-2"));
    backend.scriptNext("provision", { outcome: "failed", durationMs: 200 });
    await sendEvent(endpoint, "create-widget", payload("w-2", "provision", "c-9", "v1"));
    await backend.settle!();
    ctx.clock.advance(200);
    await backend.settle!();
    const [job] = backend.ledger();
    expect(job).toMatchObject({ outcome: "failed" });
    const failure = ctx.kube.getObject(ref("w-2"))?.metadata.annotations?.[
      "provisionkit.io/playbook-failure"
    ];
    expect(JSON.parse(failure ?? "{}")).toMatchObject({
      correlationId: "c-9",
      operation: "provision",
    });
    backend.purge!(job!);
    expect(backend.ledger()[0]?.purgedAt).toBe(ctx.clock.now());
    const read = await call(endpoint.aap.url, endpoint.aap.token, `jobs/${job!.id}/`);
    expect(read.status).toBe(404);
  });

  it("rateLimitNext and failNext answer the next events with 429 (Retry-After) and 503", async () => {
    const { backend, endpoint } = await edaBackend();
    const event = payload("w", "provision", "c", "v1");
    backend.rateLimitNext!(2, 2500);
    for (let i = 0; i < 2; i++) {
      const answer = await sendEvent(endpoint, "create-widget", event);
      expect(answer.status).toBe(429);
      expect(answer.headers.get("retry-after")).toBe("3");
    }
    backend.failNext!(1);
    expect((await sendEvent(endpoint, "delete-widget", event)).status).toBe(503);
    await backend.settle!();
    expect(backend.ledger()).toEqual([]);
    expect((await sendEvent(endpoint, "create-widget", event)).status).toBe(200);
    await backend.settle!();
    expect(backend.ledger()).toHaveLength(1);
  });

  it("stop is idempotent; settle after stop does nothing", async () => {
    const { backend, ctx } = await edaBackend({ eda: { eventLatencyMs: 10 } });
    await backend.stop();
    await backend.stop();
    await backend.settle!();
    expect(() => backend.provider()).toThrow(/not started/);
    await backend.start(ctx);
    await backend.stop();
  });
});
