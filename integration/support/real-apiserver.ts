/**
 * The real Kubernetes API-server test tier: a real `apiextensions-apiserver` (the Kubernetes
 * server for CustomResourceDefinitions and custom objects, the same k8s.io/apiserver code that
 * kube-apiserver runs for CRDs) backed by a real etcd, both on 127.0.0.1, started per test file.
 *
 * The binaries come from `scripts/real-apiserver/provision.sh`, which builds them from Debian sid
 * packages into `${PROVISIONKIT_CACHE_DIR:-$HOME/.cache/provisionkit}/real-apiserver/`. This module
 * only reads that cache: it never builds or downloads anything.
 *
 * What the server is not: it has no core `/api` group (no namespaces, configmaps, secrets, events),
 * no garbage collector and no controllers. Namespaced custom objects work in any namespace name.
 *
 * The environment variable `PROVISIONKIT_REAL_APISERVER` selects how tests treat the tier:
 * - unset or `auto`: run when provisioned, otherwise skip with a warning;
 * - `required`: an unprovisioned tier is a test failure (set by `scripts/real-apiserver/ci-tier.sh`
 *   when provisioning succeeded);
 * - `skip`: never run (set by `ci-tier.sh` when provisioning was impossible; its reason is passed
 *   in `PROVISIONKIT_REAL_APISERVER_REASON`).
 *
 * @example
 * ```ts
 * const status = realApiServerStatus();
 * describe.skipIf(!status.available)("on a real API server", () => {
 *   let server: RealApiServer;
 *   beforeAll(async () => {
 *     server = await startRealApiServer({ crds: [{ group: "example.com", version: "v1",
 *       plural: "widgets", kind: "Widget", statusSubresource: true }] });
 *   });
 *   afterAll(() => server.stop());
 *   it("works", async () => {
 *     const kc = new KubeConfig();
 *     kc.loadFromString(server.kubeconfig);
 *     // ... kc.makeApiClient(CustomObjectsApi)
 *   });
 * });
 * ```
 * @module
 */
export {
  realApiServerBinaries,
  realApiServerCacheDir,
  realApiServerVersions,
} from "./real-apiserver/cache.ts";
export { startRealApiServer } from "./real-apiserver/server.ts";
export {
  realApiServerMode,
  realApiServerRequired,
  realApiServerStatus,
} from "./real-apiserver/status.ts";
export type {
  RealApiServer,
  RealApiServerBinaries,
  RealApiServerCrd,
  RealApiServerMode,
  RealApiServerOptions,
  RealApiServerStatus,
} from "./real-apiserver/types.ts";
