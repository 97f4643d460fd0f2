import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { AuthenticationError, ConfigurationError, TransientError } from "../errors.js";
import {
  describeSecretReference,
  type SecretReadOptions,
  type SecretReference,
  type SecretSource,
} from "../secrets.js";
import { toKubeError } from "./kube-api.js";

/** Options of {@link KubernetesSecretSource}. */
export interface KubernetesSecretSourceOptions {
  /** Where the API server is and how to authenticate (the operator's own kubeconfig). */
  kubeConfig: KubeConfig;
  /**
   * Namespace of references that name none. Default: the kubeconfig context's namespace,
   * else `default`.
   */
  namespace?: string;
  /**
   * How long a value read is reused, in ms. Default 60 000: a rotated Secret is picked up
   * within a minute, and at once when a provider reads with `fresh: true` after the backend
   * rejected the old credential. `0` reads on every call.
   */
  cacheTtlMs?: number;
  /** Clock for cache expiry. Default `Date.now`. */
  now?: () => number;
}

/**
 * A {@link SecretSource} that reads core/v1 Secrets through the Kubernetes API
 * (`GET /api/v1/namespaces/{ns}/secrets/{name}`), decodes the key's base64 `data` as UTF-8
 * and caches it for a short while. The operator's service account needs `get` on those
 * Secrets. Values never appear in its errors.
 *
 * @example
 * ```ts
 * const secrets = new KubernetesSecretSource({ kubeConfig });
 * const provider = new EdaProvider({
 *   target: { type: "webhook", url: "https://rulebook.example.com" },
 *   auth: { type: "bearer", token: { secretRef: { name: "eda-webhook", key: "token" } } },
 *   secrets,
 * });
 * ```
 */
export class KubernetesSecretSource implements SecretSource {
  readonly #api: CoreV1Api;
  readonly #namespace: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { value: string; readAt: number }>();

  /** @param options - see {@link KubernetesSecretSourceOptions}. */
  constructor(options: KubernetesSecretSourceOptions) {
    const ttl = options.cacheTtlMs ?? 60_000;
    if (!Number.isFinite(ttl) || ttl < 0) {
      throw new ConfigurationError(
        `KubernetesSecretSource cacheTtlMs must be a non-negative number, got ${ttl}`,
      );
    }
    this.#api = options.kubeConfig.makeApiClient(CoreV1Api);
    const context = options.kubeConfig.getContextObject(options.kubeConfig.getCurrentContext());
    this.#namespace = options.namespace ?? context?.namespace ?? "default";
    this.#ttlMs = ttl;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The value of `reference`'s key.
   *
   * @throws ConfigurationError when the Secret or the key does not exist;
   *   AuthenticationError when the API server refuses the read (401/403);
   *   TransientError for other failures (retryable).
   */
  async read(reference: SecretReference, options: SecretReadOptions = {}): Promise<string> {
    const namespace = reference.namespace ?? this.#namespace;
    const full: SecretReference = { ...reference, namespace };
    const cacheKey = `${namespace}/${reference.name}#${reference.key}`;
    const cached = this.#cache.get(cacheKey);
    if (!options.fresh && cached && this.#now() - cached.readAt < this.#ttlMs) {
      return cached.value;
    }
    const where = describeSecretReference(full);
    let data: Record<string, string> | undefined;
    try {
      const secret = await this.#api.readNamespacedSecret({ name: reference.name, namespace });
      data = secret.data;
    } catch (error) {
      const failure = toKubeError(error, `reading Secret ${namespace}/${reference.name}`);
      if (failure.status === 404) {
        throw new ConfigurationError(`Secret ${namespace}/${reference.name} does not exist`, {
          details: { secret: where },
        });
      }
      if (failure.status === 401 || failure.status === 403) {
        throw new AuthenticationError(
          `not allowed to read Secret ${namespace}/${reference.name} (${failure.status}): ` +
            `grant the operator's service account "get" on secrets in ${namespace}`,
          { details: { secret: where, status: failure.status } },
        );
      }
      throw new TransientError(failure.message, {
        details: { secret: where, status: failure.status },
      });
    }
    const encoded = data?.[reference.key];
    if (encoded === undefined) {
      throw new ConfigurationError(
        `Secret ${namespace}/${reference.name} has no key ${JSON.stringify(reference.key)}`,
        { details: { secret: where } },
      );
    }
    const value = Buffer.from(encoded, "base64").toString("utf8");
    this.#cache.set(cacheKey, { value, readAt: this.#now() });
    return value;
  }
}
