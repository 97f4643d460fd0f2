/**
 * The client-node `KubeConfig` of a simulator, loaded lazily: `@kubernetes/client-node` is an
 * optional peer dependency, needed only by the operator suite (whose controllers need it
 * anyway).
 *
 * @module
 */
import type { KubeConfig } from "@kubernetes/client-node";

/** A `KubeConfig` loaded from kubeconfig text (imports client-node on first use). */
export async function loadKubeConfig(text: string): Promise<KubeConfig> {
  const clientNode = await import("@kubernetes/client-node");
  const config = new clientNode.KubeConfig();
  config.loadFromString(text);
  return config;
}
