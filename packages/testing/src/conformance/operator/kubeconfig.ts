/**
 * client-node `KubeConfig`s from kubeconfig text, loaded lazily: `@kubernetes/client-node` is
 * an optional peer dependency, needed only by the operator suite (whose controllers need it
 * anyway).
 *
 * @module
 */
import type { KubeConfig } from "@kubernetes/client-node";

/** Changes a kubeconfig's current cluster entry so a client goes through a relay. */
export interface ClusterRoute {
  /** The fields to set: `proxyUrl` (an https server) or `server` (a plain http one). */
  clusterFields(): { proxyUrl: string } | { server: string };
}

/**
 * A `KubeConfig` loaded from kubeconfig text (YAML or JSON; imports client-node on first use),
 * its current context set to `namespace` when given, and its current cluster reached through
 * `route` when given.
 *
 * @throws Error when `route` needs a `proxy-url` and the cluster already has one.
 */
export async function loadKubeConfig(
  text: string,
  namespace?: string,
  route?: ClusterRoute,
): Promise<KubeConfig> {
  const clientNode = await import("@kubernetes/client-node");
  const loaded = new clientNode.KubeConfig();
  loaded.loadFromString(text);
  if (namespace === undefined && route === undefined) return loaded;
  const current = loaded.getCurrentContext();
  const context = loaded.getContextObject(current);
  const fields = route?.clusterFields();
  const config = new clientNode.KubeConfig();
  config.loadFromOptions({
    clusters: loaded.clusters.map((c) => {
      if (fields === undefined || c.name !== context?.cluster) return c;
      if ("proxyUrl" in fields && c.proxyUrl) {
        throw new Error(
          `operator conformance: the cluster ${c.name} is reached through a proxy (proxy-url); the suite needs to put its own relay there to crash controllers`,
        );
      }
      return { ...c, ...fields };
    }),
    users: loaded.users,
    contexts: loaded.contexts.map((c) =>
      namespace !== undefined && c.name === current ? { ...c, namespace } : c,
    ),
    currentContext: current,
  });
  return config;
}
