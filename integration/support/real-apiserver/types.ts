/**
 * The public types of the real API-server tier.
 * @module
 */

/** A CustomResourceDefinition to create on the server before it is handed to the test. */
export interface RealApiServerCrd {
  /** API group, such as `example.com`. */
  group: string;
  /** The one served and stored version, such as `v1`. */
  version: string;
  /** Plural resource name, such as `widgets`. */
  plural: string;
  /** Kind, such as `Widget`. */
  kind: string;
  /** Defaults to `Namespaced`. */
  scope?: "Namespaced" | "Cluster";
  /** Enable the `/status` subresource. Defaults to false. */
  statusSubresource?: boolean;
  /**
   * A full CRD manifest to create instead of the generated one (its names must match the
   * fields above), for a CRD whose schema or annotations matter, such as the Leases CRD of
   * integration/support/leases.ts.
   */
  manifest?: Record<string, unknown>;
}

/** Options of {@link startRealApiServer}. */
export interface RealApiServerOptions {
  /** CRDs to create; each is Established and answers a list, a watch and a write before the start resolves. */
  crds: RealApiServerCrd[];
  /** Upper bound, in ms, of the wait for each of etcd, the API server and the CRDs. Default 45 000. */
  readyTimeoutMs?: number;
}

/** A running real API server. */
export interface RealApiServer {
  /**
   * A kubeconfig, as JSON text, for client-node's `KubeConfig.loadFromString`: the server URL, its
   * CA, and an admin client certificate (group `system:masters`). Its context's namespace is `default`.
   */
  readonly kubeconfig: string;
  /** The server's base URL, `https://127.0.0.1:<port>`. */
  readonly url: string;
  /**
   * How long the start took, in ms: certificates + etcd + auth stub (in parallel), then the API
   * server up to `/readyz`, then the CRDs up to a working write.
   */
  readonly timings: { etcdMs: number; apiserverMs: number; crdsMs: number; totalMs: number };
  /** Stops the API server and etcd, closes the auth stub and removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
  /**
   * Kills the API server process (SIGKILL) and starts a new one on the same port, with the
   * same certificates and etcd; resolves once its `/readyz` answers 200 again. Its clients'
   * watches and requests break meanwhile, as in an API server crash or a rolling restart.
   */
  restartApiServer(): Promise<void>;
}

/** Paths of the provisioned binaries. */
export interface RealApiServerBinaries {
  /** The apiextensions-apiserver binary. */
  apiserver: string;
  /** The etcd binary. */
  etcd: string;
}

/** Whether the tier can run here, and if not, why. */
export type RealApiServerStatus = { available: true } | { available: false; reason: string };

/** How tests treat the tier, from `PROVISIONKIT_REAL_APISERVER`. */
export type RealApiServerMode = "auto" | "required" | "skip";
