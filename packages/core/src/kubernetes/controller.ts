import { randomUUID } from "node:crypto";
import { backoffDelay, type BackoffPolicy } from "../backoff.js";
import { ConditionType, findCondition, type Condition } from "../conditions.js";
import { configVersion, sameJson } from "../config-version.js";
import { ConfigurationError } from "../errors.js";
import { decide } from "../engine/decide.js";
import { JobDurationEstimator } from "../engine/duration-estimator.js";
import { resolveEngineOptions, type EngineOptions } from "../engine/options.js";
import { providerSet, type ProviderSet } from "../engine/providers.js";
import { reconcile, type PersistReason, type ReconcileResult } from "../engine/reconcile.js";
import { boundStatus, InvalidStatusError } from "../engine/status-check.js";
import type { DecideInput, LaunchResolution } from "../engine/types.js";
import { isTerminal } from "../job-state.js";
import { silentLogger, type Logger } from "../logger.js";
import type { ResourceObject } from "../resource.js";
import type { ProvisioningStatus } from "../status.js";
import { MAX_CONDITION_MESSAGE_CHARS, clipText } from "../text-bounds.js";
import { EventRecorder } from "./events.js";
import { JobSignalRouter } from "./job-signals.js";
import { ResourceWatcher, type WatchChange } from "./informer.js";
import { KubeApi, KubeApiError, type CustomObject } from "./kube-api.js";
import { createLeaseGate, type LeaseGate } from "./lease-gate.js";
import { logEngineEvents } from "./event-log.js";
import type { ControllerHealth } from "./health.js";
import type { ControllerMetrics } from "./metrics.js";
import {
  LAUNCH_RESOLUTION_ANNOTATION,
  OBSERVE_ONLY_ANNOTATION,
  PAUSE_ANNOTATION,
  type ProvisioningControllerOptions,
} from "./options.js";
import { WorkQueue, type QueueLane } from "./queue.js";
import { objectKey, parseKey } from "./resource-ref.js";
import { defaultStatusMapping, type StatusMapping } from "./status-mapping.js";
import { systemTimers, type TimerHandle, type Timers } from "./timers.js";
import { withStoredBookkeeping } from "./visible-status.js";

const DEFAULT_RESYNC_MS = 10 * 60_000;
const WATCH_BACKOFF: BackoffPolicy = { initialMs: 1000, factor: 2, maxMs: 60_000 };
const ERROR_BACKOFF: BackoffPolicy = { initialMs: 1000, factor: 2, maxMs: 120_000 };
/** `stopLaunchGraceMs` unless set. */
const DEFAULT_STOP_LAUNCH_GRACE_MS = 5_000;
/** Conflicts retried at once before backing off (a 409 storm must not spin). */
const IMMEDIATE_CONFLICT_RETRIES = 3;
const CONFLICT_BACKOFF: BackoffPolicy = { initialMs: 50, factor: 2, maxMs: 5000 };
/** The resourceVersions of this controller's own writes remembered per object, newest last. */
const OWN_WRITES_KEPT = 8;
/**
 * Answers after which a status write is read back and, if it did not land, tried again: no
 * answer (0), 429, and the server errors an API server gives when etcd or a webhook fails a
 * request it may or may not have applied.
 */
const RETRIED_WRITE_STATUSES = new Set([0, 429, 500, 502, 503, 504]);

/**
 * A status decided but not written: because only bookkeeping changed (see
 * `withStoredBookkeeping`), or because its write failed with an answer other than a 409
 * after a launch (see `reconcileObject`'s `write`). Valid while the object still has the
 * resourceVersion it was derived from.
 */
interface Overlay {
  resourceVersion: string | undefined;
  status: ProvisioningStatus;
}

/**
 * An object known to be newer than the informer's cache while the cache still holds one of
 * `bases`: the answer of a write made on a base (the version right after it: a write with
 * a resourceVersion precondition succeeds only on the version it names), or of a read made
 * while the cache held the base. The cache holding anything else has moved past them.
 */
interface Fresher {
  bases: Set<string>;
  object: CustomObject;
}

/** Why the controller cannot work on an object: the `Ready=False` reason it reports. */
type InvalidReason = "InvalidStatus" | "InvalidSpec";

/** How one reconcile of one resource ended. */
type ReconcileOutcome =
  /** The object does not exist (any more). */
  | { kind: "gone" }
  /** Paused by annotation: nothing was done. */
  | { kind: "paused" }
  /** Being deleted, without this controller's finalizer: not ours (any more). */
  | { kind: "released" }
  /** The engine ran; `result` says what it decided. */
  | { kind: "reconciled"; result: ReconcileResult; object: CustomObject }
  /**
   * The object cannot be worked on (its status or its spec); reported on the object, not
   * retried: a change to the object queues it again.
   */
  | { kind: "invalid"; reason: InvalidReason }
  /** A write lost a race (409): the object is read again and reconciled again. */
  | { kind: "conflict"; message: string }
  /** Something else failed; retried with backoff. */
  | { kind: "error"; error: unknown }
  /**
   * Another replica's (leader election or sharding): nothing was done; not counted in the
   * reconcile metrics.
   */
  | { kind: "notOwned" };

