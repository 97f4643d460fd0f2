/**
 * The playbooks' Kubernetes connection: given directly, or read from a kubeconfig.
 *
 * @module
 */
import type { KubernetesConnection } from "./types.js";

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function named(list: unknown, name: unknown, key: string): Record<string, unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry = list.map(record).find((item) => item?.name === name);
  return record(entry?.[key]);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function pem(value: unknown): string | undefined {
  const data = text(value);
  return data === undefined ? undefined : Buffer.from(data, "base64").toString("utf8");
}

/**
 * Reads a kubeconfig given as JSON text (as `KubernetesApiSimulator.kubeconfig()` returns):
 * the current context's cluster (`server`, `certificate-authority-data`,
 * `insecure-skip-tls-verify`) and user (`token`, `client-certificate-data`,
 * `client-key-data`). YAML kubeconfigs and file references (`certificate-authority`,
 * `tokenFile`, exec plugins) are out of scope.
 *
 * @throws TypeError for text that is not JSON or names no usable cluster.
 */
export function parseKubeconfig(source: string): KubernetesConnection {
  let config: Record<string, unknown> | undefined;
  try {
    config = record(JSON.parse(source) as unknown);
  } catch {
    throw new TypeError("the kubeconfig must be JSON text (YAML is not supported)");
  }
  const context = named(config?.contexts, config?.["current-context"], "context");
  const cluster = named(config?.clusters, context?.cluster, "cluster");
  const user = named(config?.users, context?.user, "user");
  const server = typeof cluster?.server === "string" ? cluster.server : undefined;
  if (!server) throw new TypeError("the kubeconfig's current context names no cluster server");
  const connection: KubernetesConnection = { server };
  const token = text(user?.token);
  const ca = pem(cluster?.["certificate-authority-data"]);
  const cert = pem(user?.["client-certificate-data"]);
  const key = pem(user?.["client-key-data"]);
  if (token !== undefined) connection.token = token;
  if (ca !== undefined) connection.ca = ca;
  if (cert !== undefined) connection.cert = cert;
  if (key !== undefined) connection.key = key;
  if (cluster?.["insecure-skip-tls-verify"] === true) connection.insecureSkipTLSVerify = true;
  return connection;
}

/** The connection an option gives, if any. */
export function resolveConnection(
  option: KubernetesConnection | string | undefined,
): KubernetesConnection | undefined {
  if (option === undefined) return undefined;
  return typeof option === "string" ? parseKubeconfig(option) : { ...option };
}
