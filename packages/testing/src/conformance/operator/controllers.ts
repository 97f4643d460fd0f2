/**
 * The user's controllers in one operator scenario: each started from the user's factory on
 * its own cuttable link to the API and with its own provider (fresh from the backend, as a
 * new process would have), wrapped to record what it declared and to crash it on cue.
 *
 * @module
 */
import type { EngineOptionsInput, JobType, Provider } from "@provisionkit/core";
import type { ConformanceBackend } from "../types.js";
import type { ScenarioCluster } from "./cluster.js";
import { loadKubeConfig } from "./kubeconfig.js";
import { ApiLink } from "./link.js";
import {
  tapProvider,
  type DeprovisionDeclaration,
  type DeprovisionHandover,
  type UntypedCall,
  type TapCall,
  type TapLate,
} from "./provider-tap.js";
import type { OperatorConformanceOptions, OperatorController } from "./types.js";

/** How a controller is started. */
export interface StartControllerOptions {
  /** Give it `backend.providerWith({ blockDeletionOnFailure })` instead of `provider()`. */
  blockDeletionOnFailure?: boolean;
  /** Crash it right after the first launch of this operation returned. */
  crashAfter?: JobType;
}

/** A controller's crash, as far as it went. */
export interface CrashState {
  /** Resolves once what was left of it stopped; undefined until it crashed. */
  stopped?: Promise<void>;
  /** The launch it crashed after. */
  launch?: TapCall;
  /** Connections it opened through its link (0: it never used `env.kubeConfig`). */
  connections: number;
}

/** A controller the fleet started. */
interface Running {
  controller: OperatorController;
  link: ApiLink;
  crash: Omit<CrashState, "connections">;
  /** Its provider's launches and questions about jobs. */
  calls: TapCall[];
}

/** What the fleet needs from its scenario. */
export interface FleetContext {
  cluster: ScenarioCluster;
  backend: ConformanceBackend;
  options: OperatorConformanceOptions;
  /** Engine timings handed to the factory (a fresh copy each time). */
  engine: EngineOptionsInput;
  /** Told when a controller crashed (for the timelines). */
  onCrash(): void;
  /** Each provider call's deadline, real ms (L1). */
  deadlineMs: number;
  /** Told of a provider call that missed its deadline, and which controller (1, 2, …) made it. */
  onLate(late: TapLate, controller: number): void;
}

/** The controllers of one scenario. */
export class ControllerFleet {
  /** What the providers declared about their deprovisions (read by E4). */
  readonly declarations: DeprovisionDeclaration[] = [];
  /** The providers' `skipped` deprovision answers (read by E4). */
  readonly skips: { resourceKey: string; at: number }[] = [];
  /** The provision jobs each `triggerDeprovision` was handed (read by E5). */
  readonly handovers: DeprovisionHandover[] = [];
  /** The provider calls that threw an untyped error (the soak's figures count them). */
  readonly untyped: UntypedCall[] = [];
  readonly #running: Running[] = [];
  #started = 0;

  /** @param context - the scenario's API, backend and options. */
  constructor(private readonly context: FleetContext) {}

