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
