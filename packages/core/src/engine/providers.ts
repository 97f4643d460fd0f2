import { ConfigurationError } from "../errors.js";
import { capabilitiesOf, type Provider } from "../provider.js";
import type { ResourceObject } from "../resource.js";
import { MAX_OPERATOR_STRING_CHARS } from "../text-bounds.js";
import type { ProviderDirectory } from "./types.js";

/**
 * The providers a reconcile can use: the current one launches new jobs; any job is
 * polled and canceled through the provider named on its record (E6), so a resource
 * provisioned by one provider can be deprovisioned by another.
 */
export interface ProviderSet<R extends ResourceObject = ResourceObject> {
  /** The provider new jobs are launched with. */
  readonly current: Provider<R>;
  /**
   * Every provider of the set, the current one first (the Kubernetes runtime subscribes to
   * the job signals of each that offers them). A set without it is read as `[current]`.
   */
  readonly all?: readonly Provider<R>[];
  /** The provider with this name, if configured. */
  get(name: string): Provider<R> | undefined;
  /** The capability view the pure engine uses. */
  readonly directory: ProviderDirectory;
}

/**
 * Build a {@link ProviderSet} from the current provider and, optionally, providers that
 * launched jobs earlier (for example the one a resource was migrated away from).
 *
 * @throws ConfigurationError when a name is empty (P1), longer than
 *   `MAX_OPERATOR_STRING_CHARS` (253, the status budget) or used twice, or a
 *   `launchSettleMs` is not a finite number >= 0.
 */
export function providerSet<R extends ResourceObject>(
  current: Provider<R>,
  ...others: readonly Provider<R>[]
): ProviderSet<R> {
  const byName = new Map<string, Provider<R>>();
  for (const provider of [current, ...others]) {
    if (typeof provider.name !== "string" || provider.name.trim() === "") {
      throw new ConfigurationError("P1: a provider's name must be a non-empty string");
    }
    if (provider.name.length > MAX_OPERATOR_STRING_CHARS) {
      throw new ConfigurationError(
        `a provider's name must be at most ${MAX_OPERATOR_STRING_CHARS} characters (it is stored on every job record), got ${provider.name.length}`,
      );
    }
    const settle: unknown = provider.launchSettleMs;
    if (
      settle !== undefined &&
      !(typeof settle === "number" && Number.isFinite(settle) && settle >= 0)
    ) {
      throw new ConfigurationError(
        `provider ${provider.name}: launchSettleMs must be a finite number >= 0 or undefined, got ${shownValue(settle)}`,
      );
    }
    if (byName.has(provider.name)) {
      throw new ConfigurationError(`two providers are named ${JSON.stringify(provider.name)}`);
    }
    byName.set(provider.name, provider);
  }
  const caps = new Map([...byName].map(([name, p]) => [name, capabilitiesOf(p)]));
  return {
    current,
    all: [...byName.values()],
    get: (name) => byName.get(name),
    directory: {
      current: capabilitiesOf(current),
      get: (name) => caps.get(name),
    },
  };
}

/**
 * A refused option value as a person reads it: numbers as written (`NaN`, `Infinity`, which
 * JSON shows as `null`), other values in JSON, and the type of one JSON cannot show.
 */
function shownValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  return JSON.stringify(value) ?? typeof value;
}
