import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CRD } from "../support/cluster.ts";

// deploy/: every manifest parses, the kustomization lists them all, the RBAC rules grant
// exactly the verbs the controller's code calls (derived from its source, not copied by
// hand), and the Deployment's probes, port and security context are those of the runtime.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEPLOY = join(ROOT, "deploy");
const RUNTIME = join(ROOT, "packages/core/src/kubernetes");

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
} & Record<string, unknown>;
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

function manifests(): { file: string; doc: Manifest }[] {
  const out: { file: string; doc: Manifest }[] = [];
  for (const file of readdirSync(DEPLOY)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    for (const document of parseAllDocuments(readFileSync(join(DEPLOY, file), "utf8"))) {
      expect(document.errors, file).toEqual([]);
      out.push({ file, doc: document.toJS() as Manifest });
    }
  }
  return out;
}

/**
 * The (apiGroup, resource, verb) triples the controller's code calls: each client-node call
 * in the runtime's source (`listNamespacedCustomObject…`, `createNamespacedEvent…`,
 * `readNamespacedLease`…) mapped to its Kubernetes verb and resource, and the informer's
 * list and watch. A call whose resource is not known here fails the test, so that a new
 * kind of request cannot go unnoticed by the RBAC rules.
 */
function callsInSource(): Set<string> {
  const verbs: Record<string, string> = {
    list: "list",
    get: "get",
    read: "get",
    create: "create",
    replace: "update",
    patch: "patch",
    delete: "delete",
  };
  const resources: Record<string, [string, string]> = {
    CustomObject: [CRD.group, CRD.plural],
    CustomObjectStatus: [CRD.group, `${CRD.plural}/status`],
    Event: ["", "events"],
    Lease: ["coordination.k8s.io", "leases"],
  };
  // KubernetesSecretSource is not the controller: an operator opts into it and grants
  // `get` on the Secrets it names (docs/operations.md).
  const skipped = new Set(["secret-source.ts"]);
  const found = new Set<string>();
  const call =
    /\b(list|get|read|create|replace|patch|delete)(?:Namespaced|Cluster)(\w+?)(?:WithHttpInfo)?\(/g;
  for (const file of readdirSync(RUNTIME).filter((f) => f.endsWith(".ts") && !skipped.has(f))) {
    const source = readFileSync(join(RUNTIME, file), "utf8");
    for (const [, method, kind] of source.matchAll(call)) {
      const resource = resources[kind!];
      if (!resource) throw new Error(`${file}: a ${method}${kind} call that no RBAC mapping knows`);
      found.add(`${resource[0]}|${resource[1]}|${verbs[method!]}`);
    }
    if (/\bmakeInformer\b/.test(source)) {
      found.add(`${CRD.group}|${CRD.plural}|list`);
      found.add(`${CRD.group}|${CRD.plural}|watch`);
    }
  }
  return found;
}

describe("deploy/ manifests", () => {
  const all = manifests();
  const byKind = (kind: string) => all.filter((m) => m.doc.kind === kind).map((m) => m.doc);

  it("parse, and the kustomization lists every manifest file", () => {
    const kustomization = all.find((m) => m.file === "kustomization.yaml")!.doc as unknown as {
      resources: string[];
    };
    const files = [...new Set(all.map((m) => m.file))].filter((f) => f !== "kustomization.yaml");
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(byKind("Deployment")).toHaveLength(1);
  });

  it("grant exactly the verbs the controller's code calls (derived from its source)", () => {
    const needed = callsInSource();
    expect([...needed].sort()).toEqual(
      expect.arrayContaining([
        "|events|create",
        "coordination.k8s.io|leases|create",
        `${CRD.group}|${CRD.plural}|watch`,
        `${CRD.group}|${CRD.plural}/status|update`,
      ]),
    );
    const granted = new Set<string>();
    for (const role of [...byKind("ClusterRole"), ...byKind("Role")]) {
      for (const rule of role["rules"] as Rule[]) {
        for (const group of rule.apiGroups)
          for (const resource of rule.resources)
            for (const verb of rule.verbs) granted.add(`${group}|${resource}|${verb}`);
      }
    }
    expect([...needed].filter((n) => !granted.has(n))).toEqual([]); // nothing missing
    expect([...granted].filter((g) => !needed.has(g))).toEqual([]); // nothing more
    // Every role is bound to the operator's service account.
    const account = byKind("ServiceAccount")[0]!;
    const bindings = [...byKind("ClusterRoleBinding"), ...byKind("RoleBinding")];
    expect(bindings.map((b) => (b["roleRef"] as { name: string }).name).sort()).toEqual(
      [...byKind("ClusterRole"), ...byKind("Role")].map((r) => r.metadata.name).sort(),
    );
    for (const binding of bindings) {
      expect(binding["subjects"]).toEqual([
        {
          kind: "ServiceAccount",
          name: account.metadata.name,
          namespace: account.metadata.namespace,
        },
      ]);
    }
  });

  it("the Deployment probes /healthz and /readyz on the metrics port, runs non-root on a read-only root, with resources", () => {
    const deployment = byKind("Deployment")[0]! as unknown as {
      metadata: { namespace: string };
      spec: {
        template: {
          metadata: { annotations: Record<string, string> };
          spec: {
            serviceAccountName: string;
            securityContext: Record<string, unknown>;
            containers: {
              ports: { name: string; containerPort: number }[];
              livenessProbe: { httpGet: { path: string; port: string } };
              readinessProbe: { httpGet: { path: string; port: string } };
              resources: { requests: Record<string, string>; limits: Record<string, string> };
              securityContext: Record<string, unknown>;
            }[];
          };
        };
      };
    };
    const pod = deployment.spec.template;
    const [container] = pod.spec.containers;
    const port = container!.ports.find((p) => p.name === "http-metrics")!;
    // startOperatorServer's defaults: port 8080, /healthz, /readyz, /metrics.
    expect(port.containerPort).toBe(8080);
    expect(container!.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http-metrics" });
    expect(container!.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http-metrics" });
    expect(pod.metadata.annotations).toMatchObject({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": String(port.containerPort),
      "prometheus.io/path": "/metrics",
    });
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container!.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(Object.keys(container!.resources.requests).sort()).toEqual(["cpu", "memory"]);
    expect(container!.resources.limits["memory"]).toBeDefined();
    expect(pod.spec.serviceAccountName).toBe(byKind("ServiceAccount")[0]!.metadata.name);
    expect(deployment.metadata.namespace).toBe(byKind("Namespace")[0]!.metadata.name);
  });

  it("the CRD is the example's ComputeInstance with the status subresource and printer columns", () => {
    const crd = byKind("CustomResourceDefinition")[0]! as unknown as {
      metadata: { name: string };
      spec: {
        group: string;
        names: { plural: string; kind: string };
        versions: {
          name: string;
          subresources: { status: object };
          additionalPrinterColumns: { name: string; jsonPath: string }[];
        }[];
      };
    };
    expect(crd.metadata.name).toBe(`${CRD.plural}.${CRD.group}`);
    expect([crd.spec.names.kind, crd.spec.versions[0]!.name]).toEqual([CRD.kind, CRD.version]);
    expect(crd.spec.versions[0]!.subresources.status).toEqual({});
    expect(crd.spec.versions[0]!.additionalPrinterColumns.map((c) => c.jsonPath)).toEqual(
      expect.arrayContaining([
        '.status.conditions[?(@.type=="Ready")].reason',
        ".status.provisioning.reconciledConfigVersion",
        ".status.provisioning.jobs[-1:].jobId",
      ]),
    );
  });

  // kubectl is not part of the CI image; where it is installed, its kustomize renders the
  // directory (offline: `apply --dry-run=client` needs an API server for discovery).
  const kubectl = (() => {
    try {
      execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!kubectl)("kubectl kustomize renders every object (where kubectl is installed)", () => {
    const rendered = execFileSync("kubectl", ["kustomize", DEPLOY], { encoding: "utf8" });
    const kinds = parseAllDocuments(rendered).map((d) => (d.toJS() as Manifest).kind);
    expect(kinds.sort()).toEqual(
      all
        .filter((m) => m.file !== "kustomization.yaml")
        .map((m) => m.doc.kind)
        .sort(),
    );
  });
});