/**
 * The Kubernetes controller of provisionkit: watches one custom resource and drives the
 * lifecycle engine for each object.
 *
 * - **Watch.** client-node informers (list, then watch), restarted with backoff whenever
 *   they stop on an error, and a periodic resync. Objects are read from the informer's
 *   cache (from the API server after a conflict or an error); the watch events of the
 *   controller's own writes queue nothing.
 * - **Queue.** One reconcile per object at a time, `concurrency` at most overall, queued
 *   keys deduplicated, requeues after the engine's `requeueAfterMs`; fair: deletions,
 *   then changes and due requeues, then new objects, with aging ({@link WorkQueue}).
 * - **Writes.** The finalizer is added before anything is launched. Status goes through
 *   the status subresource carrying the resourceVersion read, so a stale write is a 409;
 *   the pending-launch marker is persisted before a launch and the job record right after
 *   it (E5). On a 409 the object is read again and the engine decides again: a launch is
 *   never repeated, since the marker or the job record is in the status it reads. Status
 *   is written only when something a user can see changes (a poll that moves only a job's
 *   `updatedAt`/`nextCheckAt` is kept in memory for the object's resourceVersion), and
 *   every request but the watch goes through one keep-alive agent.
 * - **Conditions, events, metrics, logs.** Conditions (Ready, Provisioned, Deleting,
 *   DeletionBlocked, LaunchOutcomeUnknown) carry observedGeneration; engine events become
 *   Kubernetes Events when the API has them; see {@link ControllerMetrics}.
 * - **Invalid objects.** An object whose status cannot be read (`InvalidStatusError`) or
 *   whose config version cannot be computed (`ConfigurationError`) gets `Ready=False`,
 *   reason `InvalidStatus` or `InvalidSpec`, naming the field at fault, and one Warning
 *   Event; nothing is launched for it until it is repaired.
 * - **Pause and observe-only** by annotation ({@link PAUSE_ANNOTATION},
 *   {@link OBSERVE_ONLY_ANNOTATION}) or for all with `observeOnly`.
 * - **Stop.** `stop()` starts no reconcile from the moment it is called, stops the watch,
 *   aborts in-flight provider calls and waits for the reconciles in progress to write what
 *   they have.
 */
export class ProvisioningController<R extends ResourceObject = ResourceObject> {
  private readonly api: KubeApi;
  private readonly providers: ProviderSet<R>;
  private readonly mapping: StatusMapping;
  private readonly engine: EngineOptions;
  private readonly logger: Logger;
  private readonly metrics: ControllerMetrics;
  private readonly timers: Timers;
  private readonly clock: () => number;
  private readonly queue: WorkQueue;
  private readonly watcher: ResourceWatcher;
  private readonly events: EventRecorder | undefined;
  private readonly failures = new Map<string, number>();
  private readonly conflicts = new Map<string, number>();
  /** In-memory statuses whose write was skipped (bookkeeping only), per key. */
  private readonly overlays = new Map<string, Overlay>();
  /**
   * The job of a launch this controller carried out whose recording write failed (a 409
   * after another writer changed the status, or server errors past the overlay's
   * resourceVersion), by object key: while the stored status still holds that launch's
   * pending marker, the engine records the job from here (a `LaunchResolution` with
   * `source: "launcher"`) instead of counting the launch's outcome unknown.
   */
  private readonly launched = new Map<string, LaunchResolution>();
  /** Per key, the resourceVersions this controller's writes returned, not yet seen on the watch. */
  private readonly ownWrites = new Map<string, string[]>();
  /** Per key, an object newer than the informer's cache holds (see {@link Fresher}). */
  private readonly fresher = new Map<string, Fresher>();
  /** Keys whose next read goes to the API server (after a conflict or an error). */
  private readonly mustRead = new Set<string>();
  /** Job signals of the providers that offer them (`Provider.jobSignals`, issue 17). */
  private readonly signals: JobSignalRouter;
  /**
   * Durations of the jobs this controller saw end, and of those it finds ended in the stored
   * statuses (see {@link learnStored}), for the adaptive poll (issue 17).
   */
  private readonly durations = new JobDurationEstimator();
  /** Keys whose stored job records were given to {@link durations} since the object was seen. */
  private readonly learned = new Set<string>();
  private abort = new AbortController();
  /** Aborts launches under way; on `stop()`, `stopLaunchGraceMs` after `abort`. */
  private launchAbort = new AbortController();
  private running = false;
  /** Leader election or sharding, when configured: asked before each reconcile and action. */
  private readonly gate: LeaseGate | undefined;
  /** Whether the gate was active when it last reported a change. */
  private gateActive = false;

