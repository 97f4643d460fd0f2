/**
 * Fault rules: matching requests and counting firings.
 *
 * @module
 */
import { checkFaultRate, checkFaultTimes, FaultRandom, FaultRules } from "../fault-rules.js";
import type {
  KubeConflictFaultOptions,
  KubeDelayFaultOptions,
  KubeFaultHandle,
  KubeFaults,
  KubeStatusFaultOptions,
  KubeWatchFaultOptions,
} from "./fault-types.js";

/** The request a fault rule is matched against. */
export interface FaultRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Path and query string. */
  readonly target: string;
}

/** What the registry needs from the rest of the simulator. */
export interface FaultHooks {
  /** Ends every open watch; returns how many. */
  readonly dropWatches: () => number;
  /** Forgets watch history. */
  readonly compact: () => void;
}

function checkTimes(options: { times: number; rate?: number }): void {
  checkFaultTimes(options.times, "fault times");
  if (options.rate !== undefined) checkFaultRate(options.rate, "fault rate");
}

function matchesRequest(
  options: { method?: string; pathIncludes?: string },
  request: FaultRequest,
): boolean {
  return (
    (options.method === undefined || options.method.toUpperCase() === request.method) &&
    (options.pathIncludes === undefined || request.target.includes(options.pathIncludes))
  );
}

/** The fault rules of one simulator. */
export class FaultRegistry implements KubeFaults {
  readonly #hooks: FaultHooks;
  readonly #random = new FaultRandom();
  readonly #conflicts = new FaultRules<KubeConflictFaultOptions>(this.#random);
  readonly #statuses = new FaultRules<KubeStatusFaultOptions>(this.#random);
  readonly #delays = new FaultRules<KubeDelayFaultOptions>(this.#random);
  readonly #watches = new FaultRules<KubeWatchFaultOptions>(this.#random);

  /** @param hooks - How to drop watches and compact history. */
  constructor(hooks: FaultHooks) {
    this.#hooks = hooks;
  }

  /** {@inheritDoc KubeFaults.conflicts} */
  conflicts(options: KubeConflictFaultOptions): KubeFaultHandle {
    checkTimes(options);
    return this.#add(this.#conflicts, options);
  }

  /** {@inheritDoc KubeFaults.status} */
  status(options: KubeStatusFaultOptions): KubeFaultHandle {
    checkTimes(options);
    if (!(Number.isInteger(options.code) && options.code >= 400 && options.code <= 599)) {
      throw new RangeError(`status fault needs an error status code, got ${options.code}`);
    }
    const retry = options.retryAfterSeconds;
    if (retry !== undefined && !(Number.isInteger(retry) && retry >= 0)) {
      throw new RangeError(`retryAfterSeconds must be a non-negative integer, got ${retry}`);
    }
    return this.#add(this.#statuses, options);
  }

  /** {@inheritDoc KubeFaults.delay} */
  delay(options: KubeDelayFaultOptions): KubeFaultHandle {
    checkTimes(options);
    if (!(Number.isFinite(options.ms) && options.ms >= 0)) {
      throw new RangeError(`delay fault needs ms >= 0, got ${options.ms}`);
    }
    return this.#add(this.#delays, options);
  }

  /** {@inheritDoc KubeFaults.watches} */
  watches(options: KubeWatchFaultOptions): KubeFaultHandle {
    checkTimes(options);
    if (options.action !== "drop" && options.action !== "compact") {
      throw new RangeError(
        `watch fault action must be drop or compact, got ${String(options.action)}`,
      );
    }
    return this.#add(this.#watches, options);
  }

  /** {@inheritDoc KubeFaults.seed} */
  seed(seed: number): void {
    this.#random.reseed(seed);
  }

  /** {@inheritDoc KubeFaults.dropWatches} */
  dropWatches(): number {
    return this.#hooks.dropWatches();
  }

  /** {@inheritDoc KubeFaults.compact} */
  compact(): void {
    this.#hooks.compact();
  }

  /** {@inheritDoc KubeFaults.clear} */
  clear(): void {
    this.#conflicts.clear();
    this.#statuses.clear();
    this.#delays.clear();
    this.#watches.clear();
  }

  /**
   * Fires a matching watch rule: drops the open watches or compacts the history; returns
   * which it did.
   */
  takeWatchFault(request: FaultRequest): "drop-watches" | "compact" | undefined {
    const rule = this.#watches.take((o) => matchesRequest(o, request));
    if (!rule) return undefined;
    if (rule.action === "drop") {
      this.#hooks.dropWatches();
      return "drop-watches";
    }
    this.#hooks.compact();
    return "compact";
  }

  /** Fires a matching delay rule; returns its milliseconds. */
  takeDelay(request: FaultRequest): number | undefined {
    return this.#delays.take((o) => matchesRequest(o, request))?.ms;
  }

  /** Fires a matching status rule; returns its options. */
  takeStatus(request: FaultRequest): KubeStatusFaultOptions | undefined {
    return this.#statuses.take((o) => matchesRequest(o, request));
  }

  /** Fires a matching conflict rule; returns whether one fired. */
  takeConflict(verb: "update" | "patch", subresource: "status" | "main", name: string): boolean {
    const fired = this.#conflicts.take(
      (o) =>
        (o.verbs === undefined || o.verbs.includes(verb)) &&
        (o.subresource === undefined || o.subresource === subresource) &&
        (o.name === undefined || o.name === name),
    );
    return fired !== undefined;
  }

  #add<T extends { times: number; rate?: number }>(
    rules: FaultRules<T>,
    options: T,
  ): KubeFaultHandle {
    return rules.add(structuredClone(options), options.times, options.rate);
  }
}
