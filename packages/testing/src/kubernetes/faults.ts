/**
 * Fault rules: matching requests and counting firings.
 *
 * @module
 */
import { checkFaultTimes, FaultRules } from "../fault-rules.js";
import type {
  KubeConflictFaultOptions,
  KubeDelayFaultOptions,
  KubeFaultHandle,
  KubeFaults,
  KubeStatusFaultOptions,
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

function checkTimes(times: number): void {
  checkFaultTimes(times, "fault times");
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
  readonly #conflicts = new FaultRules<KubeConflictFaultOptions>();
  readonly #statuses = new FaultRules<KubeStatusFaultOptions>();
  readonly #delays = new FaultRules<KubeDelayFaultOptions>();

  /** @param hooks - How to drop watches and compact history. */
  constructor(hooks: FaultHooks) {
    this.#hooks = hooks;
  }

  /** {@inheritDoc KubeFaults.conflicts} */
  conflicts(options: KubeConflictFaultOptions): KubeFaultHandle {
    checkTimes(options.times);
    return this.#add(this.#conflicts, options);
  }

  /** {@inheritDoc KubeFaults.status} */
  status(options: KubeStatusFaultOptions): KubeFaultHandle {
    checkTimes(options.times);
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
    checkTimes(options.times);
    if (!(Number.isFinite(options.ms) && options.ms >= 0)) {
      throw new RangeError(`delay fault needs ms >= 0, got ${options.ms}`);
    }
    return this.#add(this.#delays, options);
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

  #add<T extends { times: number }>(rules: FaultRules<T>, options: T): KubeFaultHandle {
    return rules.add(structuredClone(options), options.times);
  }
}
