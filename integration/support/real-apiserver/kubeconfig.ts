/**
 * The kubeconfigs: the admin one handed to the tests, and the one pointing at the auth stub.
 * @module
 */
import type { Pki } from "./certs.ts";

/** The admin kubeconfig, as JSON text, handed to the tests. */
export function kubeconfigFor(url: string, pki: Pki): string {
  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "provisionkit-real",
          cluster: { server: url, "certificate-authority-data": b64(pki.caCert) },
        },
      ],
      users: [
        {
          name: "provisionkit-admin",
          user: {
            "client-certificate-data": b64(pki.clientCert),
            "client-key-data": b64(pki.clientKey),
          },
        },
      ],
      contexts: [
        {
          name: "provisionkit-real",
          context: {
            cluster: "provisionkit-real",
            user: "provisionkit-admin",
            namespace: "default",
          },
        },
      ],
      "current-context": "provisionkit-real",
    },
    null,
    2,
  );
}

/** The kubeconfig, as JSON text, that points the API server at the auth stub. */
export function stubKubeconfig(stubUrl: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "stub", cluster: { server: stubUrl } }],
    users: [{ name: "stub", user: {} }],
    contexts: [{ name: "stub", context: { cluster: "stub", user: "stub" } }],
    "current-context": "stub",
  });
}
