/** Lease clients for the leader-election and sharding tests. */
import { KubeConfig, ServerConfiguration, createConfiguration } from "@kubernetes/client-node";
import { LeaseClient, type LeaseRecord, type StoredLease } from "@provisionkit/core/kubernetes";
import type { KubernetesApiSimulator } from "@provisionkit/testing";

/** A Lease client whose requests fail while `cut` (a replica partitioned from the API server). */
export class CuttableLeases extends LeaseClient {
  cut = false;
  private check(): void {
    if (this.cut) throw new Error("partitioned");
  }
  override async get(name: string) {
    this.check();
    return super.get(name);
  }
  override async create(name: string, record: LeaseRecord, labels?: Record<string, string>) {
    this.check();
    return super.create(name, record, labels);
  }
  override async update(current: StoredLease, record: LeaseRecord) {
    this.check();
    return super.update(current, record);
  }
  override async list(selector: string) {
    this.check();
    return super.list(selector);
  }
}

/** A Lease client on the simulator, each with its own configuration (and connections). */
export function cuttable(simulator: KubernetesApiSimulator): CuttableLeases {
  const kc = new KubeConfig();
  kc.loadFromString(simulator.kubeconfig());
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(simulator.url, {}),
    authMethods: { default: kc },
  });
  return new CuttableLeases(configuration, "default");
}

/**
 * A CRD that serves `coordination.k8s.io/v1` Leases on an API server that serves custom
 * resources only (the real apiextensions-apiserver tier), so that the same client code
 * (client-node's CoordinationV1Api) runs against it. A CRD in a `*.k8s.io` group needs the
 * `api-approved.kubernetes.io` annotation (apiextensions-apiserver refuses it otherwise;
 * "unapproved, …" is accepted and marks it unapproved). The schema follows the Lease type
 * (k8s.io/api coordination/v1 types.go: LeaseSpec) and ValidateLeaseSpec's bounds
 * (leaseDurationSeconds > 0, leaseTransitions >= 0). Differences from the built-in resource:
 * a custom resource keeps `metadata.generation`, and a PUT of a missing object is a 404
 * (built-in Leases allow create on update).
 */
export const LEASES_CRD = {
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  kind: "Lease",
  scope: "Namespaced" as const,
  statusSubresource: false,
  manifest: {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: "leases.coordination.k8s.io",
      annotations: {
        "api-approved.kubernetes.io": "unapproved, provisionkit test tier: Leases as a CRD",
      },
    },
    spec: {
      group: "coordination.k8s.io",
      scope: "Namespaced",
      names: { plural: "leases", singular: "lease", kind: "Lease", listKind: "LeaseList" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  properties: {
                    holderIdentity: { type: "string" },
                    leaseDurationSeconds: { type: "integer", format: "int32", minimum: 1 },
                    acquireTime: { type: "string" },
                    renewTime: { type: "string" },
                    leaseTransitions: { type: "integer", format: "int32", minimum: 0 },
                    strategy: { type: "string" },
                    preferredHolder: { type: "string" },
                  },
                },
              },
            },
          },
        },
      ],
    },
  },
};
