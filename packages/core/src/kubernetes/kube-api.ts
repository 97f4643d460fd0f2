import {
  CoreV1Api,
  type Configuration,
  type CoreV1Event,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from "@kubernetes/client-node";
import type { ResourceObject } from "../resource.js";
import type { KubeRequestLabels } from "./metrics.js";
import type { CustomResourceRef } from "./resource-ref.js";
import { type SharedAgentAuthentication, sharedAgentConfiguration } from "./shared-agent.js";

/** A custom object as the runtime handles it. */
export type CustomObject = ResourceObject & KubernetesObject;

/** An HTTP failure from the Kubernetes API, with the status code (0 for network errors). */
export class KubeApiError extends Error {
  /**
   * @param status - HTTP status, 0 when no answer came.
   * @param reason - the Status `reason` (Conflict, NotFound…), when the server sent one.
   * @param message - what happened.
   */
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

/** Translate a client-node failure into a {@link KubeApiError} without request details. */
export function toKubeError(error: unknown, what: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  const record = error as { code?: unknown; body?: unknown; message?: unknown };
  const status = typeof record?.code === "number" ? record.code : 0;
  let reason: string | undefined;
  let detail = "";
  const body: unknown =
    typeof record?.body === "string" ? safeParse(record.body) : (record?.body ?? undefined);
  if (typeof body === "object" && body !== null) {
    const b = body as { reason?: unknown; message?: unknown };
    if (typeof b.reason === "string") reason = b.reason;
    if (typeof b.message === "string") detail = b.message;
  }
  if (!detail && status === 0 && typeof record?.message === "string") {
    detail = record.message.split("\n")[0] ?? "";
  }
  return new KubeApiError(status, reason, `${what}: ${status || "no answer"} ${detail}`.trim());
}

/** The `host:port` of a server URL (the URL itself when it does not parse). */
function hostOf(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/**
 * The calls the controller makes for one custom resource, on client-node's
 * `CustomObjectsApi` and `CoreV1Api`. Every write that must not overwrite a newer object
 * carries the resourceVersion it was computed from (409 otherwise).
 */
export class KubeApi {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly auth: SharedAgentAuthentication;
  /** The API server's `host:port` (the `host` of request metrics). */
  private readonly host: string;
  /**
   * The client-node configuration of these calls (server, authentication, the shared
   * keep-alive agent), for other API clients of the controller (the Leases of leader
   * election and sharding).
   */
  readonly configuration: Configuration;

  /**
   * @param kubeConfig - where the API server is and how to authenticate.
   * @param ref - the custom resource.
   * @param onRequest - told of every request when it ends: verb, HTTP method, status code
   *   (`"<error>"` when no answer came) and latency in ms (the metrics hook `apiRequest`).
   * @param requestTimeoutMs - how long a request may receive nothing before it fails as
   *   unanswered (`NodeHttpLibrary`'s `timeoutMs`; client-node 1.x).
   */
  constructor(
    kubeConfig: KubeConfig,
    private readonly ref: CustomResourceRef,
    private readonly onRequest?: (labels: KubeRequestLabels, durationMs: number) => void,
    requestTimeoutMs?: number,
  ) {
    const { configuration, auth, server } = sharedAgentConfiguration(
      kubeConfig,
      requestTimeoutMs === undefined ? {} : { timeoutMs: requestTimeoutMs },
    );
    this.host = hostOf(server);
    this.auth = auth;
    this.configuration = configuration;
    this.custom = new CustomObjectsApi(configuration);
    this.core = new CoreV1Api(configuration);
  }

  /** Close the kept-alive connections; a later request opens new ones. */
  close(): void {
    this.auth.close();
  }

  private get namespaced(): boolean {
    return this.ref.namespaced !== false;
  }

  /**
   * Run one request made with a client-node `…WithHttpInfo` method, reporting it to
   * `onRequest` with the status code the server really sent (client-node's ApiException
   * carries it as `code` on a failure; no code means no answer came).
   */
  private async measure<T>(
    labels: Omit<KubeRequestLabels, "code" | "host">,
    call: () => Promise<{ httpStatusCode: number; data: T }>,
  ): Promise<T> {
    if (!this.onRequest) return (await call()).data;
    const started = performance.now();
    let code = "<error>";
    try {
      const answer = await call();
      code = String(answer.httpStatusCode);
      return answer.data;
    } catch (error) {
      const status = (error as { code?: unknown } | undefined)?.code;
      if (typeof status === "number") code = String(status);
      throw error;
    } finally {
      try {
        this.onRequest({ ...labels, code, host: this.host }, performance.now() - started);
      } catch {
        // A metrics hook must not throw; if it does, the request's outcome stands.
      }
    }
  }

  /** List the objects (for the informer). */
  async list(): Promise<KubernetesListObject<CustomObject>> {
    const { group, version, plural } = this.ref;
    try {
      const namespace = this.namespaced ? this.ref.namespace : undefined;
      const list: unknown = await this.measure(
        { verb: "list", method: "GET", subresource: "" },
        () =>
          namespace
            ? this.custom.listNamespacedCustomObjectWithHttpInfo({
                group,
                version,
                plural,
                namespace,
              })
            : this.custom.listClusterCustomObjectWithHttpInfo({ group, version, plural }),
      );
      return list as KubernetesListObject<CustomObject>;
    } catch (error) {
      throw toKubeError(error, `listing ${plural}.${group}`);
    }
  }

  /** Read one object; `undefined` when it does not exist. */
  async get(namespace: string | undefined, name: string): Promise<CustomObject | undefined> {
    const { group, version, plural } = this.ref;
    try {
      const object: unknown = await this.measure(
        { verb: "get", method: "GET", subresource: "" },
        () =>
          this.namespaced && namespace
            ? this.custom.getNamespacedCustomObjectWithHttpInfo({
                group,
                version,
                plural,
                namespace,
                name,
              })
            : this.custom.getClusterCustomObjectWithHttpInfo({ group, version, plural, name }),
      );
      return object as CustomObject;
    } catch (error) {
      const failure = toKubeError(error, `reading ${plural}.${group} ${name}`);
      if (failure.status === 404) return undefined;
      throw failure;
    }
  }

  /**
   * Replace the object's status through the status subresource. The body carries the
   * object's resourceVersion, so a stale write answers 409. It carries no spec: the API
   * server takes only `status` from a status write and keeps the rest as stored
   * (k8s.io/apiextensions-apiserver pkg/registry/customresource/status_strategy.go,
   * `PrepareForUpdate`), so a large or deeply nested spec is never sent back with every
   * status write.
   */
  async replaceStatus(
    object: CustomObject,
    status: Record<string, unknown>,
  ): Promise<CustomObject> {
    const { group, version, plural } = this.ref;
    const { name, namespace } = object.metadata;
    const body = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: object.metadata,
      status,
    };
    try {
      const updated: unknown = await this.measure(
        { verb: "update", method: "PUT", subresource: "status" },
        () =>
          this.namespaced && namespace
            ? this.custom.replaceNamespacedCustomObjectStatusWithHttpInfo({
                group,
                version,
                plural,
                namespace,
                name,
                body,
              })
            : this.custom.replaceClusterCustomObjectStatusWithHttpInfo({
                group,
                version,
                plural,
                name,
                body,
              }),
      );
      return updated as CustomObject;
    } catch (error) {
      throw toKubeError(error, `writing the status of ${plural}.${group} ${name}`);
    }
  }

  /**
   * Set the object's finalizers with a merge patch that carries its resourceVersion as a
   * precondition (409 when the object changed since it was read).
   */
  async setFinalizers(object: CustomObject, finalizers: string[]): Promise<CustomObject> {
    const { group, version, plural } = this.ref;
    const { name, namespace, resourceVersion } = object.metadata;
    const body = { metadata: { finalizers, resourceVersion } };
    try {
      const updated: unknown = await this.measure(
        { verb: "patch", method: "PATCH", subresource: "" },
        () =>
          this.namespaced && namespace
            ? this.custom.patchNamespacedCustomObjectWithHttpInfo(
                { group, version, plural, namespace, name, body },
                mergePatch,
              )
            : this.custom.patchClusterCustomObjectWithHttpInfo(
                { group, version, plural, name, body },
                mergePatch,
              ),
      );
      return updated as CustomObject;
    } catch (error) {
      throw toKubeError(error, `updating the finalizers of ${plural}.${group} ${name}`);
    }
  }

  /** Create a core/v1 Event. */
  async createEvent(namespace: string, body: CoreV1Event): Promise<void> {
    try {
      await this.measure({ verb: "create", method: "POST", subresource: "events" }, () =>
        this.core.createNamespacedEventWithHttpInfo({ namespace, body }),
      );
    } catch (error) {
      throw toKubeError(error, "recording an event");
    }
  }
}
