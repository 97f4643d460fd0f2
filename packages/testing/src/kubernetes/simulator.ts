/**
 * The Kubernetes API simulator.
 *
 * @module
 */
import { systemClock, type Clock } from "../clock.js";
import type { KubeFaults } from "./fault-types.js";
import { FaultRegistry } from "./faults.js";
import { clone } from "./json.js";
import { kubeconfigText } from "./kubeconfig.js";
import { asObject } from "./meta.js";
import { createObject } from "./op-create.js";
import { deleteObject } from "./op-delete.js";
import { mutateObject } from "./op-update.js";
import type { KubeRequestRecord, WriteRecord } from "./records.js";
import { ResourceRegistry } from "./registry.js";
import { CORE_EVENTS, type ResourceType } from "./resource-type.js";
import { KubeServer } from "./server.js";
import { DIRECT, type KubeState } from "./state.js";
import { ObjectStore } from "./store.js";
import type {
  CrdDefinition,
  KubeObject,
  KubernetesApiSimulatorOptions,
  NewKubeObject,
  ObjectRef,
} from "./types.js";
import { WatchHub } from "./watch-hub.js";

function positiveInteger(value: number, name: string, allowZero: boolean): number {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new RangeError(
      `${name} must be a ${allowZero ? "non-negative" : "positive"} integer, got ${value}`,
    );
  }
  return value;
}

/**
 * A real HTTP server on loopback that the unmodified `@kubernetes/client-node` talks to,
 * with the semantics of a real apiextensions-apiserver for custom resources (and core/v1
 * Events): status subresource, generation, one global resourceVersion with optimistic
 * concurrency, finalizers and `deletionTimestamp`, merge and JSON patches, selectors and
 * pagination, and watches with resumption, bookmarks and 410 Expired. The TypeScript
 * answer to Go's envtest.
 *
 * @example
 * ```ts
 * const sim = new KubernetesApiSimulator({
 *   crds: [{ group: "example.com", version: "v1", plural: "computeinstances", kind: "ComputeInstance" }],
 * });
 * await sim.start();
 * const kc = new KubeConfig();
 * kc.loadFromString(sim.kubeconfig());
 * const api = kc.makeApiClient(CustomObjectsApi);
 * // … run the operator, assert on sim.getObject(…), sim.history() …
 * await sim.stop();
 * ```
 */
export class KubernetesApiSimulator {
  /** The clock of timestamps and records. */
  readonly clock: Clock;
  /** Fault injection (HTTP requests only). */
  readonly faults: KubeFaults;
  readonly #state: KubeState;
  readonly #server: KubeServer;
  readonly #token: string | undefined;
  readonly #requests: KubeRequestRecord[] = [];