  /** @param options - see {@link ProvisioningControllerOptions}. */
  constructor(private readonly options: ProvisioningControllerOptions<R>) {
    if (!options.finalizer || !options.finalizer.includes("/")) {
      throw new RangeError(
        `finalizer must be a qualified name such as "example.com/provisioning", got "${options.finalizer}"`,
      );
    }
    const grace = options.stopLaunchGraceMs;
    if (grace !== undefined && !(Number.isFinite(grace) && grace >= 0)) {
      throw new RangeError(`stopLaunchGraceMs must be a non-negative number, got ${grace}`);
    }
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? {};
    this.timers = options.timers ?? systemTimers;
    this.clock = options.clock ?? Date.now;
    this.engine = resolveEngineOptions(options.engine);
    this.mapping = options.statusMapping ?? defaultStatusMapping();
    this.providers =
      "directory" in options.provider ? options.provider : providerSet(options.provider);
    const apiRequest = this.metrics.apiRequest?.bind(this.metrics);
    this.api = new KubeApi(
      options.kubeConfig,
      options.resource,
      apiRequest,
      options.kubeRequestTimeoutMs,
    );
    const eventsOption = options.events ?? true;
    if (eventsOption !== false) {
      const component =
        (typeof eventsOption === "object" && eventsOption.component) || "provisionkit";
      this.events = new EventRecorder(this.api, component, this.logger, this.clock);
    }
    this.queue = new WorkQueue({
      concurrency: options.concurrency ?? 4,
      timers: this.timers,
      // The queue's time is monotonic (timers.now()); the job timing's is the clock's.
      process: (key, queuedAt) =>
        this.process(key, this.clock() - Math.max(0, this.timers.now() - queuedAt)),
      onDepth: (depth) => this.metrics.queueDepth?.(depth),
      onAdd: () => this.metrics.queueAdded?.(),
      onTake: (waitedMs) => this.metrics.queueWait?.(waitedMs),
      onActive: (active) => this.metrics.activeWorkers?.(active),
      ...(options.queueMaxWaitMs === undefined ? {} : { maxWaitMs: options.queueMaxWaitMs }),
    });
    this.signals = new JobSignalRouter({
      providers: this.providers.all ?? [this.providers.current],
      enqueue: (key) => this.queue.add(key),
      logger: this.logger,
      clock: this.clock,
    });
    const watcherOptions: ConstructorParameters<typeof ResourceWatcher>[0] = {
      kubeConfig: options.kubeConfig,
      resource: options.resource,
      api: this.api,
      resyncIntervalMs: options.resyncIntervalMs ?? DEFAULT_RESYNC_MS,
      restartBackoff: { ...WATCH_BACKOFF, ...options.watchRestartBackoff },
      timers: this.timers,
      logger: this.logger,
      handlers: { onChange: (key, object, change) => this.onWatch(key, object, change) },
      onRestart: () => this.metrics.watchRestarted?.(),
    };
    if (options.labelSelector !== undefined) watcherOptions.labelSelector = options.labelSelector;
    this.watcher = new ResourceWatcher(watcherOptions);
    this.gate = createLeaseGate(options, {
      configuration: this.api.configuration,
      resourceNamespace: options.resource.namespace,
      timers: this.timers,
      clock: this.clock,
      logger: this.logger,
      onChange: () => {
        if (!this.running) return;
        const wasActive = this.gateActive;
        this.gateActive = this.gate?.active() ?? false;
        if (!this.gateActive) {
          if (wasActive) {
            // The Lease is lost (or no longer fresh): the provider calls in flight are
            // aborted, as on stop(); a launch under way is not (its job must be recorded).
            this.logger.warn({ identity: this.gate?.identity }, "lease lost: stopped acting");
            this.abort.abort();
            this.abort = new AbortController();
          }
          return;
        }
        // It may have gained resources: every cached one is looked at again (the others'
        // are skipped at once).
        for (const object of this.watcher.cached()) {
          this.queue.add(objectKey(object.metadata.namespace, object.metadata.name), 0, "low");
        }
      },
    });
  }

  /**
   * This replica's identity in leader election or sharding (`undefined` without either).
   */
  get leaseIdentity(): string | undefined {
    return this.gate?.identity;
  }

  /** Whether the controller is running. */
  get started(): boolean {
    return this.running;
  }

  /** How many times the watch was restarted after an error. */
  get watchRestarts(): number {
    return this.watcher.restarts;
  }

  /**
   * The controller's health, for `/readyz` (`startOperatorServer`, `checkReadiness`):
   * running, informer synced since the start, how long the watch has been down (on
   * `timers.now()`).
   */
  health(): ControllerHealth {
    const down = this.watcher.downSince;
    return {
      name: `${this.options.resource.plural}.${this.options.resource.group}`,
      running: this.running,
      synced: this.watcher.hasSynced,
      watchDownForMs: down === undefined ? undefined : Math.max(0, this.timers.now() - down),
      watchRestarts: this.watcher.restarts,
    };
  }

