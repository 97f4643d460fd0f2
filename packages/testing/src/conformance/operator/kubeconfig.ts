/**
 * client-node `KubeConfig`s from kubeconfig text, loaded lazily: `@kubernetes/client-node` is
 * an optional peer dependency, needed only by the operator suite (whose controllers need it
 * anyway).
 *
 * @module
 */
import type { KubeConfig } from "@kubernetes/client-node";

/**
 * A `KubeConfig` loaded from kubeconfig text (YAML or JSON; imports client-node on first use),
 * its current context set to `namespace` when given, and its cluster's server replaced by
 * `server` when given (a loopback link to the same server: TLS names are unchanged).
 */
export async function loadKubeConfig(
  text: string,
  namespace?: string,
  server?: string,
): Promise<KubeConfig> {
  const clientNode = await import("@kubernetes/client-node");
  const loaded = new clientNode.KubeConfig();
  loaded.loadFromString(text);
  if (namespace === undefined && server === undefined) return loaded;
  const current = loaded.getCurrentContext();
  const context = loaded.getContextObject(current);
  const config = new clientNode.KubeConfig();
  config.loadFromOptions({
    clusters: loaded.clusters.map((c) =>
      server !== undefined && c.name === context?.cluster ? { ...c, server } : c,
    ),
    users: loaded.users,
    contexts: loaded.contexts.map((c) =>
      namespace !== undefined && c.name === current ? { ...c, namespace } : c,
    ),
    currentContext: current,
  });
  return config;
}
