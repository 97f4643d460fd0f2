import { KubeConfig } from "@kubernetes/client-node";

/** A KubeConfig for a loopback test server: one cluster at `server`, a bearer `token`. */
export function tokenKubeConfig(server: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: true }],
    users: [{ name: "u", token }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}
