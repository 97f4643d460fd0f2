/**
 * Kubeconfig text pointing at the simulator.
 *
 * @module
 */

/** Options of {@link kubeconfigText}. */
export interface KubeconfigParams {
  /** Base URL of the server. */
  readonly server: string;
  /** Bearer token, if the server requires one. */
  readonly token: string | undefined;
  /** Namespace of the context (default `default`). */
  readonly namespace: string | undefined;
  /** User entry name (default `simulator`). */
  readonly user: string | undefined;
}

/** The name of the cluster and context entries. */
export const CONTEXT_NAME = "kubernetes-api-simulator";

/**
 * A kubeconfig as JSON text (valid YAML, so `KubeConfig.loadFromString` reads it). The
 * cluster has `insecure-skip-tls-verify: true`, which @kubernetes/client-node 1.x requires
 * before it talks to an `http://` server.
 */
export function kubeconfigText(params: KubeconfigParams): string {
  const user = params.user ?? "simulator";
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: CONTEXT_NAME,
          cluster: { server: params.server, "insecure-skip-tls-verify": true },
        },
      ],
      users: [{ name: user, user: params.token === undefined ? {} : { token: params.token } }],
      contexts: [
        {
          name: CONTEXT_NAME,
          context: { cluster: CONTEXT_NAME, user, namespace: params.namespace ?? "default" },
        },
      ],
      "current-context": CONTEXT_NAME,
      preferences: {},
    },
    null,
    2,
  );
}
