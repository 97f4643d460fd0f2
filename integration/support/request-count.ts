/**
 * Counts the Kubernetes requests (by verb) and TCP connections a ProvisioningController makes
 * per create→Ready→delete lifecycle, on the Kubernetes API simulator, in virtual time: the
 * controller's clock and timers are the test's, and a provider of its own runs jobs of a given
 * length on that clock. The same harness backs the request-count test and the benchmark
 * (integration/bench/requests.ts).
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { KubeConfig, CustomObjectsApi } from "@kubernetes/client-node";
import {
  ConditionType,
  JobState,
  type Condition,
  type EngineOptionsInput,
  type Provider,
  type ProvisionStatus,
} from "@provisionkit/core";
import {
  ProvisioningController,
  type TimerHandle,
  type Timers,
} from "@provisionkit/core/kubernetes";
import {
  KubernetesApiSimulator,
  type KubeObject,
  type KubeRequestRecord,
} from "@provisionkit/testing";
import { CRD } from "./cluster.ts";

const FINALIZER = "example.com/provisioning";

/** Timers that fire only when advanced; `now()` is virtual. */
export class VirtualTimers implements Timers {
  private current = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.current;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { at: this.current + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }
  /** When the earliest pending timer fires, if any. */
  next(): number | undefined {
    let at: number | undefined;
    for (const t of this.pending.values()) if (at === undefined || t.at < at) at = t.at;
    return at;
  }
  /** Fire every timer due by `at` (in order), moving time to `at`. */
  advanceTo(at: number): void {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.pending) {
        if (entry[1].at <= at && (!next || entry[1].at < next[1].at)) next = entry;
      }
      if (!next) break;
      this.pending.delete(next[0]);
      this.current = Math.max(this.current, next[1].at);
      next[1].fn();
    }
    this.current = Math.max(this.current, at);
  }
}

