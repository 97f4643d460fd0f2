/**
 * What a user does to ComputeInstances, through the Kubernetes API only (client-node's
 * `CustomObjectsApi` and `CoreV1Api`), as kubectl would: apply, patch, delete, get, list,
 * and read the events the operator recorded.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
} from "@kubernetes/client-node";
import { COMPUTE_INSTANCE, type ComputeInstance, type ComputeInstanceSpec } from "./operator.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 404;
}

/** kubectl for ComputeInstances in one namespace. */
export class Kubectl {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private eventsAvailable = true;

  constructor(
    kubeConfig: KubeConfig,
    readonly namespace = "default",
  ) {
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  private get path() {
    const { group, version, plural } = COMPUTE_INSTANCE;
    return { group, version, plural, namespace: this.namespace };
  }

  /** `kubectl create -f` of a ComputeInstance. */
  async create(name: string, spec: ComputeInstanceSpec): Promise<ComputeInstance> {
    const body: ComputeInstance = {
      apiVersion: `${COMPUTE_INSTANCE.group}/${COMPUTE_INSTANCE.version}`,
      kind: COMPUTE_INSTANCE.kind,
      metadata: { name, namespace: this.namespace },
      spec,
    };
    return (await this.custom.createNamespacedCustomObject({
      ...this.path,
      body,
    })) as ComputeInstance;
  }

  /** `kubectl patch --type merge -p '{"spec": …}'`. */
  async patchSpec(name: string, spec: Partial<ComputeInstanceSpec>): Promise<ComputeInstance> {
    return (await this.custom.patchNamespacedCustomObject(
      { ...this.path, name, body: { spec } },
      mergePatch,
    )) as ComputeInstance;
  }

  /** `kubectl delete --wait=false`. */
  async delete(name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ ...this.path, name });
  }

  /** `kubectl get`; `undefined` once the object is gone. */
  async get(name: string): Promise<ComputeInstance | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        ...this.path,
        name,
      })) as ComputeInstance;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** `kubectl get computeinstances`. */
  async list(): Promise<ComputeInstance[]> {
    const list = (await this.custom.listNamespacedCustomObject(this.path)) as {
      items?: ComputeInstance[];
    };
    return list.items ?? [];
  }

  /** `kubectl get events`; empty when the API server has no Events API. */
  async events(): Promise<CoreV1Event[]> {
    if (!this.eventsAvailable) return [];
    try {
      const list = await this.core.listNamespacedEvent({ namespace: this.namespace });
      return list.items;
    } catch (error) {
      if (isNotFound(error)) {
        this.eventsAvailable = false;
        return [];
      }
      throw error;
    }
  }
}
