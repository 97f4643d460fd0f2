/**
 * Fault rules: matching requests and counting firings.
 *
 * @module
 */
import type {
  KubeConflictFaultOptions,
  KubeDelayFaultOptions,
  KubeFaultHandle,
  KubeFaults,
  KubeStatusFaultOptions,
} from "./fault-types.js";

interface Rule<T> {
  readonly options: T;
  readonly times: number;
  fired: number;
}

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
  if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
    throw new RangeError(`fault times must be a positive integer or Infinity, got ${times}`);
  }
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

/** Fires the first rule with remaining times that matches. */
function take<T>(rules: Rule<T>[], matches: (options: T) => boolean): T | undefined {
  const rule = rules.find((r) => r.fired < r.times && matches(r.options));
  if (!rule) return undefined;
  rule.fired += 1;
  return rule.options;
}

/** The fault rules of one simulator. */
export class FaultRegistry implements KubeFaults {
  readonly #hooks: FaultHooks;
  readonly #conflicts: Rule<KubeConflictFaultOptions>[] = [];
  readonly #statuses: Rule<KubeStatusFaultOptions>[] = [];
  readonly #delays: Rule<KubeDelayFaultOptions>[] = [];

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
    this.#conflicts.length = 0;
    this.#statuses.length = 0;
    this.#delays.length = 0;
  }

  /** Fires a matching delay rule; returns its milliseconds. */
  takeDelay(request: FaultRequest): number | undefined {
    return take(this.#delays, (o) => matchesRequest(o, request))?.ms;
  }

  /** Fires a matching status rule; returns its options. */
  takeStatus(request: FaultRequest): KubeStatusFaultOptions | undefined {
    return take(this.#statuses, (o) => matchesRequest(o, request));
  }

  /** Fires a matching conflict rule; returns whether one fired. */
  takeConflict(verb: "update" | "patch", subresource: "status" | "main", name: string): boolean {
    const fired = take(
      this.#conflicts,
      (o) =>
        (o.verbs === undefined || o.verbs.includes(verb)) &&
        (o.subresource === undefined || o.subresource === subresource) &&
        (o.name === undefined || o.name === name),
    );
    return fired !== undefined;
  }

  #add<T>(rules: Rule<T>[], options: T): KubeFaultHandle {
    const rule: Rule<T> = {
      options: structuredClone(options),
      times: (options as { times: number }).times,
      fired: 0,
    };
    rules.push(rule);
    return {
      get fired() {
        return rule.fired;
      },
      remove: () => {
        const index = rules.indexOf(rule);
        if (index >= 0) rules.splice(index, 1);
      },
    };
  }
}
