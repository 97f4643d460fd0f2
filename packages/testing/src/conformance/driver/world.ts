/**
 * One scenario's world: a fresh virtual clock, a Kubernetes API simulator serving the
 * conformance CRD, the backend under test, and the trace of what happens.
 *
 * @module
 */
import {
  CONFIG_VERSION_PREFIX,
  configVersion,
  type EngineOptions,
  type ProvisioningStatus,
} from "@provisionkit/core";
import { VirtualClock } from "../../clock.js";
import { KubernetesApiSimulator } from "../../kubernetes/simulator.js";
import type { KubeObject, ObjectRef } from "../../kubernetes/types.js";
import type { ConformanceBackend, ConformanceCapabilities, ConformanceJob } from "../types.js";
import { emptyTrace, type Trace } from "./trace.js";

/** The custom resource every scenario uses. */
export const CONFORMANCE_RESOURCE = Object.freeze({
  group: "conformance.provisionkit.io",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
});

/** The finalizer the simulated operator manages. */
export const CONFORMANCE_FINALIZER = "conformance.provisionkit.io/finalizer";

/** The namespace of every scenario resource. */
export const CONFORMANCE_NAMESPACE = "conformance";

/** A config version, shortened for messages: `sha256:1a2b3c4d…` → `1a2b3c4d` (a suffix is kept). */
export function shortVersion(version: string | undefined): string {
  if (version === undefined) return "(none)";
  const body = version.startsWith(CONFIG_VERSION_PREFIX)
    ? version.slice(CONFIG_VERSION_PREFIX.length)
    : version;
  return body.replace(/^([0-9a-f]{8})[0-9a-f]{24,}/, "$1");
}

/** The provisioning status stored on an object (`status.provisioning`), if any. */
export function storedStatus(object: KubeObject | undefined): ProvisioningStatus | undefined {
  const status = object?.status as { provisioning?: ProvisioningStatus } | undefined;
  return status?.provisioning;
}

/** A scenario's clock, API server, backend and trace. */
export class World {
  readonly clock = new VirtualClock();
  readonly kube: KubernetesApiSimulator;
  readonly trace: Trace;

  private constructor(
    readonly backend: ConformanceBackend,
    options: EngineOptions,
    capabilities: ConformanceCapabilities,
  ) {
    this.kube = new KubernetesApiSimulator({
      clock: this.clock,
      crds: [{ ...CONFORMANCE_RESOURCE, statusSubresource: true }],
      coreEvents: false,
    });
    this.trace = emptyTrace(this.clock.now(), options, capabilities, backend.secrets);
  }

  /** Start the API server and the backend. */
  static async open(
    backend: ConformanceBackend,
    options: EngineOptions,
    capabilities: ConformanceCapabilities,
  ): Promise<World> {
    const world = new World(backend, options, capabilities);
    await world.kube.start();
    try {
      await backend.start({
        clock: world.clock,
        kubernetes: world.kube,
        resource: CONFORMANCE_RESOURCE,
      });
    } catch (error) {
      await world.kube.stop();
      throw error;
    }
    return world;
  }

  /** Record the end state, then stop the backend and the API server. */
  async close(): Promise<Trace> {
    try {
      this.trace.end = this.clock.now();
      this.trace.ledger = this.ledger();
      for (const key of this.trace.resources) {
        const object = this.object(key);
        const status = storedStatus(object);
        this.trace.final.set(key, {
          exists: object !== undefined,
          deleting: Boolean(object?.metadata.deletionTimestamp),
          ...(object ? { desired: configVersion(object.spec ?? {}) } : {}),
          ...(status ? { status } : {}),
        });
      }
    } finally {
      await this.backend.stop().finally(() => this.kube.stop());
    }
    return this.trace;
  }

  /** `conformance/<name>`. */
  key(name: string): string {
    return `${CONFORMANCE_NAMESPACE}/${name}`;
  }

  /** The object reference of a key. */
  ref(key: string): ObjectRef {
    const name = key.slice(key.indexOf("/") + 1);
    return {
      group: CONFORMANCE_RESOURCE.group,
      plural: CONFORMANCE_RESOURCE.plural,
      namespace: CONFORMANCE_NAMESPACE,
      name,
    };
  }

  /** The object now, or undefined. */
  object(key: string): KubeObject | undefined {
    return this.kube.getObject(this.ref(key));
  }

  /** The ledger now. */
  ledger(): ConformanceJob[] {
    return this.backend.ledger();
  }

  /** Let the backend do what is due now. */
  async settle(): Promise<void> {
    await this.backend.settle?.();
  }

  /** Create a Widget; with `finalizer`, as if a controller had added it before crashing. */
  create(name: string, spec: unknown, finalizer = false): string {
    const key = this.key(name);
    this.kube.createObject({
      apiVersion: `${CONFORMANCE_RESOURCE.group}/${CONFORMANCE_RESOURCE.version}`,
      kind: CONFORMANCE_RESOURCE.kind,
      metadata: {
        name,
        namespace: CONFORMANCE_NAMESPACE,
        ...(finalizer ? { finalizers: [CONFORMANCE_FINALIZER] } : {}),
      },
      spec,
    });
    this.trace.resources.push(key);
    this.mark(key, `created (spec ${shortVersion(configVersion(spec))})`);
    return key;
  }

  /** Change a Widget's spec. */
  setSpec(key: string, spec: unknown): void {
    this.kube.updateObject(this.ref(key), (object) => {
      object.spec = spec;
    });
    this.mark(key, `spec changed to ${shortVersion(configVersion(spec))}`);
  }

  /** Ask for a Widget's deletion. */
  delete(key: string): void {
    if (!this.object(key)) return;
    this.kube.deleteObject(this.ref(key));
    this.mark(key, "deletion requested");
  }

  /** Add a mark to a resource's timeline (`""`: the whole run). */
  mark(key: string, label: string): void {
    const marks = this.trace.marks.get(key) ?? [];
    marks.push({ at: this.clock.now() - this.trace.start, label });
    this.trace.marks.set(key, marks);
  }
}