  /** Start watching and reconciling. Resolves once the first list was attempted. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.launchAbort = new AbortController();
    this.gateActive = false;
    this.logger.info(
      { resource: `${this.options.resource.plural}.${this.options.resource.group}` },
      "provisioning controller starting",
    );
    this.signals.start();
    this.gate?.start();
    await this.watcher.start();
  }

  /**
   * Stop: no new reconciles; in-flight provider calls are aborted, except a launch under
   * way, which gets `stopLaunchGraceMs` (default 5 s) to answer and be recorded before it is
   * aborted too (an aborted launch has an unknown outcome); resolves once the reconciles in
   * progress have ended (with what they had already written kept), and a launched job
   * whose status write failed is recorded (the object read again, while its pending marker
   * is stored). Then, with leader election or sharding, the Lease is released so that another replica takes over at once;
   * `{ releaseLeases: false }` leaves it to expire, as a crash would (for tests of takeover).
   */
  async stop(options: { releaseLeases?: boolean } = {}): Promise<void> {
    if (!this.running) return;
    this.running = false;
    // Nothing starts from here: the queue takes no key (a poll falling due while the watch
    // stops is not made), and calls under way are aborted (a launch gets the grace below).
    const drained = this.queue.stop();
    this.abort.abort();
    const grace = this.options.stopLaunchGraceMs ?? DEFAULT_STOP_LAUNCH_GRACE_MS;
    let timer: TimerHandle | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = this.timers.setTimeout(resolve, grace);
    });
    await this.watcher.stop();
    await this.signals.stop();
    await Promise.race([drained, expired]);
    if (timer !== undefined) this.timers.clearTimeout(timer);
    this.launchAbort.abort();
    await drained;
    // A launch's record this controller holds only in memory (its write failed; the retry
    // was queued): written now, or the next controller sees only the pending marker.
    await this.flushLaunched();
    // Only after every reconcile ended: a replica stops acting before it lets go.
    await this.gate?.stop(options.releaseLeases ?? true);
    this.api.close();
    this.logger.info({}, "provisioning controller stopped");
  }

  /**
   * On stop, after the last reconcile ended: each job this controller launched whose
   * recording write failed (see `launched`) is recorded now, from the object read again,
   * while its stored pending marker still names that launch. Without it the retry queued
   * for it dies with the controller, and a provider without `findJob` (the EdaProvider)
   * leaves the next controller only the marker: `LaunchOutcomeUnknown` for a job that runs
   * (issue 16, the soak's churn). A failure is logged; the marker stays, as before.
   */
  private async flushLaunched(): Promise<void> {
    for (const [key, own] of [...this.launched]) {
      this.launched.delete(key);
      try {
        await this.recordLaunched(key, own);
      } catch (error) {
        this.logger.warn(
          { key, jobId: own.jobId, correlationId: own.correlationId, error: describe(error) },
          "stopping: could not record a launched job whose status write failed",
        );
      }
    }
  }

  /** Writes `own` (a launch this controller carried out) into the stored status; see `flushLaunched`. */
  private async recordLaunched(key: string, own: LaunchResolution): Promise<void> {
    const { namespace, name } = parseKey(key);
    const object = await this.api.get(namespace, name);
    if (!object) return;
    const stored = this.mapping.read(object);
    if (!stored || stored.pendingLaunch?.correlationId !== own.correlationId) return;
    if (own.jobId === undefined) {
      // The launch created nothing: the marker goes, and the next controller decides afresh
      // (a new launch gets a marker of its own, written before it).
      const { pendingLaunch: _created, ...cleared } = stored;
      await this.writeStatus(object, boundStatus(cleared));
      this.logger.info(
        { key, correlationId: own.correlationId },
        "stopping: cleared the marker of a launch that created nothing, whose status write failed",
      );
      return;
    }
    let desired: string;
    try {
      const resource = object as unknown as R;
      desired = configVersion(
        this.options.desiredConfig ? this.options.desiredConfig(resource) : (object.spec ?? {}),
      );
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      desired = stored.desiredConfigVersion ?? "";
    }
    // The engine's own decision on the stored status with this launch's resolution: the
    // job recorded as the next reconcile would record it; its action (a poll) is left to
    // the controller that takes over.
    const input: DecideInput = {
      status: stored,
      desiredConfigVersion: desired,
      deleting: Boolean(object.metadata.deletionTimestamp),
      now: this.clock(),
      providers: this.providers.directory,
      options: this.engine,
      newCorrelationId: this.options.newCorrelationId ?? randomUUID,
      resolution: own,
    };
    const generation = object.metadata.generation;
    if (generation !== undefined) input.generation = generation;
    const status = boundStatus(decide(input).status);
    const recorded = status.jobs.some(
      (j) => j.jobId === own.jobId && j.correlationId === own.correlationId,
    );
    if (!recorded || status.pendingLaunch) return;
    await this.writeStatus(object, status);
    this.logger.info(
      { key, jobId: own.jobId, correlationId: own.correlationId },
      "stopping: recorded a launched job whose status write failed",
    );
  }

  /** Resolves when no reconcile is queued or in progress (requeues scheduled for later do not count). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Queue a reconcile of `namespace/name` (or `name`) now. It reads the object from the API
   * server, not from the watch's cache: the caller may know of a change the watch has not
   * delivered yet.
   */
  enqueue(key: string): void {
    this.mustRead.add(key);
    this.queue.add(key);
  }

  /**
   * A watch event or a resync. The watch event of this controller's own write (its
   * resourceVersion is one a write returned) updates the cache and queues nothing: the
   * reconcile that wrote it already acted on it. Every other event is queued, in the lane
   * of what it is (see {@link WorkQueue}): a deletion `high`, a change `normal`, an object
   * seen for the first time or a resync `low`.
   */
  private onWatch(key: string, object: CustomObject | undefined, change: WatchChange): void {
    if (change === "delete" || !object) {
      this.fresher.delete(key);
      this.ownWrites.delete(key);
      this.overlays.delete(key);
      this.launched.delete(key);
      this.learned.delete(key);
      this.queue.add(key, 0, "high");
      return;
    }
    const lane: QueueLane = object.metadata.deletionTimestamp
      ? "high"
      : change === "update"
        ? "normal"
        : "low";
    const version = object.metadata.resourceVersion;
    // The cache now holds the version the fresher copy holds: the copy is let go here rather
    // than at the key's next read (which then reads that very version from the cache), so
    // that a write's answer does not outlive its watch event (issue 17: at 10,000 objects,
    // kept until the next poll, these copies were promoted to the old generation by the
    // tens of thousands).
    const fresher = this.fresher.get(key);
    if (fresher && version !== undefined && fresher.object.metadata.resourceVersion === version) {
      this.fresher.delete(key);
    }
    const own = this.ownWrites.get(key);
    const index = version === undefined || !own ? -1 : own.indexOf(version);
    if (change !== "resync" && own && index >= 0) {
      // Watch events come in order: older writes of ours that did not show will not.
      own.splice(0, index + 1);
      if (own.length === 0) this.ownWrites.delete(key);
      return;
    }
    this.queue.add(key, 0, lane);
  }

  /**
   * The object to reconcile. From the informer's cache (or a {@link Fresher} object), not
   * from the API server: a stale read cannot cause a harmful action, because
   * - every write carries the resourceVersion of the object read, so a decision made on a
   *   stale object fails its first write with a 409, and the key's next read goes to the
   *   API server ({@link mustRead});
   * - a launch is always preceded by such a write (the pending-launch marker, E5), so
   *   nothing is launched from a stale read;
   * - a poll or a lookup only reads the backend, and a cancel decided on a stale spec is the
   *   same race as a spec changed right after a fresh read (both are cancels the engine
   *   already tolerates: the job ends Canceled and the desired version is provisioned);
   * - a missing object is "gone" only once the cache has been listed; until then, and after
   *   a conflict or an error, the API server is asked.
   */
  private async read(key: string): Promise<CustomObject | undefined> {
    const { namespace, name } = parseKey(key);
    const cached = this.watcher.synced ? this.watcher.get(namespace, name) : undefined;
    if (this.mustRead.has(key) || !this.watcher.synced) {
      const base = cached?.metadata.resourceVersion;
      const object = await this.api.get(namespace, name);
      this.mustRead.delete(key);
      const now = this.watcher.get(namespace, name)?.metadata.resourceVersion;
      if (object && base !== undefined && now === base) this.remember(key, base, object, false);
      return object;
    }
    const fresher = this.fresher.get(key);
    if (fresher) {
      const version = cached?.metadata.resourceVersion;
      if (version === undefined || fresher.bases.has(version)) return fresher.object;
      this.fresher.delete(key);
    }
    return cached;
  }

  /**
   * Note `object`, the answer of a write (`own`) or a read made on `base`: newer than the
   * cache while the cache holds `base`; its watch event, for a write, queues nothing.
   */
  private remember(key: string, base: string | undefined, object: CustomObject, own = true) {
    const version = object.metadata.resourceVersion;
    if (base === undefined || version === undefined || base === version) return;
    const previous = this.fresher.get(key);
    if (previous && previous.object.metadata.resourceVersion === base) {
      previous.bases.add(base);
      previous.object = object;
    } else {
      this.fresher.set(key, { bases: new Set([base]), object });
    }
    if (own) {
      const list = this.ownWrites.get(key) ?? [];
      list.push(version);
      if (list.length > OWN_WRITES_KEPT) list.shift();
      this.ownWrites.set(key, list);
    }
  }

  private async process(key: string, queuedAt?: number): Promise<void> {
    const outcome = await this.reconcileKey(key, queuedAt);
    if (!this.running) return;
    switch (outcome.kind) {
      case "reconciled": {
        this.failures.delete(key);
        this.conflicts.delete(key);
        const after = outcome.result.requeueAfterMs;
        const lane = outcome.object.metadata.deletionTimestamp ? "high" : "normal";
        if (after !== undefined) this.queue.add(key, after, lane);
        return;
      }
      case "conflict": {
        const count = (this.conflicts.get(key) ?? 0) + 1;
        this.conflicts.set(key, count);
        const delay =
          count <= IMMEDIATE_CONFLICT_RETRIES
            ? 0
            : backoffDelay(CONFLICT_BACKOFF, count - IMMEDIATE_CONFLICT_RETRIES);
        this.logger.debug({ key, count, retryInMs: delay }, outcome.message);
        this.mustRead.add(key);
        this.queue.add(key, delay);
        return;
      }
      case "error": {
        const count = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, count);
        const delay = backoffDelay({ ...ERROR_BACKOFF, ...this.options.errorBackoff }, count);
        this.logger.error(
          { key, error: describe(outcome.error), retryInMs: delay, failures: count },
          "reconcile failed",
        );
        this.mustRead.add(key);
        this.queue.add(key, delay);
        return;
      }
      default:
        this.failures.delete(key);
        this.conflicts.delete(key);
    }
  }

  private async reconcileKey(key: string, queuedAt?: number): Promise<ReconcileOutcome> {
    const started = this.clock();
    const done = (outcome: ReconcileOutcome): ReconcileOutcome => {
      if (outcome.kind === "notOwned") return outcome;
      const label =
        outcome.kind === "conflict" ||
        outcome.kind === "error" ||
        outcome.kind === "paused" ||
        outcome.kind === "invalid"
          ? outcome.kind
          : outcome.kind === "reconciled" && outcome.result.withheld
            ? "withheld"
            : "ok";
      this.metrics.reconciled?.({ outcome: label }, this.clock() - started);
      return outcome;
    };
    try {
      return done(await this.reconcileObject(key, { queuedAt, startedAt: started }));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) {
        return done({ kind: "conflict", message: error.message });
      }
      return done({ kind: "error", error });
    }
  }

  private async reconcileObject(
    key: string,
    timing: { queuedAt?: number | undefined; startedAt?: number } = {},
  ): Promise<ReconcileOutcome> {
    const { finalizer } = this.options;
    let object = await this.read(key);
    if (!object) {
      this.overlays.delete(key);
      this.learned.delete(key);
      this.signals.observe(key, undefined);
      return { kind: "gone" };
    }
    // Leader election or sharding: another replica's, or none may act now (a lost Lease).
    if (this.gate && !this.gate.mayAct(object.metadata.uid)) return { kind: "notOwned" };
    const annotations = object.metadata.annotations ?? {};
    if (annotations[this.options.pauseAnnotation ?? PAUSE_ANNOTATION] === "true") {
      this.logger.debug({ key }, "paused by annotation");
      return { kind: "paused" };
    }
    const observeOnly =
      this.options.observeOnly === true ||
      annotations[this.options.observeOnlyAnnotation ?? OBSERVE_ONLY_ANNOTATION] === "true";
    const deleting = Boolean(object.metadata.deletionTimestamp);
    const finalizers = object.metadata.finalizers ?? [];
    const ours = finalizers.includes(finalizer);
    if (deleting && !ours) return { kind: "released" };
    if (!deleting && !ours && !observeOnly) {
      // Before anything can be launched, so that a deletion always waits for teardown.
      const base = object.metadata.resourceVersion;
      object = await this.api.setFinalizers(object, [...finalizers, finalizer]);
      this.remember(key, base, object);
      this.logger.debug({ key }, "finalizer added");
    }
    // A status decided but not written (bookkeeping only), while the object is unchanged.
    const overlay = this.overlays.get(key);
    this.overlays.delete(key);
    let stored: ProvisioningStatus | undefined;
    let before: ProvisioningStatus | undefined;
    try {
      stored = this.mapping.read(object);
      before =
        overlay && overlay.resourceVersion === object.metadata.resourceVersion
          ? overlay.status
          : stored;
    } catch (error) {
      if (error instanceof InvalidStatusError) {
        return this.reportInvalid(key, object, "InvalidStatus", error.message);
      }
      throw error;
    }
    this.learnStored(key, stored);
    let current: CustomObject = object;
    /** The status the engine works from, when it differs from the stored one only in bookkeeping. */
    let unwritten: ProvisioningStatus | undefined = before === stored ? undefined : before;
    /** A visible change left to write when the reconcile ends (see `persist`). */
    let deferred: ProvisioningStatus | undefined;
    const write = async (status: ProvisioningStatus, reason: PersistReason = "update") => {
      const base = current.metadata.resourceVersion;
      try {
        current = await this.writeStatus(current, status);
      } catch (error) {
        // A status that records what a launch did (its job, or that it failed) must not be
        // lost to a server error, even one that outlasts writeStatus's retries: a provider
        // without findJob could never recover the job from the pending marker alone. It is
        // kept in memory for the resourceVersion it was based on and written first by the
        // next reconcile (below). If the write did land after all, the resourceVersion has
        // moved and the stored status holds it. A 409 is different: someone else wrote the
        // status, and the engine decides again from what they stored. A marker written
        // before a launch is not kept: nothing was launched when its write failed.
        const conflict = error instanceof KubeApiError && error.status === 409;
        if (!conflict && reason !== "before-launch" && !sameLaunches(stored, status)) {
          this.overlays.set(key, { resourceVersion: base, status });
        }
        // Whatever the error, the job a launch returned is known here: the marker written
        // before the launch names it, and the next reconcile records it from memory while
        // that marker is stored (a 409's other writer, or a restart of the API, may have
        // moved the resourceVersion past the overlay's).
        const marker = stored?.pendingLaunch;
        const job = marker && status.jobs.find((j) => j.correlationId === marker.correlationId);
        if (marker && job && !status.pendingLaunch) {
          this.launched.set(key, {
            correlationId: marker.correlationId,
            jobId: job.jobId,
            ...(job.blockDeletionOnFailure === undefined
              ? {}
              : { blockDeletionOnFailure: job.blockDeletionOnFailure }),
            source: "launcher",
          });
        } else if (marker && !job && !status.pendingLaunch) {
          // The marker cleared with no job for it: the launch created nothing (the provider
          // refused it with a known outcome, or a deprovision answered waiting or skipped).
          // Kept as a resolution without a job id, so that the marker left stored is not
          // counted an unknown outcome (no findJob: a human's) but launched again.
          this.launched.set(key, { correlationId: marker.correlationId, source: "launcher" });
        }
        throw error;
      }
      this.remember(key, base, current);
      stored = status;
      unwritten = deferred = undefined;
    };
    // A launch's record whose write failed in an earlier reconcile: written before anything
    // else (the engine would otherwise see it only in memory, and another controller or a
    // restart would see only the pending marker).
    if (before !== undefined && before !== stored && !sameLaunches(stored, before)) {
      this.logger.info({ key }, "writing a launch record whose earlier write failed");
      await write(before);
    }
    const resource = object as unknown as R;
    let desired: string;
    try {
      desired = configVersion(
        this.options.desiredConfig ? this.options.desiredConfig(resource) : (object.spec ?? {}),
      );
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      // A deletion needs no config version: the teardown goes on with the one last seen.
      if (!deleting) return this.reportInvalid(key, object, "InvalidSpec", error.message);
      desired = before?.desiredConfigVersion ?? "";
    }
    const args: Parameters<typeof reconcile<R>>[0] = {
      resource,
      status: before,
      providers: this.providers,
      deleting,
      desiredConfigVersion: desired,
      options: this.engine,
      clock: this.clock,
      signal: this.abort.signal,
      // The job timing's queued and prepare phases, and the trace spans (docs/tracing.md).
      ...(timing.queuedAt === undefined ? {} : { queuedAt: timing.queuedAt }),
      ...(timing.startedAt === undefined ? {} : { startedAt: timing.startedAt }),
      ...(this.options.tracer === undefined ? {} : { tracer: this.options.tracer }),
      launchSignal: this.launchAbort.signal,
      newCorrelationId: this.options.newCorrelationId ?? randomUUID,
      expectedDurationMs: (job) => this.durations.estimate(job),
      // Status is written only when something a user can see changes: a status that
      // differs from the stored one only in bookkeeping (`withStoredBookkeeping`) stays in
      // memory (the overlay), and the engine works from it while the object is unchanged.
      // A poll's visible answer that records no new job and leaves the pending launch as
      // it is, is written when the reconcile ends (or with the next write), unless the
      // finalizer is released then: the object is gone, and a crash before that costs one
      // poll. Everything else (a pending-launch marker before a launch, a job just
      // launched) is written at once (E5).
      persist: async (status, reason) => {
        if (reason === "update") {
          const masked = withStoredBookkeeping(stored, status, this.engine.jobTimeoutMs);
          if (masked && this.sameStored(current, masked)) {
            unwritten = status;
            deferred = undefined;
            return;
          }
          if (stored && sameLaunches(stored, status)) {
            deferred = status;
            return;
          }
        }
        await write(status, reason);
      },
    };
    const gate = this.gate;
    if (observeOnly || gate) {
      const uid = object.metadata.uid;
      // Asked again before each action: a Lease lost mid-reconcile stops it at once.
      args.mayAct = (action) =>
        (!gate || gate.mayAct(uid)) &&
        (!observeOnly || action.kind === "poll" || action.kind === "adopt");
    }
    this.signals.observe(key, before);
    const signaled = this.signals.take(key);
    if (signaled) args.signaledJobIds = signaled;
    if (this.signals.active) args.signalsActive = (job) => this.signals.activeFor(job.provider);
    const resolution = readResolution(annotations[LAUNCH_RESOLUTION_ANNOTATION], this.logger, key);
    // A human's answer first; else this controller's own record of the pending launch's job,
    // while the marker it names is the one stored (any other state makes it stale).
    const pendingId = before?.pendingLaunch?.correlationId;
    let own = this.launched.get(key);
    if (own && own.correlationId !== pendingId) {
      this.launched.delete(key);
      own = undefined;
    }
    if (resolution && (resolution.correlationId === pendingId || !own)) {
      args.resolution = resolution;
    } else if (own) {
      this.logger.info(
        { key, jobId: own.jobId, correlationId: own.correlationId },
        "recording a launched job whose status write failed",
      );
      args.resolution = own;
    }
    let result: ReconcileResult;
    try {
      result = await reconcile(args);
    } catch (error) {
      // A custom StatusMapping's read may hand over what the engine then refuses.
      if (error instanceof InvalidStatusError) {
        return this.reportInvalid(key, object, "InvalidStatus", error.message);
      }
      // A poll's answer left to write is written all the same (not after a conflict: the
      // object changed, and the next reconcile reads it again).
      if (deferred && !(error instanceof KubeApiError && error.status === 409)) {
        await write(deferred).catch(() => undefined);
      }
      throw error;
    }
    const releasing = result.finalizer === "release" && ours && !observeOnly;
    if (deferred && !releasing) await write(deferred);
    if (unwritten && !releasing) {
      this.overlays.set(key, {
        resourceVersion: current.metadata.resourceVersion,
        status: unwritten,
      });
    }
    if (result.withheld) {
      this.logger.info(
        { key, action: result.withheld.kind },
        "withheld an action the engine decided (observe-only, or the resource is not this replica's now)",
      );
    }
    this.observe(current, before, result.status);
    this.signals.observe(key, result.status);
    // What becomes a Kubernetes Event is logged too, with the key, job and correlation id.
    logEngineEvents(this.logger, key, before, result.status, result.events);
    if (this.events && result.events.length > 0) await this.events.record(current, result.events);
    if (releasing) {
      const latest = current.metadata.finalizers ?? finalizers;
      const base = current.metadata.resourceVersion;
      current = await this.api.setFinalizers(
        current,
        latest.filter((f) => f !== finalizer),
      );
      this.remember(key, base, current);
      const since = Date.parse(object.metadata.deletionTimestamp ?? "");
      if (Number.isFinite(since)) this.metrics.deletionCompleted?.(this.clock() - since);
      this.logger.info({ key }, "deprovisioned; finalizer released");
    }
    return { kind: "reconciled", result, object: current };
  }

  /**
   * Report an object the controller cannot work on: `Ready=False` with `reason` and a message
   * naming the field at fault, and one Warning Event. Nothing is written, and no Event
   * recorded, when the object already carries that very condition: a resync or a restart
   * does not repeat the report of a problem that did not change. Nothing is launched or
   * polled for the object until it is repaired; the status the controller could not read
   * is left as it is.
   */
  private async reportInvalid(
    key: string,
    object: CustomObject,
    reason: InvalidReason,
    problem: string,
  ): Promise<ReconcileOutcome> {
    const message = clipText(
      `${reason === "InvalidStatus" ? "the status" : "the spec"} cannot be worked on: ${problem}; nothing is launched, polled or deleted for this object until it is repaired`,
      MAX_CONDITION_MESSAGE_CHARS,
    );
    this.logger.warn({ key, reason, problem }, "cannot work on this object");
    const existing = findCondition(readConditions(object), ConditionType.Ready);
    const generation = object.metadata.generation;
    if (
      existing?.status === "False" &&
      existing.reason === reason &&
      existing.message === message &&
      existing.observedGeneration === generation
    ) {
      return { kind: "invalid", reason };
    }
    let target = object;
    if (this.mapping.writeConditions) {
      const now = new Date(this.clock()).toISOString();
      const ready: Condition = {
        type: ConditionType.Ready,
        status: "False",
        reason,
        message,
        lastTransitionTime: existing?.status === "False" ? existing.lastTransitionTime : now,
      };
      target = await this.api.replaceStatus(object, this.mapping.writeConditions(object, [ready]));
      this.remember(key, object.metadata.resourceVersion, target);
    }
    if (this.events) {
      await this.events.record(target, [{ type: "Warning", reason, message }]);
    }
    return { kind: "invalid", reason };
  }

  /**
   * Write `status` onto `object` through the status subresource, with its resourceVersion.
   * On a 409 the object is read again; when its status is still exactly the one this write
   * was computed from (only spec, metadata or nothing relevant changed, as when a user edits
   * the spec while a launch is being recorded), the same status is written onto the fresh
   * object: a job record just launched is never dropped for a benign conflict. Otherwise
   * the 409 stands and the engine decides again from what is stored.
   *
   * On no answer, a 429 or a server error ({@link RETRIED_WRITE_STATUSES}) the object is read
   * back too: a status equal to what was sent means the write landed and only its answer
   * was lost; the status it was computed from means it did not land, and it is written
   * again; anything else, or a failed read, rethrows the write's error. Three retries in
   * all, at once (a failure that outlasts them is handled by the caller's overlay).
   */
  private async writeStatus(
    object: CustomObject,
    status: ProvisioningStatus,
  ): Promise<CustomObject> {
    let base = object;
    for (let attempt = 1; ; attempt++) {
      // Conditions are computed for the generation the engine saw, not a newer one.
      const seen = {
        ...base,
        metadata: { ...base.metadata, generation: object.metadata.generation },
      };
      const sent = this.mapping.write(seen, status);
      try {
        return await this.api.replaceStatus(base, sent);
      } catch (error) {
        if (!(error instanceof KubeApiError) || attempt > 3) throw error;
        const conflict = error.status === 409;
        if (!conflict && !RETRIED_WRITE_STATUSES.has(error.status)) throw error;
        const fresh = await this.api
          .get(object.metadata.namespace, object.metadata.name)
          .catch((): undefined => undefined);
        const found = fresh?.status ?? null;
        if (fresh && !conflict && sameJson(found, sent)) return fresh;
        if (!fresh || !sameJson(found, object.status ?? null)) throw error;
        base = fresh;
      }
    }
  }

  /**
   * Whether writing `status` would store what `object` already holds: the mapping's output
   * for it equals the object's stored status (conditions' observedGeneration, foreign fields
   * and all). Anything the mapping adds or changes makes a difference, so a custom mapping
   * is judged by what it would write.
   */
  private sameStored(object: CustomObject, status: ProvisioningStatus): boolean {
    return sameJson(this.mapping.write(object, status), object.status ?? null);
  }

  /**
   * Gives the duration estimator the jobs that ended before this controller saw them: once
   * per object, the first time it is reconciled (after a start, a restart or a new leader,
   * every object is), its stored job records. The estimator takes only those that
   * succeeded with their times known, each job once. Without it the estimator, which lives
   * in memory, would start empty after every restart, and every job in flight would be
   * polled on the no-estimate schedule (every `pollIntervalMs`) until a job of its kind
   * ended under the new controller: about 180 reads for a 30 min job instead of 3 or 4.
   */
  private learnStored(key: string, stored: ProvisioningStatus | undefined): void {
    if (this.learned.has(key)) return;
    this.learned.add(key);
    for (const job of stored?.jobs ?? []) this.durations.record(job);
  }

  /** Metrics from the difference between the status before and after a reconcile. */
  private observe(
    object: CustomObject,
    before: ProvisioningStatus | undefined,
    after: ProvisioningStatus,
  ): void {
    const m = this.metrics;
    const previous = new Map((before?.jobs ?? []).map((j) => [`${j.type}:${j.jobId}`, j]));
    for (const job of after.jobs) {
      const old = previous.get(`${job.type}:${job.jobId}`);
      if (!old) m.jobLaunched?.({ type: job.type, provider: job.provider });
      if (job.finishedAt && isTerminal(job.state) && !old?.finishedAt) {
        this.durations.record(job);
        const duration = Date.parse(job.finishedAt) - Date.parse(job.launchedAt);
        m.jobFinished?.({ type: job.type, provider: job.provider, state: job.state }, duration);
      }
    }
    const wasReady =
      before && findCondition(before.conditions, ConditionType.Ready)?.status === "True";
    const isReady = findCondition(after.conditions, ConditionType.Ready)?.status === "True";
    if (isReady && !wasReady && m.timeToReady) {
      const first = before?.reconciledConfigVersion === undefined;
      const provision = after.jobs.filter((j) => j.type === "provision").at(-1);
      const from = first
        ? Date.parse(object.metadata.creationTimestamp as unknown as string)
        : Date.parse(provision?.launchedAt ?? "");
      if (Number.isFinite(from)) {
        m.timeToReady({ since: first ? "creation" : "spec-change" }, this.clock() - from);
      }
    }
  }
}