  /** A new controller from the user's factory, started. */
  async start(options: StartControllerOptions = {}): Promise<OperatorController> {
    const index = ++this.#started;
    const { cluster, options: suite } = this.context;
    const server = (await loadKubeConfig(cluster.kubeconfigText)).getCurrentCluster()?.server;
    if (!server) throw new Error("operator conformance: the kubeconfig names no server");
    const link = await ApiLink.open(server);
    const running: Running = {
      controller: undefined as unknown as OperatorController,
      link,
      crash: {},
      calls: [],
    };
    const provider = tapProvider(this.#provider(options.blockDeletionOnFailure), {
      declarations: this.declarations,
      skips: this.skips,
      ...(options.crashAfter ? { crashAfter: options.crashAfter } : {}),
      crash: (launch) => this.#crash(running, launch),
      onCall: (call) => running.calls.push(call),
      handovers: this.handovers,
      untyped: this.untyped,
      deadlineMs: this.context.deadlineMs,
      late: (late) => this.context.onLate(late, index),
    });
    const kubeConfig = await loadKubeConfig(cluster.kubeconfigText, cluster.namespace, link);
    running.controller = suite.operator({
      kubeConfig,
      provider,
      namespace: cluster.namespace,
      engine: structuredClone(this.context.engine),
    });
    this.#running.push(running);
    await running.controller.start();
    return running.controller;
  }

  /** A controller's number (1, 2, … in the order they were started), as reports name it. */
  numberOf(controller: OperatorController): number {
    return this.#running.indexOf(this.#find(controller)) + 1;
  }

  /** How far a controller's crash went. */
  crashOf(controller: OperatorController): CrashState {
    const running = this.#find(controller);
    return { ...running.crash, connections: running.link.connections };
  }

  /**
   * Whether a controller started after `crashed` asked its provider about the job `crashed`
   * launched just before it crashed (`findJob` by its correlation id, or a status read by
   * its id).
   */
  askedAfterCrash(crashed: OperatorController): boolean {
    const index = this.#running.indexOf(this.#find(crashed));
    const launch = this.#running[index]?.crash.launch;
    if (!launch) return false;
    const about = (call: TapCall) =>
      call.method !== "launch" &&
      call.operation === launch.operation &&
      ((call.correlationId !== undefined && call.correlationId === launch.correlationId) ||
        (call.jobId !== undefined && call.jobId === launch.jobId));
    return this.#running.slice(index + 1).some((r) => r.calls.some(about));
  }

  /** The job ids the providers' launches with this correlation id answered. */
  launchedIds(correlationId: string): string[] {
    return this.#running.flatMap((r) =>
      r.calls
        .filter((c) => c.method === "launch" && c.correlationId === correlationId)
        .flatMap((c) => (c.jobId !== undefined ? [c.jobId] : [])),
    );
  }

  /**
   * Stop every controller (those that crashed: wait for what was left of them) and cut every
   * link. A stop that has not resolved within `limitMs` is given up on (an in-flight
   * reconcile that never ends): resolves to the numbers (1, 2, …) of those controllers.
   */
  async stopAll(limitMs: number): Promise<number[]> {
    const stuck: number[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<"stuck">((resolve) => {
      timer = setTimeout(() => resolve("stuck"), limitMs);
    });
    await Promise.all(
      this.#running.map(async (r, i) => {
        const stopped = Promise.resolve(r.crash.stopped ?? r.controller.stop()).then(
          () => "stopped" as const,
          () => "stopped" as const,
        );
        if ((await Promise.race([stopped, limit])) === "stuck") stuck.push(i + 1);
      }),
    );
    clearTimeout(timer);
    for (const running of this.#running) running.link.cut();
    return stuck.sort((a, b) => a - b);
  }

  #find(controller: OperatorController): Running {
    const running = this.#running.find((r) => r.controller === controller);
    if (!running) throw new Error("not a controller of this scenario");
    return running;
  }

  #provider(blockDeletionOnFailure: boolean | undefined): Provider {
    const { backend } = this.context;
    if (blockDeletionOnFailure === undefined) return backend.provider();
    if (!backend.providerWith) {
      throw new Error(`${backend.name} cannot choose blockDeletionOnFailure (no providerWith)`);
    }
    return backend.providerWith({ blockDeletionOnFailure });
  }

  /** Cut a controller off the API (its process died), then stop what is left of it. */
  #crash(running: Running, launch: TapCall): void {
    running.link.cut();
    running.crash.launch = launch;
    this.context.onCrash();
    // Not awaited here: the crash happens inside one of its provider calls, which its stop
    // waits for.
    running.crash.stopped = running.controller.stop();
  }
}
