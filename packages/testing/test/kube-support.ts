import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from "@kubernetes/client-node";
import { afterEach, beforeEach } from "vitest";
import {
  KubernetesApiSimulator,
  type CrdDefinition,
  type KubeObject,
  type KubernetesApiSimulatorOptions,
  type KubeStatus,
} from "@provisionkit/testing";

export const GROUP = "example.com";
/** A namespaced CRD with the status subresource. */
export const VM: CrdDefinition = {
  group: GROUP,
  version: "v1",
  plural: "computeinstances",
  kind: "ComputeInstance",
};
/** A cluster-scoped CRD. */
export const NET: CrdDefinition = {
  group: GROUP,
  version: "v1",
  plural: "networks",
  kind: "Network",
  scope: "Cluster",
};
/** A CRD without the status subresource, in another group and version. */
export const PLAIN: CrdDefinition = {
  group: "plain.example.com",
  version: "v1alpha1",
  plural: "widgets",
  kind: "Widget",
  statusSubresource: false,
};

export const VM_PATH = "/apis/example.com/v1/namespaces/default/computeinstances";

/** Merge-patch content type for client-node 1.x patch calls. */
export const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
export const STRATEGIC = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);

export interface Harness {
  sim: KubernetesApiSimulator;
  url: string;
  kc: KubeConfig;
  api: CustomObjectsApi;
  core: CoreV1Api;
  vms: Vms;
}

/** Starts a simulator with VM, NET and PLAIN registered, and a client-node config for it. */
export async function startHarness(options: KubernetesApiSimulatorOptions = {}): Promise<Harness> {
  const sim = new KubernetesApiSimulator({ crds: [VM, NET, PLAIN], ...options });
  const url = await sim.start();
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  const api = kc.makeApiClient(CustomObjectsApi);
  return { sim, url, kc, api, core: kc.makeApiClient(CoreV1Api), vms: new Vms(api) };
}

/**
 * Starts a harness before each test of the file (with the simulator options `options()`
 * returns, e.g. a fresh clock) and stops it after the test. The returned object is the
 * current test's harness.
 */
export function withKube(options: () => KubernetesApiSimulatorOptions = () => ({})): Harness {
  const harness = {} as Harness;
  beforeEach(async () => {
    Object.assign(harness, await startHarness(options()));
  });
  afterEach(() => harness.sim.stop());
  return harness;
}

/** A ComputeInstance body. */
export function vm(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { metadata, ...rest } = extra;
  return {
    apiVersion: "example.com/v1",
    kind: "ComputeInstance",
    metadata: { name, ...(metadata as Record<string, unknown> | undefined) },
    spec: { size: "small" },
    ...rest,
  };
}

/** Typed client-node calls on ComputeInstances in one namespace. */
export class Vms {
  readonly #api: CustomObjectsApi;
  readonly #base: { group: string; version: string; plural: string; namespace: string };

  constructor(api: CustomObjectsApi, namespace = "default") {
    this.#api = api;
    this.#base = { group: GROUP, version: "v1", plural: "computeinstances", namespace };
  }

  /** The same calls in another namespace. */
  inNamespace(namespace: string): Vms {
    return new Vms(this.#api, namespace);
  }

  /** Lists ComputeInstances of every namespace (the cluster-wide path). */
  listAllNamespaces(query: { fieldSelector?: string } = {}) {
    const { group, version, plural } = this.#base;
    return this.#api.listCustomObjectForAllNamespaces({
      group,
      version,
      plural,
      ...query,
    }) as Promise<KubeListBody>;
  }

  create(body: Record<string, unknown>, extra: { dryRun?: string; fieldManager?: string } = {}) {
    return this.#api.createNamespacedCustomObject({
      ...this.#base,
      body,
      ...extra,
    }) as Promise<KubeObject>;
  }
  get(name: string) {
    return this.#api.getNamespacedCustomObject({ ...this.#base, name }) as Promise<KubeObject>;
  }
  getStatus(name: string) {
    return this.#api.getNamespacedCustomObjectStatus({
      ...this.#base,
      name,
    }) as Promise<KubeObject>;
  }
  list(
    query: {
      labelSelector?: string;
      fieldSelector?: string;
      limit?: number;
      _continue?: string;
    } = {},
  ) {
    return this.#api.listNamespacedCustomObject({
      ...this.#base,
      ...query,
    }) as Promise<KubeListBody>;
  }
  replace(name: string, body: unknown) {
    return this.#api.replaceNamespacedCustomObject({
      ...this.#base,
      name,
      body,
    }) as Promise<KubeObject>;
  }
  replaceStatus(name: string, body: unknown) {
    return this.#api.replaceNamespacedCustomObjectStatus({
      ...this.#base,
      name,
      body,
    }) as Promise<KubeObject>;
  }
  merge(name: string, body: unknown, fieldManager?: string) {
    return this.#api.patchNamespacedCustomObject(
      { ...this.#base, name, body, ...(fieldManager ? { fieldManager } : {}) },
      MERGE,
    ) as Promise<KubeObject>;
  }
  mergeStatus(name: string, body: unknown) {
    return this.#api.patchNamespacedCustomObjectStatus(
      { ...this.#base, name, body },
      MERGE,
    ) as Promise<KubeObject>;
  }
  /** JSON patch: client-node's default patch content type. */
  jsonPatch(name: string, ops: unknown[]) {
    return this.#api.patchNamespacedCustomObject({
      ...this.#base,
      name,
      body: ops,
    }) as Promise<KubeObject>;
  }
  delete(name: string, body?: { preconditions?: { uid?: string; resourceVersion?: string } }) {
    return this.#api.deleteNamespacedCustomObject({
      ...this.#base,
      name,
      ...(body ? { body } : {}),
    }) as Promise<KubeObject | KubeStatus>;
  }
}