/** A TCP forwarder in front of the simulator that counts the connections clients open. */
export class CountingProxy {
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  async start(target: string): Promise<string> {
    const { hostname, port } = new URL(target);
    const server = createServer((client) => {
      this.connections++;
      const upstream = connect(Number(port), hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/**
 * A provider whose jobs run `jobMs` of the controller's (virtual) clock: a provision job is
 * launched Running and read Running until then; a deprovision job (recorded Pending by the
 * engine at its launch) is read Pending until then, or Running with `deprovisionRunning`;
 * each Succeeded after. So the visible states a job goes through do not depend on how
 * often it is polled.
 */
function timedProvider(
  clock: () => number,
  jobMs: number,
  deprovisionRunning: boolean,
  gate: () => Promise<void>,
): Provider & {
  calls: number;
  polls: { jobId: string; at: number }[];
  launches: string[];
} {
  const started = new Map<string, { at: number; version?: string }>();
  let seq = 0;
  const status = (jobId: string): ProvisionStatus => {
    const job = started.get(jobId);
    if (!job) throw new Error(`unknown job ${jobId}`);
    const done = clock() >= job.at + jobMs;
    const running =
      job.version !== undefined || deprovisionRunning
        ? { state: JobState.Running, message: "running" }
        : { state: JobState.Pending, message: "deprovision triggered" };
    const s: ProvisionStatus = done
      ? { jobId, state: JobState.Succeeded, message: "done" }
      : { jobId, ...running };
    if (done && job.version !== undefined) s.reconciledVersion = job.version;
    return s;
  };
  const provider = {
    name: "timed",
    calls: 0,
    /** Every status read: which job, when (the controller's clock). */
    polls: [] as { jobId: string; at: number }[],
    /** Every launch, in order: `provision <name>` or `deprovision <name>`. */
    launches: [] as string[],
    async triggerProvision(r: { metadata: { name: string } }, o: { configVersion: string }) {
      provider.calls++;
      provider.launches.push(`provision ${r.metadata.name}`);
      await gate();
      const jobId = `p${++seq}`;
      started.set(jobId, { at: clock(), version: o.configVersion });
      return { jobId, initialState: JobState.Running, message: "running" };
    },
    getProvisionStatus(_r: unknown, jobId: string) {
      provider.calls++;
      provider.polls.push({ jobId, at: clock() });
      return Promise.resolve(status(jobId));
    },
    triggerDeprovision(r: { metadata: { name: string } }) {
      provider.calls++;
      provider.launches.push(`deprovision ${r.metadata.name}`);
      const jobId = `d${++seq}`;
      started.set(jobId, { at: clock() });
      return Promise.resolve({
        action: "triggered" as const,
        jobId,
        blockDeletionOnFailure: true,
      });
    },
    getDeprovisionStatus(_r: unknown, jobId: string) {
      provider.calls++;
      provider.polls.push({ jobId, at: clock() });
      return Promise.resolve(status(jobId));
    },
  };
  return provider;
}

/** What one measurement found. */
export interface LifecycleCounts {
  /** Lifecycles run. */
  lifecycles: number;
  /** Requests per lifecycle by verb (watches and lists excluded). */
  perLifecycle: Record<string, number>;
  /** All requests per lifecycle (watches and lists excluded). */
  total: number;
  /** TCP connections opened per lifecycle, after the controller started. */
  connections: number;
  /** TCP connections opened in all, from the controller's start (its list and watch included). */
  connectionsTotal: number;
  /** Provider calls per lifecycle. */
  providerCalls: number;
  /** Reconciles that ended in a conflict or an error. */
  troubled: number;
}

function verbOf(r: KubeRequestRecord): string {
  if (r.path.endsWith("/events")) return "event";
  if (r.method === "PUT" && r.path.endsWith("/status")) return "status";
  if (r.method === "PATCH") return "patch";
  return r.method.toLowerCase();
}

/** Options of a {@link Rig}. */
export interface RigOptions {
  /** How long each job runs (virtual ms). */
  jobMs: number;
  /** Record Kubernetes Events (default true). */
  events?: boolean;
  /** Deprovision jobs read Running (a visible state change) while they run. */
  deprovisionRunning?: boolean;
  /** Engine options; default a 10 s poll interval. */
  engine?: EngineOptionsInput;
  /** The controller's concurrency (default 4). */
  concurrency?: number;
  /** Awaited by every provision launch (default: resolves at once). */
  gate?: () => Promise<void>;
  /** The controller's `kubeRequestTimeoutMs` (default the controller's). */
  kubeRequestTimeoutMs?: number;
}

/**
 * The Kubernetes API simulator behind a connection-counting proxy, a test provider, and
 * controllers (one at a time, restartable) on virtual time.
 */
export class Rig {
  readonly namespace = "requests";
  readonly timers = new VirtualTimers();
  readonly clock: () => number;
  readonly provider: ReturnType<typeof timedProvider>;
  /** Reconciles that ended in a conflict or an error. */
  troubled = 0;
  /** Reconciles ended, whatever their outcome (the controller's `reconciled` metric). */
  reconciles = 0;
  /** The work queue's depth as last reported. */
  queueDepth = 0;
  private controllerNow: ProvisioningController | undefined;
  private kubeConfig: KubeConfig | undefined;
  private api: CustomObjectsApi | undefined;

  private constructor(
    readonly sim: KubernetesApiSimulator,
    readonly proxy: CountingProxy,
    private readonly options: RigOptions,
  ) {
    const base = Date.parse("2026-01-01T00:00:00Z");
    this.clock = () => base + this.timers.now();
    this.provider = timedProvider(
      this.clock,
      options.jobMs,
      options.deprovisionRunning ?? false,
      options.gate ?? (() => Promise.resolve()),
    );
  }

  /** Start the simulator and the proxy (no controller yet). */
  static async start(options: RigOptions): Promise<Rig> {
    const rig = new Rig(new KubernetesApiSimulator({ crds: [CRD] }), new CountingProxy(), options);
    const proxied = await rig.proxy.start(await rig.sim.start());
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(rig.sim.kubeconfig());
    const cluster = kubeConfig.getCurrentCluster()!;
    kubeConfig.clusters = kubeConfig.clusters.map((c) =>
      c.name === cluster.name ? { ...c, server: proxied } : c,
    );
    rig.kubeConfig = kubeConfig;
    const users = new KubeConfig();
    users.loadFromString(rig.sim.kubeconfig());
    rig.api = users.makeApiClient(CustomObjectsApi);
    return rig;
  }

  /** The running controller. */
  get controller(): ProvisioningController {
    if (!this.controllerNow) throw new Error("no controller");
    return this.controllerNow;
  }

  /** Start a (new) controller. */
  async startController(): Promise<ProvisioningController> {
    const controller = new ProvisioningController({
      kubeConfig: this.kubeConfig!,
      resource: { ...CRD, namespace: this.namespace },
      provider: this.provider,
      finalizer: FINALIZER,
      engine: this.options.engine ?? { pollIntervalMs: 10_000 },
      events: this.options.events ?? true,
      resyncIntervalMs: 0,
      ...(this.options.concurrency === undefined ? {} : { concurrency: this.options.concurrency }),
      ...(this.options.kubeRequestTimeoutMs === undefined
        ? {}
        : { kubeRequestTimeoutMs: this.options.kubeRequestTimeoutMs }),
      clock: this.clock,
      timers: this.timers,
      metrics: {
        reconciled: (l) => {
          this.reconciles++;
          if (l.outcome === "conflict" || l.outcome === "error") this.troubled++;
        },
        queueDepth: (depth) => {
          this.queueDepth = depth;
        },
      },
    });
    this.controllerNow = controller;
    await controller.start();
    return controller;
  }

  /** Stop the controller (as a restart's first half). */
  async stopController(): Promise<void> {
    await this.controllerNow?.stop();
    this.controllerNow = undefined;
  }

  private ref(name: string) {
    const { group, version, plural } = CRD;
    return { group, version, plural, namespace: this.namespace, name };
  }

  /** The object as stored. */
  object(name: string): KubeObject | undefined {
    return this.sim.getObject(this.ref(name));
  }

  /** Whether the object is Ready. */
  ready(name: string): boolean {
    const o = this.object(name);
    const conditions = (o?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
    return conditions.some((c) => c.type === ConditionType.Ready && c.status === "True");
  }

  /** Whether the object is gone. */
  gone(name: string): boolean {
    return this.object(name) === undefined;
  }

  async create(name: string): Promise<void> {
    const { group, version, plural } = CRD;
    await this.api!.createNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: this.namespace,
      body: {
        apiVersion: `${group}/${version}`,
        kind: CRD.kind,
        metadata: { name, namespace: this.namespace },
        spec: { cores: 2 },
      },
    });
  }

  async remove(name: string): Promise<void> {
    await this.api!.deleteNamespacedCustomObject({ ...this.ref(name) });
  }

  /** Let the controller finish what it does now (no virtual time passes). */
  async settle(): Promise<void> {
    await this.controller.idle();
    // Let in-flight HTTP answers and watch events land (real I/O on loopback).
    await new Promise((r) => setTimeout(r, 5));
    await this.controller.idle();
  }

  /**
   * Let the controller work until `done`, firing its timers in virtual time when it waits.
   * With `untilMs`, also stop once virtual time reaches it: a timer is set for then, so that
   * time moves on even when the controller waits for nothing (an object left for a human).
   */
  async drive(done: () => boolean, options: { untilMs?: number } = {}): Promise<void> {
    const { untilMs } = options;
    if (untilMs !== undefined) {
      this.timers.setTimeout(() => undefined, Math.max(0, untilMs - this.timers.now()));
    }
    const finished = untilMs === undefined ? done : () => done() || this.timers.now() >= untilMs;
    for (let turns = 0; turns < 100_000; turns++) {
      if (finished()) return;
      await this.settle();
      if (finished()) return;
      const at = this.timers.next();
      if (at !== undefined) this.timers.advanceTo(at);
    }
    throw new Error("the controller did not get there");
  }

  async stop(): Promise<void> {
    await this.stopController();
    await this.proxy.stop();
    await this.sim.stop();
  }
}

/**
 * Run `lifecycles` create→Ready→delete lifecycles one after the other, each with one job
 * of `jobMs` per launch (virtual time; poll interval 10 s), and count.
 */
export async function measureLifecycles(
  options: RigOptions & { lifecycles: number },
): Promise<LifecycleCounts> {
  const rig = await Rig.start(options);
  try {
    await rig.startController();
    const before = rig.sim.requests().length;
    const connectionsBefore = rig.proxy.connections;
    const callsBefore = rig.provider.calls;
    for (let i = 0; i < options.lifecycles; i++) {
      const name = `vm-${i}`;
      await rig.create(name);
      await rig.drive(() => rig.ready(name));
      await rig.remove(name);
      await rig.drive(() => rig.gone(name));
      // The deletion's watch event, handled before the next lifecycle.
      await new Promise((r) => setTimeout(r, 20));
      await rig.controller.idle();
    }
    const { plural } = CRD;
    const records = rig.sim
      .requests()
      .slice(before)
      .filter((r) => !r.watch && r.path.includes(`/namespaces/${rig.namespace}/`))
      // The test's own create and delete.
      .filter((r) => !(r.method === "POST" && r.path.endsWith(`/${plural}`)))
      .filter((r) => !(r.method === "DELETE" && r.path.includes(`/${plural}/`)));
    const perLifecycle: Record<string, number> = {};
    for (const r of records) perLifecycle[verbOf(r)] = (perLifecycle[verbOf(r)] ?? 0) + 1;
    for (const k of Object.keys(perLifecycle)) perLifecycle[k]! /= options.lifecycles;
    return {
      lifecycles: options.lifecycles,
      perLifecycle,
      total: records.length / options.lifecycles,
      connections: (rig.proxy.connections - connectionsBefore) / options.lifecycles,
      connectionsTotal: rig.proxy.connections,
      providerCalls: (rig.provider.calls - callsBefore) / options.lifecycles,
      troubled: rig.troubled,
    };
  } finally {
    await rig.stop();
  }
}
