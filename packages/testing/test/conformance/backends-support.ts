/**
 * What the tests of the ready-made AAP and EDA conformance backends share: a Kubernetes API
 * simulator context, backends started around a stub provider factory, and requests made the
 * way the providers make them.
 */
import { createHmac } from "node:crypto";
import type { Provider } from "@provisionkit/core";
import { KubernetesApiSimulator, VirtualClock, type CrdDefinition } from "@provisionkit/testing";
import {
  aapSimulatorBackend,
  edaSimulatorBackend,
  type AapBackendEndpoint,
  type EdaBackendEndpoint,
} from "../../src/conformance/backends/index.js";
import type { BackendContext, ConformanceBackend } from "../../src/conformance/types.js";
import { payload as edaPayload } from "../eda-support.js";

export const WIDGET: CrdDefinition = {
  group: "example.com",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
};
const API = "/api/controller/v2/";

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

/** Stops what the last test started (call it in `afterEach`). */
export async function cleanup(): Promise<void> {
  for (const stop of cleanups.reverse()) await stop();
  cleanups = [];
}

export type TestContext = BackendContext & { clock: VirtualClock; kube: KubernetesApiSimulator };

export async function context(): Promise<TestContext> {
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

/** The payload both providers send: a Widget with the provisionkit annotations. */
export function payload(
  name: string,
  operation: "provision" | "deprovision",
  correlationId: string,
  version?: string,
) {
  return edaPayload(name, operation, correlationId, version, { kind: "Widget", spec: { size: 1 } });
}

export interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

export async function call(
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
export function launch(
  endpoint: AapBackendEndpoint,
  template: string,
  extraVars: Record<string, unknown>,
  kind: "job_templates" | "workflow_job_templates" = "job_templates",
): Promise<Answer> {
  const path = `${kind}/${template}++Default/launch/`;
  return call(endpoint.url, endpoint.token, path, { extra_vars: extraVars });
}

export function eventVars(body: Record<string, unknown>): Record<string, unknown> {
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

export function aapBackend(options: Partial<Parameters<typeof aapSimulatorBackend>[0]> = {}) {
  return startedBackend<AapBackendEndpoint>((provider) =>
    aapSimulatorBackend({ provider, ...options }),
  );
}

export function edaBackend(options: Partial<Parameters<typeof edaSimulatorBackend>[0]> = {}) {
  return startedBackend<EdaBackendEndpoint>((provider) =>
    edaSimulatorBackend({ provider, ...options }),
  );
}

/** Posts an event as EdaProvider does: HMAC-SHA256 of the raw body, hex, X-Hub-Signature-256. */
export async function sendEvent(
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

export function widget(name: string) {
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name, namespace: "default" },
    spec: { size: 1 },
  };
}

export const ref = (name: string) => ({ ...WIDGET, namespace: "default", name });
