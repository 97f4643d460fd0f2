import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ADD,
  CONNECT,
  DELETE,
  ERROR,
  makeInformer,
  UPDATE,
  type Informer,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from "@kubernetes/client-node";
import { GROUP, startHarness, VM_PATH, vm, type Harness } from "./kube-support.js";

let h: Harness;
let informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

/**
 * What one test's informer reported. Each test gets its own log: callbacks of a previous
 * test's informer can still fire after it is stopped (client-node reports the aborted
 * watch to the error callbacks), and must not land in the next test.
 */
class CallbackLog {
  readonly seen: string[] = [];
  readonly errors: unknown[] = [];
  #waiters: { until: () => boolean; resolve: () => void }[] = [];

  note(entry: string, error?: unknown): void {
    this.seen.push(entry);
    if (error !== undefined) this.errors.push(error);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.until()) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once the callbacks satisfy `until` (checked on every callback). */
  when(until: () => boolean): Promise<void> {
    if (until()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ until, resolve }));
  }

  count(prefix: string): number {
    return this.seen.filter((s) => s.startsWith(prefix)).length;
  }
}
let log: CallbackLog;

/** The informer's GET requests (lists and watches). */
const requests = (pred: (r: { watch: boolean; query: Record<string, string> }) => boolean) =>
  h.sim.requests().filter((r) => r.method === "GET" && r.path === VM_PATH && pred(r));

beforeEach(async () => {
  h = await startHarness();
  const own = new CallbackLog();
  log = own;
  informer = makeInformer(
    h.kc,
    VM_PATH,
    () =>
      h.api.listNamespacedCustomObject({
        group: GROUP,
        version: "v1",
        namespace: "default",
        plural: "computeinstances",
      }) as Promise<KubernetesListObject<KubernetesObject>>,
  );
  informer.on(ADD, (o) => own.note(`add ${o.metadata?.name}`));
  informer.on(UPDATE, (o) => own.note(`update ${o.metadata?.name}`));
  informer.on(DELETE, (o) => own.note(`delete ${o.metadata?.name}`));
  informer.on(CONNECT, () => own.note("connect"));
  informer.on(ERROR, (error) => own.note("error", error));
});
afterEach(async () => {
  await informer.stop();
  await h.sim.stop();
});

const when = (until: () => boolean) => log.when(until);
const count = (prefix: string) => log.count(prefix);

describe("Kubernetes API simulator with client-node's informer", () => {
  it("lists, watches and calls add, update and delete", async () => {
    await h.vms.create(vm("a"));
    await informer.start();
    await when(() => count("add a") === 1 && count("connect") === 1);
    await h.vms.create(vm("b"));
    await h.vms.merge("a", { spec: { size: "large" } });
    await h.vms.delete("b");
    await when(() => count("delete b") === 1);
    expect(log.seen).toEqual(["connect", "add a", "add b", "update a", "delete b"]);
    expect(informer.list("default").map((o) => o.metadata?.name)).toEqual(["a"]);
    expect(informer.get("a", "default")).toMatchObject({ spec: { size: "large" } });
  });

  it("resumes from its last resourceVersion after dropWatches(), without listing again", async () => {
    const a = await h.vms.create(vm("a"));
    await informer.start();
    await when(() => count("add a") === 1);
    // The informer's resourceVersion: that of its LIST, the global one, here a's.
    const lastSeen = a.metadata.resourceVersion;
    expect(h.sim.faults.dropWatches()).toBe(1);
    // Written while the informer reconnects: delivered by the history replay.
    await h.vms.create(vm("b"));
    await h.vms.merge("a", { spec: { size: "large" } });
    await when(() => count("update a") === 1);
    expect(log.seen).toEqual(["connect", "add a", "connect", "add b", "update a"]);
    expect(requests((r) => !r.watch)).toHaveLength(1);
    expect(requests((r) => r.watch).map((r) => r.query.resourceVersion)).toEqual([
      lastSeen,
      lastSeen,
    ]);
    expect(log.errors).toEqual([]);
  });

  it("after compact() and a drop, gets 410 Expired, lists again and catches up (no error callback)", async () => {
    await h.vms.create(vm("a"));
    await h.vms.create(vm("gone"));
    await informer.start();
    await when(() => count("add gone") === 1);
    h.sim.faults.dropWatches();
    // Synchronously, before the informer can reconnect: changes it misses, then compaction.
    h.sim.deleteObject({
      group: GROUP,
      plural: "computeinstances",
      namespace: "default",
      name: "gone",
    });
    h.sim.createObject({ ...vm("b"), metadata: { name: "b", namespace: "default" } });
    h.sim.faults.compact();
    await when(() => count("delete gone") === 1 && count("add b") === 1);
    // client-node 1.4.0's ListWatch treats the 410 ERROR event as "list again", silently.
    expect(log.errors).toEqual([]);
    expect(requests((r) => !r.watch)).toHaveLength(2);
    expect(
      informer
        .list("default")
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(["a", "b"]);
    await h.vms.create(vm("c"));
    await when(() => count("add c") === 1);
  });

  it("calls the error callback when the watch cannot be re-established (503)", async () => {
    await informer.start();
    await when(() => count("connect") === 1);
    const fault = h.sim.faults.status({
      code: 503,
      times: 1,
      method: "GET",
      pathIncludes: "watch=true",
    });
    h.sim.faults.dropWatches();
    await when(() => count("error") === 1);
    expect(fault.fired).toBe(1);
    expect((log.errors[0] as { statusCode?: number }).statusCode).toBe(503);
    // A stopped ListWatch stays down until started again.
    await informer.start();
    await h.vms.create(vm("late"));
    await when(() => count("add late") === 1);
  });
});
