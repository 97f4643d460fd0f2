import {
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import type { Condition, ResourceObject } from "@provisionkit/core";
import { KubernetesApiSimulator, type KubeFaults } from "@provisionkit/testing";
import { afterAll, beforeAll, describe } from "vitest";
import {
  realApiServerRequired,
  realApiServerStatus,
  startRealApiServer,
} from "./real-apiserver.ts";

/** The custom resource every integration test uses. */
export const CRD = {
  group: "example.com",
  version: "v1",
  plural: "computeinstances",
  kind: "ComputeInstance",
  scope: "Namespaced" as const,
  statusSubresource: true,
};

/** A cluster-scoped custom resource, for the runtime's cluster-scoped paths. */
export const CLUSTER_CRD = {
  group: "example.com",
  version: "v1",
  plural: "hostpools",
  kind: "HostPool",
  scope: "Cluster" as const,
  statusSubresource: true,
};

/** A Kubernetes API the tests run against: the simulator or a real API server. */
export interface TestCluster {
  /** Which one. */
  readonly kind: "simulator" | "real";
  /** A fresh client-node KubeConfig for it. */
  kubeConfig(): KubeConfig;
  /** Its kubeconfig as JSON text (for the EDA simulator's playbooks, say). */
  kubeconfigText(): string;
  /** Fault injection (simulator only). */
  readonly faults?: KubeFaults;
  /** The simulator itself (simulator only). */
  readonly simulator?: KubernetesApiSimulator;
  stop(): Promise<void>;
}

/** How to start each kind of cluster, and whether it can run here. */
export interface ClusterKind {
  kind: "simulator" | "real";
  /** Undefined when it can run; otherwise why not. */
  unavailable?: string;
  start(): Promise<TestCluster>;
}

const real = realApiServerStatus();

/** Both clusters. The real one is unavailable when the tier was not provisioned. */
export const CLUSTERS: ClusterKind[] = [
  {
    kind: "simulator",
    async start() {
      const simulator = new KubernetesApiSimulator({ crds: [CRD, CLUSTER_CRD] });
      await simulator.start();
      return {
        kind: "simulator",
        simulator,
        faults: simulator.faults,
        kubeConfig: () => loadKubeConfig(simulator.kubeconfig()),
        kubeconfigText: () => simulator.kubeconfig(),
        stop: () => simulator.stop(),
      };
    },
  },
  {
    kind: "real",
    // When the tier is required (CI provisioned it), never skip: a server that will not
    // start fails the tests, loudly, instead of passing them by absence.
    ...(real.available || realApiServerRequired() ? {} : { unavailable: real.reason }),
    async start() {
      if (!real.available)
        throw new Error(`real API server required but unavailable: ${real.reason}`);
      const server = await startRealApiServer({ crds: [CRD, CLUSTER_CRD] });
      return {
        kind: "real",
        kubeConfig: () => loadKubeConfig(server.kubeconfig),
        kubeconfigText: () => server.kubeconfig,
        stop: () => server.stop(),
      };
    },
  },
];

/**
 * One describe block per API server, `${title} on the <kind> API server`, skipped where the
 * server is unavailable. The server starts once for the block (a real one takes seconds) and
 * stops after it; `body` reads it through `cluster()`, and its tests each work in a namespace
 * of their own.
 */
export function describeOnClusters(
  title: string,
  body: (cluster: () => TestCluster) => void,
): void {
  for (const kind of CLUSTERS) {
    describe.skipIf(kind.unavailable !== undefined)(
      `${title} on the ${kind.kind} API server`,
      () => {
        let started: TestCluster | undefined;
        beforeAll(async () => {
          started = await kind.start();
        });
        afterAll(async () => {
          await started?.stop();
        });
        body(() => {
          if (!started) throw new Error(`the ${kind.kind} API server did not start`);
          return started;
        });
      },
    );
  }
}

/** Parses a kubeconfig. */
export function loadKubeConfig(text: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}

/** A custom object as tests read and write it through the API (JSON, as the server sends it). */
export type TestObject = ResourceObject & {
  apiVersion: string;
  kind: string;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

/** A ComputeInstance object the tests read and write through the API, as a user would. */
export type Instance = TestObject;

/** The condition of `type` in an object's status, if any. */
export function condition(object: TestObject | undefined, type: string): Condition | undefined {
  return ((object?.status?.conditions as Condition[] | undefined) ?? []).find(
    (c) => c?.type === type,
  );
}

/** A merge patch's request options. */
export const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** User-side operations on ComputeInstances (what kubectl would do). */
export class Users {
  private readonly api: CustomObjectsApi;

  constructor(
    kubeConfig: KubeConfig,
    readonly namespace = "default",
  ) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  private get base() {
    return {
      group: CRD.group,
      version: CRD.version,
      plural: CRD.plural,
      namespace: this.namespace,
    };
  }

  async create(
    name: string,
    spec: Record<string, unknown>,
    annotations?: Record<string, string>,
  ): Promise<Instance> {
    const body: Instance = {
      apiVersion: `${CRD.group}/${CRD.version}`,
      kind: CRD.kind,
      metadata: { name, namespace: this.namespace, ...(annotations ? { annotations } : {}) },
      spec,
    };
    return (await this.api.createNamespacedCustomObject({ ...this.base, body })) as Instance;
  }

  async get(name: string): Promise<Instance | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ ...this.base, name })) as Instance;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  /** The status of condition `type` on `name` (`"True"`, `"False"`…), undefined when absent. */
  async conditionStatus(name: string, type: string): Promise<string | undefined> {
    return condition(await this.get(name), type)?.status;
  }

  async patch(name: string, body: Record<string, unknown>): Promise<Instance> {
    return (await this.api.patchNamespacedCustomObject(
      { ...this.base, name, body },
      MERGE_PATCH,
    )) as Instance;
  }

  async delete(name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({ ...this.base, name });
  }
}
