import { providerSet, type Provider } from "@provisionkit/core";
import {
  ProvisioningController,
  type ProvisioningControllerOptions,
} from "@provisionkit/core/kubernetes";
import { AapProvider } from "@provisionkit/provider-aap";
import { EdaProvider, type EdaProviderOptions } from "@provisionkit/provider-eda";
import {
  AapSimulator,
  EdaSimulator,
  type AapJobScript,
  type AapLedgerJob,
  type EdaEventRecord,
  type EdaSimulatorOptions,
} from "@provisionkit/testing";
import { Users, type TestCluster } from "./cluster.ts";
import { CREATE, DELETE, aapClientOptions, controllerOptions, startAapSimulator } from "./world.ts";

export { CREATE, DELETE };

/** The HMAC key the rulebook's webhook source checks (a test value, never logged). */
export const HMAC_SECRET = "hmac-SECRET-for-tests-0123456789";

/** Options of {@link EdaWorld.start}. */
export interface EdaWorldOptions {
  /** The AAP simulator's default job script. Default {@link FAST}. */
  script?: AapJobScript;
  /** Activation settings of the EDA simulator. */
  activation?: EdaSimulatorOptions["activation"];
  /** Playbook settings of the EDA simulator (write-back faults, say). */
  playbook?: EdaSimulatorOptions["playbook"];
}

/**
 * An AAP simulator, an EDA simulator in front of it (the rulebook's webhook source with
 * HMAC, rules create/delete-compute-instance), whose playbooks write back to the cluster,
 * and the controllers started on them.
 */
export class EdaWorld {
  readonly users: Users;
  readonly controllers: ProvisioningController[] = [];

  private constructor(
    readonly cluster: TestCluster,
    readonly namespace: string,
    readonly aap: AapSimulator,
    readonly eda: EdaSimulator,
  ) {
    this.users = new Users(cluster.kubeConfig(), namespace);
  }

  /** A world on `cluster` (started and stopped by the caller) in its own namespace. */
  static async start(
    cluster: TestCluster,
    namespace: string,
    options: EdaWorldOptions = {},
  ): Promise<EdaWorld> {
    const aap = await startAapSimulator(options.script);
    const eda = new EdaSimulator({
      aap,
      kubernetes: cluster.kubeconfigText(),
      rules: [
        { endpoint: CREATE, template: CREATE },
        { endpoint: DELETE, template: DELETE },
      ],
      webhook: { hmac: { secret: HMAC_SECRET } },
      pumpIntervalMs: 10,
      // The product rulebook's strategy (ansible-rulebook's default is sequential).
      activation: { executionStrategy: "parallel", ...options.activation },
      ...(options.playbook ? { playbook: options.playbook } : {}),
    });
    await eda.start();
    return new EdaWorld(cluster, namespace, aap, eda);
  }

  /**
   * An EdaProvider posting to the simulator's webhook; `aap: true` turns on AAP mode, on an
   * {@link aapProvider} (the rules launch the conventional template names it looks for).
   */
  edaProvider(
    overrides: Omit<Partial<EdaProviderOptions>, "aap"> & { aap?: boolean } = {},
  ): EdaProvider {
    const { aap, ...rest } = overrides;
    return new EdaProvider({
      target: { type: "webhook", url: this.eda.webhookUrl },
      auth: { type: "hmac", secret: HMAC_SECRET },
      pollIntervalMs: 50,
      minEventIntervalMs: 0,
      ...(aap ? { aap: this.aapProvider() } : {}),
      ...rest,
    });
  }

  /** An AapProvider launching the same templates directly. */
  aapProvider(): AapProvider {
    return new AapProvider({ client: aapClientOptions(this.aap) });
  }

  /** Start a controller with test-friendly timings; `others` may poll jobs on record (E6). */
  async controller(
    provider: Provider,
    others: Provider[] = [],
    overrides: Partial<ProvisioningControllerOptions> = {},
  ): Promise<ProvisioningController> {
    const all = others.length === 0 ? provider : providerSet(provider, ...others);
    const controller = new ProvisioningController(
      controllerOptions(this.cluster, this.namespace, all, overrides),
    );
    this.controllers.push(controller);
    await controller.start();
    return controller;
  }

  /** Stop one controller (a crash or a rollout), keeping the world. */
  async stopControllers(): Promise<void> {
    await Promise.all(this.controllers.splice(0).map((c) => c.stop()));
  }

  /** Jobs of one resource, from the AAP ledger (out-of-band truth). */
  jobs(name: string): AapLedgerJob[] {
    return this.aap.ledger().filter((j) => j.resourceKey === `${this.namespace}/${name}`);
  }

  /** EDA events about one resource, with their fate. */
  events(name: string): EdaEventRecord[] {
    return this.eda.events().filter((e) => {
      const payload = (e.event?.payload ?? {}) as { metadata?: Record<string, unknown> };
      return payload.metadata?.name === name && payload.metadata.namespace === this.namespace;
    });
  }

  async stop(): Promise<void> {
    await this.stopControllers();
    await this.eda.stop();
    await this.aap.stop();
  }
}
