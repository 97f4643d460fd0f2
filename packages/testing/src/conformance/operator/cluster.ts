/**
 * The Kubernetes API of one operator scenario, reached over HTTP with client-node exactly as
 * a user (kubectl) would: a fresh {@link KubernetesApiSimulator}, or the cluster the caller
 * named (a real API server). The suite writes objects through it and cleans up after itself.
 *
 * @module
 */
import type { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import type { KubeFaults } from "../../kubernetes/fault-types.js";
import { KubernetesApiSimulator } from "../../kubernetes/simulator.js";
import type { CrdDefinition, KubeObject } from "../../kubernetes/types.js";
import { loadKubeConfig } from "./kubeconfig.js";
import type { OperatorCluster } from "./types.js";

/** The namespace of the scenario objects unless the caller names one. */
export const DEFAULT_NAMESPACE = "conformance";

/** How long the cleanup waits for the scenario's objects to go, ms. */
const CLEANUP_MS = 5_000;

/** Attempts of a user-side write that the API answered 429 or 5xx (a soak's faults). */
const WRITE_ATTEMPTS = 30;

/** A connection the API server refused or broke (`ECONNREFUSED`, `ECONNRESET`): it restarts. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code;
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return [code, cause].some((c) => c === "ECONNREFUSED" || c === "ECONNRESET");
}

/**
 * A 404 that names no object: the API server does not serve the resource at all (yet). A
 * restarted apiextensions-apiserver answers so for a custom resource until its CRD handler is
 * back (a Status with empty `details`, or before that the plain text "404 page not found");
 * an object that is not there is a 404 whose
 * `details` name it (k8s.io/apimachinery `errors.NewNotFound`). Seen on the real tier: a
 * deletion answered this way read as "already gone" and the object was never deleted.
 */
function isUnservedResource(error: unknown): boolean {
  if (statusOf(error) !== 404) return false;
  const body = (error as { body?: unknown } | undefined)?.body;
  let status: unknown = body;
  if (typeof body === "string") {
    try {
      status = JSON.parse(body) as unknown;
    } catch {
      // Not a Status at all: the Go mux's "404 page not found" of a path the restarted
      // server has not registered yet (seen on the real tier).
      return true;
    }
  }
  const details = (status as { details?: { name?: unknown } } | undefined)?.details;
  return typeof status === "object" && status !== null && details?.name === undefined;
}

/**
 * Runs a user-side write again while the API answers 429 or 5xx, or a 404 for a resource it
 * does not serve yet ({@link isUnservedResource}), or refuses connections, as
 * kubectl's user would (the soak injects such faults, and may restart a real API server; the
 * simulator answers its faults unprocessed, so a retry is safe), a little longer each time.
 */
async function retried<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const status = statusOf(error);
      const transient =
        status === 429 ||
        (status !== undefined && status >= 500) ||
        isUnservedResource(error) ||
        isConnectionError(error);
      if (!transient || attempt >= WRITE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}

/** An error of the Kubernetes API as client-node throws it (`code` is the HTTP status). */
function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}

/** The scenario's Kubernetes API: where it is, and the user-side writes the scenarios make. */
export class ScenarioCluster {
  private constructor(
    /** Kubeconfig text of the API (its current context; the namespace is set separately). */
    readonly kubeconfigText: string,
    /** The namespace of the scenario objects. */
    readonly namespace: string,
    /** Which API: `simulator` or `cluster`. */
    readonly kind: "simulator" | "cluster",
    readonly crd: CrdDefinition,
    private readonly api: CustomObjectsApi,
    private readonly simulator: KubernetesApiSimulator | undefined,
  ) {}

  /**
   * A fresh simulator serving `crd`, or the caller's cluster (checked: the CRD is served and
   * the namespace holds none of its objects).
   *
   * @throws Error naming the CRD or the objects in the way.
   */
  static async open(crd: CrdDefinition, cluster?: OperatorCluster): Promise<ScenarioCluster> {
    const namespace = cluster?.namespace ?? DEFAULT_NAMESPACE;
    let simulator: KubernetesApiSimulator | undefined;
    let text: string;
    if (cluster) text = cluster.kubeconfig;
    else {
      simulator = new KubernetesApiSimulator({ crds: [{ ...crd, statusSubresource: true }] });
      await simulator.start();
      text = simulator.kubeconfig();
    }
    try {
      const config = await loadKubeConfig(text, namespace);
      const { CustomObjectsApi } = await import("@kubernetes/client-node");
      const api = config.makeApiClient(CustomObjectsApi);
      const opened = new ScenarioCluster(
        text,
        namespace,
        cluster ? "cluster" : "simulator",
        crd,
        api,
        simulator,
      );
      if (cluster) await opened.#assertUsable();
      return opened;
    } catch (error) {
      await simulator?.stop();
      throw error;
    }
  }

  /** The simulator's fault injection (`undefined` on a caller's cluster). */
  get faults(): KubeFaults | undefined {
    return this.simulator?.faults;
  }

  /** Whether the CRD is namespaced. */
  get namespaced(): boolean {
    return (this.crd.scope ?? "Namespaced") === "Namespaced";
  }

