import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { EdaSimulator, type KubernetesApiSimulator } from "@provisionkit/testing";
import { call, GW } from "./aap-support.js";
import {
  A_APPLIED_CORRELATION,
  A_APPLIED_VERSION,
  A_BLOCK_DELETION,
  A_FAILURE,
  computeInstance,
  directVars,
  FINALIZER,
  payload,
  post,
  vmRef,
  withEda,
  type EdaHarness,
  type HarnessOptions,
} from "./eda-support.js";

const RUN_MS = 1_000;
const FAST = { pendingMs: 0, waitingMs: 0, runMs: RUN_MS };
const RULES: HarnessOptions["rules"] = [
  { endpoint: "create-compute-instance", template: "provision" },
  { endpoint: "delete-compute-instance", template: "deprovision" },
  { endpoint: "create-flow", template: "flow", templateKind: "workflow_job_template" },
];

const { start, current } = withEda({
  kube: true,
  rules: RULES,
  setup: (aap) => {
    const script = { pendingMs: 0, waitingMs: 0, runMs: RUN_MS };
    aap.addJobTemplate({ name: "provision", script, allowSimultaneous: true });
    aap.addJobTemplate({ name: "deprovision", script, allowSimultaneous: true });
    aap.addWorkflowTemplate({ name: "flow", script: { pendingMs: 0, runMs: RUN_MS } });
    aap.addJobTemplate({ name: "unrelated", script });
  },
  // Effects, not ordering, are under test here: launch every event as it comes.
  activation: { executionStrategy: "parallel" },
});

function kubeOf(harness: EdaHarness): KubernetesApiSimulator {
  if (!harness.kube) throw new Error("no kube simulator");
  return harness.kube;
}

/**
 * Starts the harness with ComputeInstance vm-1 in the cluster, holding `finalizers`, and
 * already deleted when `deleted` is set.
 */
async function startWithVm(
  vm: { finalizers?: string[]; deleted?: boolean } = {},
  options: Partial<HarnessOptions> = {},
) {
  const harness = await start(options);
  const kube = kubeOf(harness);
  const created = kube.createObject(computeInstance("vm-1", vm.finalizers));
  if (vm.deleted) kube.deleteObject(vmRef("vm-1"));
  return { harness, kube, created };
}

/** `body` with one more annotation (a payload from {@link payload}). */
function annotated(body: Record<string, unknown>, name: string, value: string) {
  const metadata = body.metadata as { annotations: Record<string, string> };
  return {
    ...body,
    metadata: { ...metadata, annotations: { ...metadata.annotations, [name]: value } },
  };
}

/** Sends an event, launches it, and lets the job run to its end; returns the job id. */
async function runEvent(endpoint: string, body: Record<string, unknown>): Promise<number> {
  const harness = current()!;
  expect((await post(`${harness.webhookUrl}/${endpoint}`, body)).status).toBe(200);
  await harness.eda.pump();
  const id = harness.eda.events().at(-1)?.job?.id;
  if (id === undefined)
    throw new Error(`not launched: ${JSON.stringify(harness.eda.events().at(-1))}`);
  harness.clock.advance(RUN_MS);
  await harness.eda.pump();
  return id;
}

