import {
  TimeoutError,
  providerDeclarations,
  type CallOptions,
  type Provider,
  type ResourceObject,
  type TriggerProvisionOptions,
} from "@provisionkit/core";
import {
  ProvisioningController,
  type ControllerMetrics,
  type ProvisioningControllerOptions,
} from "@provisionkit/core/kubernetes";
import { AapProvider, type AapClientOptions } from "@provisionkit/provider-aap";
import { AapSimulator, type AapJobScript, type AapLedgerJob } from "@provisionkit/testing";
import { CRD, Users, type TestCluster } from "./cluster.ts";

export const FINALIZER = "example.com/provisioning";
/** The ComputeInstance templates (and the EDA rulebook's webhook endpoints). */
export const CREATE = "create-compute-instance";
export const DELETE = "delete-compute-instance";

/** Short real-time job durations: the runtime meets real watches and real HTTP. */
export const FAST: AapJobScript = { pendingMs: 30, waitingMs: 30, runMs: 150, cancelDelayMs: 100 };

/** An AAP simulator with the ComputeInstance templates, started. */
export async function startAapSimulator(script: AapJobScript = FAST): Promise<AapSimulator> {
  const aap = new AapSimulator({ defaultScript: script });
  aap.addJobTemplate({ name: CREATE, allowSimultaneous: true });
  aap.addJobTemplate({ name: DELETE, allowSimultaneous: true });
  await aap.start();
  return aap;
}

/** Client options for the AAP simulator: the AAP 2.5 gateway path, quick retries. */
export function aapClientOptions(aap: AapSimulator): AapClientOptions {
  return {
    url: `${aap.url}/api/controller/v2/`,
    auth: { type: "bearer", token: "sim-token" },
    retry: { retries: 2, initialDelayMs: 10 },
  };
}

/**
 * A controller's options on `cluster`, in `namespace`, with test-friendly timings: short
 * polls, pending-launch grace and backoffs, no resync.
 */
export function controllerOptions(
  cluster: TestCluster,
  namespace: string,
  provider: ProvisioningControllerOptions["provider"],
  overrides: Partial<ProvisioningControllerOptions> = {},
): ProvisioningControllerOptions {
  return {
    kubeConfig: cluster.kubeConfig(),
    resource: { ...CRD, namespace },
    provider,
    finalizer: FINALIZER,
    engine: {
      pollIntervalMs: 50,
      pendingLaunchGraceMs: 300,
      provisionBackoff: { initialMs: 100, maxMs: 1000 },
      deprovisionBackoff: { initialMs: 100, maxMs: 1000 },
      errorBackoff: { initialMs: 50, maxMs: 500 },
    },
    errorBackoff: { initialMs: 50, maxMs: 500 },
    watchRestartBackoff: { initialMs: 50, maxMs: 500 },
    resyncIntervalMs: 0,
    ...overrides,
  };
}

/** A cluster, an AAP simulator, a provider, users, and the controllers started on them. */
export class World {
  readonly aap: AapSimulator;
  readonly users: Users;
  readonly controllers: ProvisioningController[] = [];
  /** For each launch: whether the resource had the finalizer when the provider was asked. */
  readonly finalizerAtLaunch: boolean[] = [];
  readonly metrics: string[] = [];
  private constructor(
    readonly cluster: TestCluster,
    /** The namespace this world's objects live in; its controllers watch only it. */
    readonly namespace: string,
    aap: AapSimulator,
  ) {
    this.aap = aap;
    this.users = new Users(cluster.kubeConfig(), namespace);
  }

  /**
   * A world on `cluster` (which the caller starts and stops; tests share it) in its own
   * namespace.
   */
  static async start(
    cluster: TestCluster,
    namespace: string,
    script: AapJobScript = FAST,
  ): Promise<World> {
    return new World(cluster, namespace, await startAapSimulator(script));
  }

  /** A provider talking to the AAP simulator. */
  provider(): AapProvider {
    return new AapProvider({ client: aapClientOptions(this.aap) });
  }