  /** @param options - Clock, CRDs, core Events, watch history, bookmarks and token. */
  constructor(options: KubernetesApiSimulatorOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const historyLimit = positiveInteger(
      options.watchHistoryLimit ?? 1000,
      "watchHistoryLimit",
      true,
    );
    const bookmarkIntervalMs = positiveInteger(
      options.bookmarkIntervalMs ?? 1000,
      "bookmarkIntervalMs",
      false,
    );
    if (options.token !== undefined && options.token === "")
      throw new RangeError("token must not be empty");
    this.#token = options.token;
    const registry = new ResourceRegistry(options.coreEvents ?? true, options.leases ?? false);
    const store = new ObjectStore(historyLimit);
    for (const type of registry.core()) store.addType(type);
    // Built-in types under /apis (Leases when served).
    for (const type of registry.crds()) store.addType(type);
    this.#state = { clock: this.clock, registry, store, writes: [] };
    const hub = new WatchHub(store);
    const faults = new FaultRegistry({
      dropWatches: () => hub.dropAll(),
      compact: () => store.compact(),
    });
    this.faults = faults;
    this.#server = new KubeServer({
      state: this.#state,
      hub,
      faults,
      token: options.token,
      bookmarkIntervalMs,
      record: (record) => this.#requests.push(record),
    });
    for (const crd of options.crds ?? []) this.registerCrd(crd);
  }

  /**
   * Starts listening on 127.0.0.1 on a random port.
   *
   * @returns The base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
   */
  start(): Promise<string> {
    return this.#server.start();
  }

  /** Ends every watch, abandons delayed requests, destroys connections and closes. Idempotent. */
  stop(): Promise<void> {
    return this.#server.stop();
  }

  /**
   * The base URL (no trailing slash).
   *
   * @throws Error if the simulator is not started.
   */
  get url(): string {
    return this.#server.startedUrl("the Kubernetes API simulator");
  }

  /**
   * Serves a custom resource from now on (its watch history starts now). Registering the
   * same definition twice is a no-op.
   *
   * @throws TypeError for a malformed definition; Error if it clashes with a registered one.
   */
  registerCrd(crd: CrdDefinition): void {
    const { type, added } = this.#state.registry.register(crd);
    if (added) this.#state.store.addType(type);
  }

  /**
   * A kubeconfig (JSON text) for `KubeConfig.loadFromString`: the cluster at {@link url}
   * with `insecure-skip-tls-verify: true`, and the token when one is required.
   *
   * @param options - Namespace of the context (default `default`) and user entry name.
   * @throws Error if the simulator is not started.
   */
  kubeconfig(options: { namespace?: string; user?: string } = {}): string {
    return kubeconfigText({
      server: this.url,
      token: this.#token,
      namespace: options.namespace,
      user: options.user,
    });
  }

  /**
   * One object, out of band (a copy), or undefined.
   *
   * @throws Error for a resource that is not served.
   */
  getObject(ref: ObjectRef): KubeObject | undefined {
    const type = this.#type(ref);
    const found = this.#state.store.peek(type, this.#namespace(type, ref), ref.name);
    return found && clone(found);
  }

  /**
   * The objects of a resource, out of band (copies), sorted by namespace and name.
   *
   * @param namespace - Only this namespace (default all).
   * @throws Error for a resource that is not served.
   */
  listObjects(crd: { group: string; plural: string }, namespace?: string): KubeObject[] {
    return this.#state.store.peekAll(this.#type(crd), namespace).map((object) => clone(object));
  }

  /**
   * Creates an object out of band, as a POST would: uid, resourceVersion, generation 1,
   * creationTimestamp; `.status` dropped when the status subresource is on. The resource
   * is found from `apiVersion` and `kind`; a namespaced one needs `metadata.namespace`.
   *
   * @returns The stored object.
   * @throws KubeStatusError as the API would (409 AlreadyExists, 422, …); Error for a
   *   resource that is not served.
   */
  createObject(obj: NewKubeObject | KubeObject): KubeObject {
    const { registry } = this.#state;
    const type = registry.byKind(String(obj.apiVersion), String(obj.kind));
    if (!type)
      throw new Error(`no served resource for ${String(obj.apiVersion)} ${String(obj.kind)}`);
    const object = asObject(obj);
    const namespace = type.namespaced
      ? this.#namespace(type, { namespace: object.metadata.namespace })
      : undefined;
    return createObject(this.#state, type, namespace, object, DIRECT);
  }

  /**
   * Updates an object out of band: `mutate` edits a copy, which is then written as a PUT
   * would write it (a change outside metadata and status bumps `generation`; adding a
   * finalizer to an object being deleted is refused; removing its last finalizer deletes
   * it), except that the resourceVersion is not checked and `.status` changes are kept too
   * (as if also written through the status subresource), in one write.
   *
   * @returns The stored object (unchanged for a no-op; the final state when it was deleted).
   * @throws KubeStatusError 404, 422; Error for a resource that is not served.
   */
  updateObject(ref: ObjectRef, mutate: (obj: KubeObject) => void): KubeObject {
    const type = this.#type(ref);
    return mutateObject(this.#state, type, this.#namespace(type, ref), ref.name, mutate, DIRECT);
  }

  /**
   * Deletes an object out of band, as a DELETE would: with finalizers it gets a
   * `deletionTimestamp` and stays; without, it is removed.
   *
   * @throws KubeStatusError 404; Error for a resource that is not served.
   */
  deleteObject(ref: ObjectRef): void {
    const type = this.#type(ref);
    deleteObject(this.#state, type, this.#namespace(type, ref), ref.name, {}, DIRECT);
  }

  /**
   * The recorded core/v1 Events (copies).
   *
   * @param namespace - Only this namespace (default all).
   */
  coreEvents(namespace?: string): KubeObject[] {
    if (!this.#state.registry.coreEvents) return [];
    return this.#state.store.peekAll(CORE_EVENTS, namespace).map((object) => clone(object));
  }

  /** Every successful write so far, HTTP and out of band, in order (copies). */
  history(): WriteRecord[] {
    return this.#state.writes.map((record) => clone(record));
  }

  /** Every HTTP request received so far, in arrival order (copies; no credentials). */
  requests(): KubeRequestRecord[] {
    return this.#requests.map((record) => structuredClone(record));
  }

  #type(ref: { group: string; plural: string }): ResourceType {
    const type = this.#state.registry.byGroupPlural(ref.group, ref.plural);
    if (!type) throw new Error(`no served resource ${ref.plural}.${ref.group}`);
    return type;
  }

  #namespace(type: ResourceType, ref: { namespace?: string | undefined }): string | undefined {
    if (!type.namespaced) return undefined;
    if (!ref.namespace)
      throw new Error(`${type.plural}.${type.group} is namespaced: a namespace is required`);
    return ref.namespace;
  }
}
