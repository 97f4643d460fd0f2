import type { ResourceObject } from "../resource.js";

/** Where to read a resource from, as kubectl's flags say it. */
export interface KubeTarget {
  /** `--kubeconfig`: a kubeconfig file; default as kubectl finds it (`KUBECONFIG`, `~/.kube/config`, in-cluster). */
  kubeconfig?: string;
  /** `--context`: the context to use; default the kubeconfig's current context. */
  context?: string;
  /** `-n`: the namespace; default the context's namespace, else `default`. */
  namespace?: string;
}

/** A custom resource type found by discovery. */
export interface FoundType {
  /** API group. */
  group: string;
  /** The group's preferred version. */
  version: string;
  /** Plural name. */
  plural: string;
  /** Kind. */
  kind: string;
  /** Whether it is namespaced. */
  namespaced: boolean;
}

/** An error of the CLI: printed without a stack, exit code 1. */
export class CliError extends Error {
  /** Stable code. */
  readonly code = "CliError";
}

/**
 * Reads `kind/name` with `@kubernetes/client-node` (an optional peer dependency of
 * `@provisionkit/core`, needed by the CLI): resolves the kind by API discovery, as kubectl
 * does (plural, singular, kind or short name, optionally `.group`-qualified), then GETs it.
 */
export async function readResource(
  kindName: string,
  target: KubeTarget,
): Promise<{ object: ResourceObject; type: FoundType; namespace: string }> {
  const slash = kindName.indexOf("/");
  if (slash <= 0 || slash === kindName.length - 1) {
    throw new CliError(`expected <kind>/<name>, got ${JSON.stringify(kindName)}`);
  }
  const kind = kindName.slice(0, slash);
  const name = kindName.slice(slash + 1);
  let k8s: typeof import("@kubernetes/client-node");
  try {
    k8s = await import("@kubernetes/client-node");
  } catch {
    throw new CliError(
      "provisionkit explain needs @kubernetes/client-node (an optional peer dependency): install it",
    );
  }
  const kc = new k8s.KubeConfig();
  try {
    if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
    else kc.loadFromDefault();
    if (target.context) kc.setCurrentContext(target.context);
  } catch (error) {
    throw new CliError(`cannot load the kubeconfig: ${(error as Error).message}`);
  }
  if (target.context && !kc.getContextObject(target.context)) {
    throw new CliError(`context ${JSON.stringify(target.context)} is not in the kubeconfig`);
  }
  const namespace =
    target.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? "default";
  const type = await discover(kc, k8s, kind);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  try {
    const object = (
      type.namespaced
        ? await api.getNamespacedCustomObject({ ...ref(type), namespace, name })
        : await api.getClusterCustomObject({ ...ref(type), name })
    ) as ResourceObject;
    return { object, type, namespace };
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 404) {
      const where = type.namespaced ? ` in namespace ${namespace}` : "";
      throw new CliError(`${type.plural}.${type.group} ${JSON.stringify(name)} not found${where}`);
    }
    throw new CliError(`reading ${kindName} failed: ${describe(error)}`);
  }
}

function ref(type: FoundType) {
  return { group: type.group, version: type.version, plural: type.plural };
}

async function discover(
  kc: import("@kubernetes/client-node").KubeConfig,
  k8s: typeof import("@kubernetes/client-node"),
  kind: string,
): Promise<FoundType> {
  const wanted = kind.toLowerCase();
  const dot = wanted.indexOf(".");
  const resource = dot < 0 ? wanted : wanted.slice(0, dot);
  const groupWanted = dot < 0 ? undefined : wanted.slice(dot + 1);
  let groups: { name: string; version: string }[];
  try {
    const list = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    groups = list.groups.flatMap((g) => {
      const version = g.preferredVersion?.version ?? g.versions[0]?.version;
      return version === undefined ? [] : [{ name: g.name, version }];
    });
  } catch (error) {
    throw new CliError(`API discovery failed: ${describe(error)}`);
  }
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const found: FoundType[] = [];
  for (const group of groups) {
    if (groupWanted !== undefined && group.name !== groupWanted) continue;
    let resources: import("@kubernetes/client-node").V1APIResource[];
    try {
      resources = (await custom.getAPIResources({ group: group.name, version: group.version }))
        .resources;
    } catch {
      continue; // a group that does not answer is skipped, as kubectl warns and goes on
    }
    for (const r of resources) {
      if (r.name.includes("/")) continue; // a subresource
      const names = [r.name, r.singularName, r.kind, ...(r.shortNames ?? [])].map((n) =>
        (n ?? "").toLowerCase(),
      );
      if (names.includes(resource)) {
        found.push({
          group: group.name,
          version: group.version,
          plural: r.name,
          kind: r.kind,
          namespaced: r.namespaced,
        });
      }
    }
  }
  if (found.length === 0) {
    throw new CliError(`the server has no custom resource type ${JSON.stringify(kind)}`);
  }
  if (found.length > 1) {
    const names = found.map((t) => `${t.plural}.${t.group}`).join(", ");
    throw new CliError(
      `${JSON.stringify(kind)} is ambiguous (${names}): qualify it with its group`,
    );
  }
  return found[0]!;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: number }).code;
    return code === undefined ? error.message.split("\n")[0]! : `HTTP ${code}`;
  }
  return String(error);
}