  /** A client-node `KubeConfig` whose current context uses the scenario namespace. */
  kubeConfig(): Promise<KubeConfig> {
    return loadKubeConfig(this.kubeconfigText, this.namespace);
  }

  /** The key of an object, as the ledger has it (`namespace/name`, or `name` cluster-scoped). */
  key(name: string): string {
    return this.namespaced ? `${this.namespace}/${name}` : name;
  }

  /** Create an object with this spec. */
  async create(name: string, spec: Record<string, unknown>): Promise<void> {
    const { group, version, kind } = this.crd;
    const metadata: Record<string, string> = { name };
    if (this.namespaced) metadata.namespace = this.namespace;
    const body = { apiVersion: `${group}/${version}`, kind, metadata, spec };
    let attempts = 0;
    await retried(async () => {
      attempts++;
      try {
        if (this.namespaced) {
          await this.api.createNamespacedCustomObject({ ...this.#base(), body });
        } else await this.api.createClusterCustomObject({ ...this.#base(), body });
      } catch (error) {
        // An earlier attempt whose connection broke was carried out: the object is there.
        if (!(attempts > 1 && statusOf(error) === 409)) throw error;
      }
    });
  }

  /** Replace an object's spec (read, then replace with its resourceVersion; 409s retried). */
  async replaceSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.#update(name, (object) => {
      object.spec = spec;
    });
  }

  /** Ask for an object's deletion (404 ignored). */
  async delete(name: string): Promise<void> {
    try {
      await retried(async () => {
        if (this.namespaced) {
          await this.api.deleteNamespacedCustomObject({ ...this.#base(), name });
        } else await this.api.deleteClusterCustomObject({ ...this.#base(), name });
      });
    } catch (error) {
      // Gone already is done; a resource the server does not serve is not.
      if (statusOf(error) !== 404 || isUnservedResource(error)) throw error;
    }
  }

  /** Every object of the CRD in the scenario namespace (or cluster-wide, cluster-scoped). */
  async list(): Promise<KubeObject[]> {
    return (await this.listWithVersion()).items;
  }

  /** {@link list} with the list's resourceVersion (to watch from). */
  async listWithVersion(): Promise<{
    items: KubeObject[];
    metadata: { resourceVersion?: string };
  }> {
    const list = (
      this.namespaced
        ? await this.api.listNamespacedCustomObject(this.#base())
        : await this.api.listClusterCustomObject(this.#base())
    ) as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
    return { items: list.items ?? [], metadata: { ...list.metadata } };
  }

  /**
   * Delete every object of the CRD in the namespace, removing all finalizers (the operator is
   * stopped by now), and wait until they are gone.
   *
   * @throws Error naming what is still there after {@link CLEANUP_MS}.
   */
  async cleanup(): Promise<void> {
    const deadline = Date.now() + CLEANUP_MS;
    for (;;) {
      const left = await this.list();
      if (left.length === 0) return;
      if (Date.now() >= deadline) {
        throw new Error(
          `operator conformance: could not remove ${left.map((o) => o.metadata.name).join(", ")} from ${this.namespace}`,
        );
      }
      for (const object of left) {
        const name = object.metadata.name;
        if (object.metadata.finalizers?.length) {
          await this.#update(name, (o) => {
            o.metadata.finalizers = [];
          }).catch((error: unknown) => {
            if (statusOf(error) !== 404) throw error;
          });
        }
        await this.delete(name);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stop the simulator (if the scenario started one). */
  async stop(): Promise<void> {
    await this.simulator?.stop();
  }

  async #update(name: string, change: (object: KubeObject) => void): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const params = { ...this.#base(), name };
      const object = (await retried(() =>
        this.namespaced
          ? this.api.getNamespacedCustomObject(params)
          : this.api.getClusterCustomObject(params),
      )) as KubeObject;
      change(object);
      try {
        await retried(async () => {
          if (this.namespaced) {
            await this.api.replaceNamespacedCustomObject({ ...params, body: object });
          } else await this.api.replaceClusterCustomObject({ ...params, body: object });
        });
        return;
      } catch (error) {
        if (statusOf(error) !== 409 || attempt >= 20) throw error;
      }
    }
  }

  async #assertUsable(): Promise<void> {
    const { plural, group, version } = this.crd;
    let objects: KubeObject[];
    try {
      objects = await this.list();
    } catch (error) {
      const status = statusOf(error);
      throw new Error(
        status === 404
          ? `operator conformance: the cluster does not serve ${plural}.${group}/${version}; install the CRD first`
          : `operator conformance: cannot list ${plural}.${group} in ${this.namespace}: ${status ?? (error instanceof Error ? error.message.split("\n")[0] : String(error))}`,
        { cause: error },
      );
    }
    if (objects.length > 0) {
      throw new Error(
        `operator conformance: namespace ${this.namespace} already holds ${plural}.${group} ${objects
          .map((o) => o.metadata.name)
          .join(", ")}; the operator under test would reconcile them: use a namespace of its own`,
      );
    }
  }

  #base(): { group: string; version: string; plural: string; namespace: string } {
    const { group, version, plural } = this.crd;
    return { group, version, plural, namespace: this.namespace };
  }
}