  /** Start a controller with test-friendly timings. */
  async controller(
    overrides: Partial<ProvisioningControllerOptions> = {},
  ): Promise<ProvisioningController> {
    const metrics: ControllerMetrics = {
      jobLaunched: (l) => this.metrics.push(`launched ${l.type}`),
      jobFinished: (l) => this.metrics.push(`finished ${l.type} ${l.state}`),
      timeToReady: (l) => this.metrics.push(`ready ${l.since}`),
      deletionCompleted: () => this.metrics.push("deleted"),
    };
    const controller = new ProvisioningController(
      controllerOptions(this.cluster, this.namespace, this.watchLaunches(this.provider()), {
        metrics,
        ...overrides,
      }),
    );
    this.controllers.push(controller);
    await controller.start();
    return controller;
  }

  /** Jobs of one resource, from the AAP ledger (out-of-band truth). */
  jobs(name: string): AapLedgerJob[] {
    return this.aap.ledger().filter((j) => j.resourceKey === `${this.namespace}/${name}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.stop()));
    await this.aap.stop();
  }

  /** Wraps a provider to record, at each launch, whether the object carried the finalizer. */
  private watchLaunches<R extends ResourceObject>(provider: Provider<R>): Provider<R> {
    const users = this.users;
    const seen = this.finalizerAtLaunch;
    return wrap(provider, {
      async triggerProvision(resource, options) {
        const live = await users.get(resource.metadata.name);
        seen.push(Boolean(live?.metadata.finalizers?.includes(FINALIZER)));
        return provider.triggerProvision(resource, options);
      },
    });
  }
}

/** A provider with some methods replaced (the others delegate). */
export function wrap<R extends ResourceObject>(
  provider: Provider<R>,
  overrides: Partial<Provider<R>>,
): Provider<R> {
  const wrapped: Provider<R> = {
    name: provider.name,
    ...providerDeclarations(provider),
    triggerProvision: (r, o) => provider.triggerProvision(r, o),
    getProvisionStatus: (r, id, o) => provider.getProvisionStatus(r, id, o),
    triggerDeprovision: (r, jobs, o) => provider.triggerDeprovision(r, jobs, o),
    getDeprovisionStatus: (r, id, o) => provider.getDeprovisionStatus(r, id, o),
    ...overrides,
  };
  if (provider.findJob) {
    wrapped.findJob = overrides.findJob ?? ((r, q, o: CallOptions) => provider.findJob!(r, q, o));
  }
  if (provider.cancelJob) {
    wrapped.cancelJob =
      overrides.cancelJob ?? ((r, id, t, o: CallOptions) => provider.cancelJob!(r, id, t, o));
  }
  return wrapped;
}

/**
 * A provider whose first launch answer is lost after AAP created the job (a crash or a
 * timeout), and which cannot look jobs up: the controller using it is left with a pending
 * marker it cannot resolve, as a process that died right after the launch would be.
 */
export function losingFirstLaunch<R extends ResourceObject>(provider: Provider<R>): Provider<R> {
  let lost = false;
  const wrapped = wrap(provider, {
    async triggerProvision(resource: R, options: TriggerProvisionOptions) {
      const result = await provider.triggerProvision(resource, options);
      if (!lost) {
        lost = true;
        throw new TimeoutError("launch answer lost (test)", 1000);
      }
      return result;
    },
  });
  delete wrapped.findJob;
  return wrapped;
}

/** No two jobs of one resource were ever active at the same instant (E1). */
export function overlaps(jobs: AapLedgerJob[]): string[] {
  const problems: string[] = [];
  const sorted = [...jobs].sort((a, b) => a.createdAt - b.createdAt);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const next = sorted[i]!;
    if (previous.finishedAt === undefined || next.createdAt < previous.finishedAt) {
      problems.push(`job ${next.id} started while job ${previous.id} was active`);
    }
  }
  return problems;
}
