/**
 * CRD creation and readiness.
 * @module
 */
import type { Pki } from "./certs.ts";
import { call } from "./http.ts";
import { waitFor, type Child } from "./processes.ts";
import type { RealApiServerCrd } from "./types.ts";

function crdName(crd: RealApiServerCrd): string {
  return `${crd.plural}.${crd.group}`;
}

function crdManifest(crd: RealApiServerCrd): unknown {
  if (crd.manifest) return crd.manifest;
  const open = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: crdName(crd) },
    spec: {
      group: crd.group,
      scope: crd.scope ?? "Namespaced",
      names: {
        plural: crd.plural,
        singular: crd.kind.toLowerCase(),
        kind: crd.kind,
        listKind: `${crd.kind}List`,
      },
      versions: [
        {
          name: crd.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec: open, status: open } } },
          ...(crd.statusSubresource ? { subresources: { status: {} } } : {}),
        },
      ],
    },
  };
}

interface CrdStatus {
  status?: { conditions?: { type?: string; status?: string; message?: string }[] };
}

/**
 * Creates `crd` and waits until it is Established and answers a list, a watch and a dry-run
 * create.
 */
export async function createCrd(
  pki: Pki,
  url: string,
  crd: RealApiServerCrd,
  apiserver: Child,
  timeoutMs: number,
) {
  const created = await call(
    pki,
    url,
    "POST",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    crdManifest(crd),
  );
  if (created.status !== 201) {
    throw new Error(`creating the CRD ${crdName(crd)} answered ${created.status}: ${created.text}`);
  }
  await waitFor(`the CRD ${crdName(crd)} to be Established`, apiserver, timeoutMs, async () => {
    const reply = await call(
      pki,
      url,
      "GET",
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName(crd)}`,
    );
    if (reply.status !== 200) throw new Error(`GET CRD answered ${reply.status}`);
    const conditions = (JSON.parse(reply.text) as CrdStatus).status?.conditions ?? [];
    const established = conditions.find((c) => c.type === "Established");
    if (established?.status === "True") return true;
    const names = conditions.find((c) => c.type === "NamesAccepted");
    if (names?.status === "False")
      throw new Error(`the CRD's names were not accepted: ${names.message ?? ""}`);
    return false;
  });
  // Right after creation the resource's storage is (re)initializing: lists and watches answer
  // 429 with Retry-After for up to a second or two. Wait until both work.
  const base = `/apis/${crd.group}/${crd.version}/${(crd.scope ?? "Namespaced") === "Namespaced" ? "namespaces/default/" : ""}${crd.plural}`;
  let resourceVersion = "";
  await waitFor(`a list of ${crdName(crd)} to answer 200`, apiserver, timeoutMs, async () => {
    const reply = await call(pki, url, "GET", base);
    if (reply.status !== 200) throw new Error(`list answered ${reply.status}`);
    resourceVersion =
      (JSON.parse(reply.text) as { metadata?: { resourceVersion?: string } }).metadata
        ?.resourceVersion ?? "";
    return true;
  });
  await waitFor(`a watch of ${crdName(crd)} to answer 200`, apiserver, timeoutMs, async () => {
    const reply = await call(
      pki,
      url,
      "GET",
      `${base}?watch=true&timeoutSeconds=1&resourceVersion=${resourceVersion}`,
    );
    if (reply.status !== 200) throw new Error(`watch answered ${reply.status}`);
    return true;
  });
  // The first write to a new CRD's resource blocks for about 2 s (measured with 0.36.4); later
  // ones take milliseconds. A dry-run create absorbs that here, so that tests start against
  // CRDs that behave as long-installed ones do.
  await waitFor(
    `a dry-run create of ${crdName(crd)} to answer 201`,
    apiserver,
    timeoutMs,
    async () => {
      const reply = await call(pki, url, "POST", `${base}?dryRun=All`, {
        apiVersion: `${crd.group}/${crd.version}`,
        kind: crd.kind,
        metadata: { name: "provisionkit-warm-up" },
      });
      if (reply.status !== 201)
        throw new Error(`dry-run create answered ${reply.status}: ${reply.text}`);
      return true;
    },
  );
}