export interface KubeListBody {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

/**
 * A `Failure` Status as the real API server writes it (`details` left out when undefined,
 * as on watch errors and 401s).
 */
export function failureStatus(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): KubeStatus {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

/**
 * The 422 `Invalid` Status of one field error, as the real API server writes it:
 * `<kind>.<group> "<name>" is invalid: <field>: <message>`, the error as the one cause.
 */
export function invalidStatus(
  object: { kind: string; group: string; name?: string },
  cause: { reason: string; field: string; message: string },
): { code: number; status: KubeStatus } {
  const { kind, group, name } = object;
  return {
    code: 422,
    status: failureStatus(
      422,
      "Invalid",
      `${kind}.${group} "${name ?? ""}" is invalid: ${cause.field}: ${cause.message}`,
      { ...(name === undefined ? {} : { name }), group, kind, causes: [cause] },
    ),
  };
}

/** The `details` of a Status about the ComputeInstance `name`. */
export function vmDetails(name = "vm-1"): Record<string, unknown> {
  return { name, group: GROUP, kind: "computeinstances" };
}

/** Awaits a call that must fail with an ApiException; returns its code and Status body. */
export async function failure(
  call: Promise<unknown>,
): Promise<{ code: number; status: KubeStatus }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      return { code: error.code, status: JSON.parse(String(error.body)) as KubeStatus };
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** A plain HTTP request (for what client-node cannot send). */
export async function raw(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; contentType?: string; token?: string } = {},
): Promise<RawReply> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["content-type"] = init.contentType ?? "application/json";
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(`${url}${path}`, {
    method: init.method ?? "GET",
    headers,
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export interface WatchLine {
  type: string;
  object: KubeObject & { code?: number; message?: string; reason?: string };
}

/** A client-node watch that records its events and lets tests await them. */
export class WatchRecorder {
  readonly events: WatchLine[] = [];
  /** Resolves with the done callback's argument when the stream ends. */
  readonly done: Promise<unknown>;
  #resolveDone!: (error: unknown) => void;
  #waiters: { until: (events: WatchLine[]) => boolean; resolve: () => void }[] = [];
  #controller: AbortController | undefined;

  private constructor() {
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  static async open(
    kc: KubeConfig,
    path: string,
    query: Record<string, string | number | boolean | undefined> = {},
  ): Promise<WatchRecorder> {
    const recorder = new WatchRecorder();
    recorder.#controller = await new Watch(kc).watch(
      path,
      query,
      (type: string, object: WatchLine["object"]) => recorder.#push({ type, object }),
      (error: unknown) => recorder.#resolveDone(error),
    );
    return recorder;
  }

  /** Resolves once the recorded events satisfy `until`. */
  until(until: (events: WatchLine[]) => boolean): Promise<void> {
    if (until(this.events)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ until, resolve }));
  }

  /** Resolves once `count` events arrived. */
  count(count: number): Promise<void> {
    return this.until((events) => events.length >= count);
  }

  /** The recorded event types, with object names (`TYPE name`). */
  summary(): string[] {
    return this.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`.trim());
  }

  abort(): void {
    this.#controller?.abort();
  }

  #push(line: WatchLine): void {
    this.events.push(line);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.until(this.events)) return true;
      waiter.resolve();
      return false;
    });
  }
}