describe("EDA simulator: playbook side effects through the Kubernetes API", () => {
  it("provision success adds the finalizer and the applied annotations", async () => {
    const { harness, kube } = await startWithVm();
    const id = await runEvent("create-compute-instance", payload("vm-1", "provision", "c-1", "v3"));
    const object = kube.getObject(vmRef("vm-1"));
    expect(object?.metadata.finalizers).toEqual([FINALIZER]);
    expect(object?.metadata.annotations).toEqual({
      [A_APPLIED_VERSION]: "v3",
      [A_APPLIED_CORRELATION]: "c-1",
    });
    expect(harness.eda.effects()).toEqual([
      {
        at: harness.clock.now(),
        jobId: id,
        jobKind: "job",
        templateName: "provision",
        jobStatus: "successful",
        jobFinishedAt: harness.clock.now(),
        resource: {
          apiVersion: "example.com/v1",
          kind: "ComputeInstance",
          namespace: "default",
          name: "vm-1",
        },
        resourceKey: "default/vm-1",
        operation: "provision",
        correlationId: "c-1",
        changes: ["finalizer-added", "applied-version"],
        outcome: "applied",
        attempts: 2,
      },
    ]);
    // As the reference playbook: the finalizer, then the success annotations, in two writes.
    const writes = kube.history().filter((w) => w.origin === "http");
    expect(writes).toMatchObject([
      { verb: "patch", ref: { name: "vm-1" } },
      { verb: "patch", ref: { name: "vm-1" } },
    ]);
    // Each job's effect is played once.
    await harness.eda.pump();
    expect(harness.eda.effects()).toHaveLength(1);
  });

  it("a later provision only updates the annotations; the same one changes nothing", async () => {
    const harness = await start();
    kubeOf(harness).createObject(computeInstance("vm-1", ["other/finalizer", FINALIZER]));
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-2", "v4"));
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-2", "v4"));
    expect(harness.eda.effects().map((e) => [e.outcome, e.changes])).toEqual([
      ["applied", ["applied-version"]],
      ["unchanged", []],
    ]);
    expect(kubeOf(harness).getObject(vmRef("vm-1"))?.metadata.finalizers).toEqual([
      "other/finalizer",
      FINALIZER,
    ]);
  });

  it("deprovision success removes the finalizer, then acknowledges; once the operator lets go, the object is gone", async () => {
    const { harness, kube } = await startWithVm({
      finalizers: ["operator/finalizer", FINALIZER],
      deleted: true,
    });
    expect(kube.getObject(vmRef("vm-1"))?.metadata.deletionTimestamp).toBeDefined();
    await runEvent("delete-compute-instance", payload("vm-1", "deprovision", "c-3"));
    const object = kube.getObject(vmRef("vm-1"));
    expect(object?.metadata.finalizers).toEqual(["operator/finalizer"]);
    expect(object?.metadata.annotations?.[A_APPLIED_CORRELATION]).toBe("c-3");
    expect(harness.eda.effects()[0]).toMatchObject({
      operation: "deprovision",
      changes: ["finalizer-removed", "applied-correlation"],
      outcome: "applied",
      attempts: 2,
    });
    kube.updateObject(vmRef("vm-1"), (obj) => {
      obj.metadata.finalizers = [];
    });
    expect(kube.getObject(vmRef("vm-1"))).toBeUndefined();
  });

  it("deprovision success on an object held by no other finalizer: it goes at the release, and the acknowledgement finds nothing to write", async () => {
    const { harness, kube } = await startWithVm({ finalizers: [FINALIZER], deleted: true });
    await runEvent("delete-compute-instance", payload("vm-1", "deprovision", "c-3"));
    expect(kube.getObject(vmRef("vm-1"))).toBeUndefined();
    // kubernetes.core's state: patched only warns on a missing object; the job succeeds.
    expect(harness.eda.effects()[0]).toMatchObject({
      changes: ["finalizer-removed"],
      outcome: "applied",
      attempts: 1,
    });
  });

  it("a failed job writes the failure annotation with the job explanation", async () => {
    const { harness, kube } = await startWithVm();
    harness.aap.scriptNext("provision", {
      ...FAST,
      outcome: "failed",
      jobExplanation: "quota exceeded",
    });
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-4", "v1"));
    harness.aap.scriptNext("deprovision", { ...FAST, outcome: "error" });
    const id = await runEvent("delete-compute-instance", payload("vm-1", "deprovision", "c-5"));
    const annotations = kube.getObject(vmRef("vm-1"))?.metadata.annotations ?? {};
    expect(JSON.parse(annotations[A_FAILURE] ?? "")).toEqual({
      correlationId: "c-5",
      operation: "deprovision",
      message: `job ${id} ended error`,
    });
    expect(harness.eda.effects().map((e) => [e.jobStatus, e.changes, e.outcome])).toEqual([
      ["failed", ["failure"], "applied"],
      ["error", ["failure"], "applied"],
    ]);
    const history = kube.history().filter((w) => w.origin === "http");
    expect(history).toHaveLength(2);
    expect(kube.getObject(vmRef("vm-1"))?.metadata.finalizers).toBeUndefined();
  });

  it('a failed deprovision whose event says block-deletion-on-failure "false" also removes the finalizer, after the failure annotation', async () => {
    const { harness, kube } = await startWithVm({
      finalizers: ["operator/finalizer", FINALIZER],
      deleted: true,
    });
    harness.aap.scriptNext("deprovision", {
      ...FAST,
      outcome: "failed",
      jobExplanation: "vm busy",
    });
    const body = annotated(payload("vm-1", "deprovision", "c-d"), A_BLOCK_DELETION, "false");
    await runEvent("delete-compute-instance", body);
    const object = kube.getObject(vmRef("vm-1"));
    expect(object?.metadata.finalizers).toEqual(["operator/finalizer"]);
    expect(JSON.parse(object?.metadata.annotations?.[A_FAILURE] ?? "")).toEqual({
      correlationId: "c-d",
      operation: "deprovision",
      message: "vm busy",
    });
    // Not the acknowledgement: the failure is what the provider reads.
    expect(object?.metadata.annotations).not.toHaveProperty(A_APPLIED_CORRELATION);
    expect(harness.eda.effects()).toMatchObject([
      {
        operation: "deprovision",
        jobStatus: "failed",
        changes: ["failure", "finalizer-removed"],
        outcome: "applied",
        attempts: 2,
      },
    ]);
    expect(kube.history().filter((w) => w.origin === "http")).toHaveLength(2);
  });

  it("the same with an errored job: once the operator lets go too, the object is gone", async () => {
    const { harness, kube } = await startWithVm({ finalizers: [FINALIZER], deleted: true });
    harness.aap.scriptNext("deprovision", { ...FAST, outcome: "error" });
    const body = annotated(payload("vm-1", "deprovision", "c-d"), A_BLOCK_DELETION, "false");
    await runEvent("delete-compute-instance", body);
    expect(kube.getObject(vmRef("vm-1"))).toBeUndefined();
    expect(harness.eda.effects()[0]).toMatchObject({
      jobStatus: "error",
      changes: ["failure", "finalizer-removed"],
      outcome: "applied",
    });
  });

  it('keeps the finalizer on a failed deprovision whose event says "true", says anything else, or says nothing', async () => {
    const harness = await start();
    const kube = kubeOf(harness);
    const cases: [string, string | undefined][] = [
      ["vm-true", "true"],
      ["vm-odd", "False"],
      ["vm-none", undefined],
    ];
    for (const [name, value] of cases) {
      kube.createObject(computeInstance(name, [FINALIZER]));
      kube.deleteObject(vmRef(name));
      harness.aap.scriptNext("deprovision", { ...FAST, outcome: "failed" });
      const base = payload(name, "deprovision", `c-${name}`);
      await runEvent(
        "delete-compute-instance",
        value === undefined ? base : annotated(base, A_BLOCK_DELETION, value),
      );
      const object = kube.getObject(vmRef(name));
      expect(object?.metadata.finalizers, name).toEqual([FINALIZER]);
      expect(object?.metadata.annotations?.[A_FAILURE], name).toBeDefined();
    }
    expect(harness.eda.effects().map((e) => e.changes)).toEqual([
      ["failure"],
      ["failure"],
      ["failure"],
    ]);
  });

  it('"false" on a failed provision, or with writeFailure: false, removes nothing', async () => {
    const { harness, kube } = await startWithVm({ finalizers: [FINALIZER] });
    harness.aap.scriptNext("provision", { ...FAST, outcome: "failed" });
    const body = annotated(payload("vm-1", "provision", "c-p", "v2"), A_BLOCK_DELETION, "false");
    await runEvent("create-compute-instance", body);
    expect(kube.getObject(vmRef("vm-1"))?.metadata.finalizers).toEqual([FINALIZER]);
    expect(harness.eda.effects()[0]?.changes).toEqual(["failure"]);
    await harness.stop();

    const quiet = await start({ playbook: { writeFailure: false } });
    kubeOf(quiet).createObject(computeInstance("vm-1", [FINALIZER]));
    quiet.aap.scriptNext("deprovision", { ...FAST, outcome: "failed" });
    const del = annotated(payload("vm-1", "deprovision", "c-d"), A_BLOCK_DELETION, "false");
    await runEvent("delete-compute-instance", del);
    expect(kubeOf(quiet).getObject(vmRef("vm-1"))?.metadata.finalizers).toEqual([FINALIZER]);
    expect(quiet.eda.effects()[0]).toMatchObject({ outcome: "skipped", changes: [] });
  });

  it("reads a custom block-deletion-on-failure annotation name", async () => {
    const { harness, kube } = await startWithVm(
      { finalizers: [FINALIZER] },
      {
        playbook: { blockDeletionOnFailureAnnotation: "example.com/keep-on-failure" },
      },
    );
    kube.createObject(computeInstance("vm-2", [FINALIZER]));
    harness.aap.scriptNext("deprovision", { ...FAST, outcome: "failed" }, { times: 2 });
    const custom = annotated(
      payload("vm-1", "deprovision", "c-1"),
      "example.com/keep-on-failure",
      "false",
    );
    const standard = annotated(payload("vm-2", "deprovision", "c-2"), A_BLOCK_DELETION, "false");
    await runEvent("delete-compute-instance", custom);
    await runEvent("delete-compute-instance", standard);
    expect(kube.getObject(vmRef("vm-1"))?.metadata.finalizers ?? []).toEqual([]);
    expect(kube.getObject(vmRef("vm-2"))?.metadata.finalizers).toEqual([FINALIZER]);
  });

  it("records the first failure message exactly", async () => {
    const { harness } = await startWithVm();
    harness.aap.scriptNext("provision", {
      ...FAST,
      outcome: "failed",
      jobExplanation: "quota exceeded",
    });
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-4", "v1"));
    const annotations = harness.kube?.getObject(vmRef("vm-1"))?.metadata.annotations ?? {};
    expect(annotations[A_FAILURE]).toBe(
      '{"correlationId":"c-4","operation":"provision","message":"quota exceeded"}',
    );
  });

  it("writeFailure: false writes nothing on failure", async () => {
    const { harness } = await startWithVm({}, { playbook: { writeFailure: false } });
    harness.aap.scriptNext("provision", { ...FAST, outcome: "failed" });
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-1", "v1"));
    expect(harness.eda.effects()[0]).toMatchObject({
      outcome: "skipped",
      reason: "failure writing is disabled",
    });
  });

  it("a canceled job writes nothing", async () => {
    const { harness, kube, created } = await startWithVm();
    harness.aap.scriptNext("provision", { ...FAST, outcome: "canceled" });
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-1", "v1"));
    expect(harness.eda.effects()[0]).toMatchObject({
      jobStatus: "canceled",
      outcome: "skipped",
      changes: [],
      attempts: 0,
    });
    expect(kube.getObject(vmRef("vm-1"))?.metadata.resourceVersion).toBe(
      created.metadata.resourceVersion,
    );
  });

  // The finalizer's JSON patch carries no resourceVersion (a `test` of the list instead):
  // the API server retries its conflicts itself and re-checks the `test`, which answers 422
  // when the list changed (see the simulator's `carriesResourceVersion`). So a concurrent
  // change of the list refuses it with 422, never 409: that is what these tests inject.
  it("re-reads and retries when the finalizer patch is refused (422, the list changed)", async () => {
    const { harness, kube } = await startWithVm();
    const storm = kube.faults.status({ code: 422, times: 2, method: "PATCH" });
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-1", "v1"));
    expect(storm.fired).toBe(2);
    expect(harness.eda.effects()[0]).toMatchObject({ outcome: "applied", attempts: 4 });
    const methods = kube.requests().map((r) => r.method);
    // The finalizer in three attempts, then the annotations.
    expect(methods).toEqual(["GET", "PATCH", "GET", "PATCH", "GET", "PATCH", "GET", "PATCH"]);
    expect(kube.getObject(vmRef("vm-1"))?.metadata.finalizers).toEqual([FINALIZER]);
  });

  it("gives up on the finalizer after conflictRetries retries and reports the run as failed, never as a success", async () => {
    const { harness, kube } = await startWithVm({}, { playbook: { conflictRetries: 2 } });
    kube.faults.status({ code: 422, times: 3, method: "PATCH" });
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-1", "v1"));
    expect(harness.eda.effects()[0]).toMatchObject({
      outcome: "failed",
      httpStatus: 422,
      attempts: 4,
      changes: ["failure"],
    });
    expect(harness.eda.effects()[0]?.reason).toMatch(
      /^could not add finalizer provisionkit\.io\/aap in 3 attempts: PATCH answered HTTP 422/,
    );
    // The rescue's failure annotation, and no success annotation next to it.
    const object = kube.getObject(vmRef("vm-1"));
    expect(object?.metadata.finalizers ?? []).toEqual([]);
    expect(object?.metadata.annotations).not.toHaveProperty(A_APPLIED_VERSION);
    expect(JSON.parse(object?.metadata.annotations?.[A_FAILURE] ?? "")).toEqual({
      correlationId: "c-1",
      operation: "provision",
      message: expect.stringMatching(
        /^Check that the finalizer was written: could not add finalizer provisionkit\.io\/aap in 3 attempts/,
      ) as unknown,
    });
  });

  it('a deprovision whose finalizer cannot be removed is a failure, not an acknowledgement; with "false" the rescue releases it', async () => {
    const { harness, kube } = await startWithVm(
      { finalizers: ["operator/finalizer", FINALIZER], deleted: true },
      { playbook: { conflictRetries: 1 } },
    );
    kube.faults.status({ code: 422, times: 2, method: "PATCH" });
    const body = annotated(payload("vm-1", "deprovision", "c-d"), A_BLOCK_DELETION, "false");
    await runEvent("delete-compute-instance", body);
    const object = kube.getObject(vmRef("vm-1"));
    expect(object?.metadata.annotations).not.toHaveProperty(A_APPLIED_CORRELATION);
    expect(JSON.parse(object?.metadata.annotations?.[A_FAILURE] ?? "")).toMatchObject({
      correlationId: "c-d",
      operation: "deprovision",
    });
    expect(object?.metadata.finalizers).toEqual(["operator/finalizer"]);
    expect(harness.eda.effects()[0]).toMatchObject({
      outcome: "failed",
      changes: ["failure", "finalizer-removed"],
    });
  });

  it("a 500 on the rescue's failure-annotation write is not retried: one PATCH, no annotation, the run failed", async () => {
    // kubernetes.core 2.4.0 (Debian's ansible 7.7.0): `K8sService.patch_resource` turns any
    // exception of the client's patch into a CoreException, and `update` tries each of the
    // task's merge types once (`merge_type: merge` in tasks/annotate.yml: one); the task has
    // no `retries:`. So a 500 there ends the rescue, and the provider learns of the failure
    // only from its timeout.
    const { harness, kube } = await startWithVm({}, { playbook: { conflictRetries: 2 } });
    const refused = kube.faults.status({ code: 422, times: 3, method: "PATCH" });
    const lost = kube.faults.status({ code: 500, times: 1, method: "PATCH" });
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-1", "v1"));
    expect([refused.fired, lost.fired]).toEqual([3, 1]);
    expect(kube.requests().map((r) => r.method)).toEqual([
      ...["GET", "PATCH", "GET", "PATCH", "GET", "PATCH"],
      ...["GET", "PATCH"],
    ]);
    expect(harness.eda.effects()[0]).toMatchObject({ outcome: "failed", changes: [] });
    expect(kube.getObject(vmRef("vm-1"))?.metadata.annotations ?? {}).toEqual({});
  });

  it("every write refused: the finalizer and the rescue both fail, and nothing is written", async () => {
    const { harness, kube } = await startWithVm({}, { playbook: { conflictRetries: 2 } });
    kube.faults.status({ code: 422, times: Infinity, method: "PATCH" });
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-1", "v1"));
    expect(harness.eda.effects()[0]).toMatchObject({
      outcome: "failed",
      httpStatus: 422,
      attempts: 4,
      changes: [],
    });
    expect(kube.getObject(vmRef("vm-1"))?.metadata.annotations ?? {}).toEqual({});
  });

  /**
   * Runs a provision event through an EdaSimulator whose Kubernetes calls pass a proxy that,
   * before the playbook's first PATCH, lets another writer change the object with `touch`.
   */
  async function withWriterInBetween(
    vm: { finalizers?: string[] },
    touch: (obj: { metadata: { labels?: Record<string, string>; finalizers?: string[] } }) => void,
  ) {
    const { harness, kube } = await startWithVm(vm, { kube: true });
    let interfered = false;
    const proxy = createServer((req, res) => {
      if (req.method === "PATCH" && !interfered) {
        interfered = true;
        kube.updateObject(vmRef("vm-1"), touch);
      }
      const upstream = httpRequest(
        `${kube.url}${req.url ?? "/"}`,
        { method: req.method, headers: req.headers, agent: false },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const eda = new EdaSimulator({
      clock: harness.clock,
      aap: harness.aap,
      kubernetes: { server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` },
      rules: RULES,
    });
    const { webhookUrl } = await eda.start();
    try {
      await post(
        `${webhookUrl}/create-compute-instance`,
        payload("vm-1", "provision", "c-1", "v1"),
      );
      await eda.pump();
      harness.clock.advance(RUN_MS);
      await eda.pump();
      return { effect: eda.effects()[0], kube };
    } finally {
      await eda.stop();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  }

  it("guards the finalizer write with a test of the list just read: another finalizer written in between refuses it (422), and the re-read write keeps both", async () => {
    const { effect, kube } = await withWriterInBetween({ finalizers: ["operator/f"] }, (obj) => {
      obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), "other/f"];
    });
    expect(effect).toMatchObject({ outcome: "applied", attempts: 3 });
    expect(kube.requests().map((r) => [r.method, r.status])).toEqual([
      ["GET", 200],
      ["PATCH", 422],
      ["GET", 200],
      ["PATCH", 200],
      ["GET", 200],
      ["PATCH", 200],
    ]);
    expect(kube.getObject(vmRef("vm-1"))?.metadata.finalizers).toEqual([
      "operator/f",
      "other/f",
      FINALIZER,
    ]);
  });

  it("a write in between that leaves the finalizer list alone (the operator's status, a label) does not refuse it", async () => {
    const { effect, kube } = await withWriterInBetween({ finalizers: ["operator/f"] }, (obj) => {
      obj.metadata.labels = { touched: "yes" };
    });
    expect(effect).toMatchObject({ outcome: "applied", attempts: 2 });
    expect(kube.requests().map((r) => [r.method, r.status])).toEqual([
      ["GET", 200],
      ["PATCH", 200],
      ["GET", 200],
      ["PATCH", 200],
    ]);
    expect(kube.getObject(vmRef("vm-1"))?.metadata).toMatchObject({
      labels: { touched: "yes" },
      finalizers: ["operator/f", FINALIZER],
    });
  });

  it("on an object with no finalizer, tests the resourceVersion read: any write in between refuses it", async () => {
    const { effect, kube } = await withWriterInBetween({}, (obj) => {
      obj.metadata.labels = { touched: "yes" };
    });
    expect(effect).toMatchObject({ outcome: "applied", attempts: 3 });
    expect(
      kube
        .requests()
        .map((r) => [r.method, r.status])
        .slice(0, 4),
    ).toEqual([
      ["GET", 200],
      ["PATCH", 422],
      ["GET", 200],
      ["PATCH", 200],
    ]);
    expect(kube.getObject(vmRef("vm-1"))?.metadata.finalizers).toEqual([FINALIZER]);
  });

  it("finds nothing to do on an object that is gone (as kubernetes.core's k8s_info and state: patched); on an object being deleted writes the annotations but no finalizer", async () => {
    const harness = await start();
    const kube = kubeOf(harness);
    await runEvent("create-compute-instance", payload("vm-gone", "provision", "c-1", "v1"));
    kube.createObject(computeInstance("vm-2", ["other/finalizer"]));
    kube.deleteObject(vmRef("vm-2"));
    await runEvent("create-compute-instance", payload("vm-2", "provision", "c-2", "v1"));
    const [gone, deleting] = harness.eda.effects();
    expect(gone).toMatchObject({ outcome: "unchanged", changes: [], attempts: 0 });
    // The API server refuses new finalizers on an object being deleted (422): the playbook
    // does not try, but still reports what it applied.
    expect(deleting).toMatchObject({ outcome: "applied", changes: ["applied-version"] });
    const object = kube.getObject(vmRef("vm-2"));
    expect(object?.metadata.finalizers).toEqual(["other/finalizer"]);
    expect(object?.metadata.annotations?.[A_APPLIED_CORRELATION]).toBe("c-2");
  });

  it("plays the effects of a direct AAP launch of a rule's template too", async () => {
    const { harness, kube } = await startWithVm();
    const template = harness.aap.ledger().length; // no jobs yet
    expect(template).toBe(0);
    const launched = await call(harness.aap.url, `${GW}job_templates/provision++Default/launch/`, {
      body: { extra_vars: directVars(payload("vm-1", "provision", "direct-1", "v9")) },
    });
    expect(launched.status).toBe(201);
    await call(harness.aap.url, `${GW}job_templates/unrelated++Default/launch/`, {
      body: { extra_vars: directVars(payload("vm-1", "provision", "x", "x")) },
    });
    harness.clock.advance(RUN_MS);
    await harness.eda.pump();
    expect(harness.eda.events()).toEqual([]);
    expect(harness.eda.effects().map((e) => [e.templateName, e.outcome])).toEqual([
      ["provision", "applied"],
    ]);
    expect(kube.getObject(vmRef("vm-1"))?.metadata.annotations?.[A_APPLIED_CORRELATION]).toBe(
      "direct-1",
    );
  });

  it("plays workflow jobs' effects", async () => {
    const { harness } = await startWithVm();
    await runEvent("create-flow", payload("vm-1", "provision", "c-1", "v1"));
    expect(harness.eda.effects()[0]).toMatchObject({ jobKind: "workflow_job", outcome: "applied" });
  });

  it("skips jobs whose payload did not reach the playbook", async () => {
    const { harness } = await startWithVm(
      {},
      {
        setup: (aap) =>
          aap.addJobTemplate({
            name: "provision",
            askVariablesOnLaunch: false,
            script: { pendingMs: 0, waitingMs: 0, runMs: RUN_MS },
          }),
        rules: [RULES[0]!],
      },
    );
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-1", "v1"));
    expect(harness.eda.effects()[0]).toMatchObject({
      outcome: "skipped",
      reason: "no ansible_eda.event.payload: the template ignored the launch's extra_vars",
    });
    expect(harness.kube?.getObject(vmRef("vm-1"))?.metadata.finalizers).toBeUndefined();
  });

  it("skips payloads without an operation annotation", async () => {
    const { harness } = await startWithVm();
    await runEvent("create-compute-instance", computeInstance("vm-1"));
    expect(harness.eda.effects()[0]).toMatchObject({
      outcome: "skipped",
      reason: "no provisionkit.io/operation annotation in the payload",
      resourceKey: "default/vm-1",
    });
  });

  it("without a Kubernetes connection, records that nothing is written", async () => {
    const harness = await start({ kube: false });
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-1", "v1"));
    expect(harness.eda.effects()[0]).toMatchObject({
      outcome: "skipped",
      reason: "no Kubernetes connection: the playbook writes nothing",
    });
  });

  it("uses the kubeconfig's token and never records it", async () => {
    const { harness } = await startWithVm({}, { kube: { token: "kube-secret-token" } });
    await runEvent("create-compute-instance", payload("vm-1", "provision", "c-1", "v1"));
    expect(harness.eda.effects()[0]?.outcome).toBe("applied");
    const recorded = JSON.stringify([
      harness.eda.effects(),
      harness.eda.events(),
      harness.eda.requests(),
    ]);
    expect(recorded).not.toContain("kube-secret-token");
  });

  it("accepts a connection object and writes cluster-scoped paths without a namespace", async () => {
    const harness = await start({ kube: { crds: [] } });
    const kube = kubeOf(harness);
    kube.registerCrd({
      group: "example.com",
      version: "v1",
      plural: "networkz",
      kind: "Network",
      scope: "Cluster",
    });
    kube.createObject({
      apiVersion: "example.com/v1",
      kind: "Network",
      metadata: { name: "net-1" },
    });
    const eda = new EdaSimulator({
      clock: harness.clock,
      aap: harness.aap,
      kubernetes: { server: kube.url },
      rules: [{ endpoint: "create-network", template: "provision" }],
      playbook: { plurals: { Network: "networkz" } },
    });
    const { webhookUrl } = await eda.start();
    try {
      const body = payload("net-1", "provision", "c-1", "v1");
      delete (body.metadata as Record<string, unknown>).namespace;
      body.kind = "Network";
      await post(`${webhookUrl}/create-network`, body);
      await eda.pump();
      harness.clock.advance(RUN_MS);
      await eda.pump();
      expect(eda.effects()[0]).toMatchObject({ outcome: "applied", resourceKey: "net-1" });
      expect(kube.requests().map((r) => r.path)).toContain("/apis/example.com/v1/networkz/net-1");
      expect(
        kube.getObject({ group: "example.com", plural: "networkz", name: "net-1" })?.metadata
          .finalizers,
      ).toEqual([FINALIZER]);
    } finally {
      await eda.stop();
    }
  });
});