/**
 * Whether `next` records the same jobs and the same pending launch as `stored`: a poll's
 * answer, whose loss costs one more poll, not a launch whose record E5 needs at once. No
 * stored status is the same only as a `next` with no job and no pending launch.
 */
function sameLaunches(stored: ProvisioningStatus | undefined, next: ProvisioningStatus): boolean {
  if (!stored) return next.jobs.length === 0 && next.pendingLaunch === undefined;
  const ids = (s: ProvisioningStatus) => s.jobs.map((j) => `${j.type}:${j.jobId}`).join("\n");
  return (
    ids(stored) === ids(next) && sameJson(stored.pendingLaunch ?? null, next.pendingLaunch ?? null)
  );
}

function readResolution(
  text: string | undefined,
  logger: Logger,
  key: string,
): LaunchResolution | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === "object" && value !== null) {
      const { correlationId, jobId } = value as Record<string, unknown>;
      if (typeof correlationId === "string" && (jobId === undefined || typeof jobId === "string")) {
        return jobId === undefined ? { correlationId } : { correlationId, jobId };
      }
    }
  } catch {
    // reported below
  }
  logger.warn(
    { key, annotation: LAUNCH_RESOLUTION_ANNOTATION },
    'ignoring a launch resolution that is not JSON {"correlationId": string, "jobId"?: string}',
  );
  return undefined;
}

/** The conditions stored on an object, as they are (malformed entries skipped). */
function readConditions(object: CustomObject): Condition[] {
  const status = object.status as Record<string, unknown> | undefined;
  const list = status?.["conditions"];
  return Array.isArray(list)
    ? (list as unknown[]).filter(
        (c): c is Condition => typeof c === "object" && c !== null && "type" in c,
      )
    : [];
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error);
}
