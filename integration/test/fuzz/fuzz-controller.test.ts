import { ConditionType, type Condition, type Logger } from "@provisionkit/core";
import { ProvisioningController } from "@provisionkit/core/kubernetes";
import {
  KubernetesApiSimulator,
  MemoryBackend,
  MemoryProvider,
  systemClock,
  type KubeObject,
} from "@provisionkit/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRD, loadKubeConfig } from "../../support/cluster.ts";
import { checkProperty, fuzzTimeoutMs, HeapGauge, wrongValueArb } from "./hostile.ts";

// Fuzz tier (issue 16): hostile custom resources through the controller. Objects with garbage
// spec (wrong types, deep nesting, long strings) and garbage status (what a user with kubectl,
// or a broken tool, can write through the status subresource) are put on the Kubernetes API
// simulator next to a running ProvisioningController. Property: after the controller settled,
// each object carries a Ready condition (True, False or Unknown, with a reason) — a documented
// state — and no reconcile of it failed with an error; the controller keeps working (a healthy
// object created after all the hostile ones becomes Ready=True); the heap stays bounded.

const NAMESPACE = "fuzz";
const FINALIZER = "example.com/provisioning";

let sim: KubernetesApiSimulator;
let controller: ProvisioningController;
const errors: string[] = [];
const heap = new HeapGauge();

const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (fields, message) => errors.push(`${message} ${JSON.stringify(fields).slice(0, 400)}`),
};

beforeAll(async () => {
  sim = new KubernetesApiSimulator({ crds: [CRD] });
  await sim.start();
  const backend = new MemoryBackend({
    clock: systemClock,
    defaultDurationMs: 20,
    cancelDelayMs: 10,
  });
  controller = new ProvisioningController({
    kubeConfig: loadKubeConfig(sim.kubeconfig()),
    resource: { ...CRD, namespace: NAMESPACE },
    provider: new MemoryProvider(backend),
    finalizer: FINALIZER,
    logger,
    engine: {
      pollIntervalMs: 20,
      pendingLaunchGraceMs: 100,
      provisionBackoff: { initialMs: 20, maxMs: 200 },
      deprovisionBackoff: { initialMs: 20, maxMs: 200 },
      errorBackoff: { initialMs: 20, maxMs: 200 },
    },
    errorBackoff: { initialMs: 20, maxMs: 200 },
    watchRestartBackoff: { initialMs: 20, maxMs: 200 },
    resyncIntervalMs: 0,
  });
  await controller.start();
});

afterAll(async () => {
  await controller?.stop();
  await sim?.stop();
});

function nest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { n: value };
  return value;
}

/**
 * A spec: ordinary, wrong-typed, deep (up to the API server's 10,000) or long. Deep and long
 * ones are described, and built in the property: fast-check prints a failing case with a
 * recursive stringify that a value 10,000 deep would overflow.
 */
type SpecShape =
  | { kind: "value"; value: unknown }
  | { kind: "deep"; depth: number; asArray: boolean }
  | { kind: "long"; kib: number }
  | { kind: "none" };

const specArb: fc.Arbitrary<SpecShape> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }))
      .map((value): SpecShape => ({ kind: "value", value })),
  },
  { weight: 2, arbitrary: wrongValueArb.map((value): SpecShape => ({ kind: "value", value })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ depth: fc.integer({ min: 50, max: 9_990 }), asArray: fc.boolean() })
      .map((r): SpecShape => ({ kind: "deep", ...r })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 200 }).map((kib): SpecShape => ({ kind: "long", kib })),
  },
  { weight: 1, arbitrary: fc.constant<SpecShape>({ kind: "none" }) },
);

function buildSpec(shape: SpecShape): unknown {
  switch (shape.kind) {
    case "value":
      return shape.value;
    case "deep":
      return { deep: nest(shape.depth, 1, shape.asArray) };
    case "long":
      return { long: "x".repeat(shape.kib * 1024) };
    case "none":
      return undefined;
  }
}

const jobArb = fc.oneof(
  wrongValueArb,
  fc.record(
    {
      jobId: wrongValueArb,
      type: fc.oneof(fc.constantFrom("provision", "deprovision"), wrongValueArb),
      state: fc.oneof(
        fc.constantFrom("Pending", "Running", "Succeeded", "Failed", "Canceled", "Unknown"),
        wrongValueArb,
      ),
      message: wrongValueArb,
      provider: fc.oneof(fc.constant("memory"), wrongValueArb),
      correlationId: wrongValueArb,
      launchedAt: fc.oneof(
        fc.constantFrom("2024-01-01T00:00:00Z", "not a date", "+275760-09-13T00:00:00.000Z"),
        wrongValueArb,
      ),
      updatedAt: wrongValueArb,
      configVersion: wrongValueArb,
      attempt: wrongValueArb,
    },
    { requiredKeys: [] },
  ),
);

/** A status as a user or a broken tool could write it through the status subresource. */
const statusArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: wrongValueArb },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        provisioning: fc.oneof(
          wrongValueArb,
          fc.record(
            {
              jobs: fc.oneof(wrongValueArb, fc.array(jobArb, { maxLength: 4 })),
              desiredConfigVersion: wrongValueArb,
              reconciledConfigVersion: wrongValueArb,
              pendingLaunch: wrongValueArb,
              launchFailure: wrongValueArb,
              deprovisionWaitUntil: wrongValueArb,
              conditions: wrongValueArb,
            },
            { requiredKeys: [] },
          ),
        ),
        conditions: fc.oneof(
          wrongValueArb,
          fc.array(
            fc.record(
              {
                type: fc.oneof(fc.constant("Ready"), wrongValueArb),
                status: wrongValueArb,
                reason: wrongValueArb,
              },
              { requiredKeys: [] },
            ),
            { maxLength: 3 },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
  },
);

const ref = (name: string) => ({
  group: CRD.group,
  plural: CRD.plural,
  namespace: NAMESPACE,
  name,
});

function readyOf(object: KubeObject | undefined): Condition | undefined {
  const conditions = (object?.status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return (conditions as Condition[]).find((c) => c?.type === ConditionType.Ready);
}

async function settle(key: string): Promise<void> {
  for (let i = 0; i < 4; i++) {
    controller.enqueue(key);
    await controller.idle();
  }
}

describe("fuzz: hostile custom resources through the controller", () => {
  it(
    "each hostile object ends with a Ready condition and no failed reconcile; the controller keeps working",
    async () => {
      let n = 0;
      const outcomes = new Map<string, number>();
      const { runs, ms } = await checkProperty(
        "controller",
        fc.asyncProperty(specArb, statusArb, fc.boolean(), async (shape, status, finalizer) => {
          const spec = buildSpec(shape);
          const name = `hostile-${++n}`;
          const key = `${NAMESPACE}/${name}`;
          errors.length = 0;
          sim.createObject({
            apiVersion: `${CRD.group}/${CRD.version}`,
            kind: CRD.kind,
            metadata: {
              name,
              namespace: NAMESPACE,
              ...(finalizer ? { finalizers: [FINALIZER] } : {}),
            },
            ...(spec === undefined ? {} : { spec }),
          });
          if (status !== undefined) {
            sim.updateObject(ref(name), (object) => {
              object.status = status;
            });
          }
          await settle(key);
          const object = sim.getObject(ref(name));
          const ready = readyOf(object);
          const label = `${ready?.status ?? "none"}/${ready?.reason ?? "-"}`;
          outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
          heap.sample();
          const mine = errors.filter((line) => line.includes(key));
          const shown = JSON.stringify({ shape, status }).slice(0, 400);
          if (mine.length > 0)
            throw new Error(`reconcile of ${key} failed: ${mine[0]}\nobject: ${shown}`);
          if (
            !ready ||
            !["True", "False", "Unknown"].includes(ready.status) ||
            typeof ready.reason !== "string"
          )
            throw new Error(
              `${key} has no Ready condition after the controller settled\nobject: ${shown}`,
            );
          // The object is removed again (through its finalizer when it has one): the next case
          // starts from a quiet controller.
          sim.updateObject(ref(name), (o) => {
            o.metadata.finalizers = [];
          });
          if (sim.getObject(ref(name))) sim.deleteObject(ref(name));
        }),
        25,
      );
      // The controller still works: a healthy object becomes Ready=True.
      sim.createObject({
        apiVersion: `${CRD.group}/${CRD.version}`,
        kind: CRD.kind,
        metadata: { name: "healthy", namespace: NAMESPACE },
        spec: { cores: 2 },
      });
      await expect
        .poll(() => readyOf(sim.getObject(ref("healthy")))?.status, {
          timeout: 20_000,
          interval: 20,
        })
        .toBe("True");
      console.info(
        `fuzz controller: ${runs} hostile objects in ${ms} ms; Ready outcomes ${[...outcomes.entries()].map(([k, v]) => `${k}=${v}`).join(" ")}; heap baseline ${heap.baselineMiB} MiB, peak ${heap.peakMiB} MiB`,
      );
      // What the cases left behind once collected: bounded, whatever the number of cases.
      const retained = heap.retainedMiB();
      console.info(`fuzz heap retained after collection: ${retained} MiB`);
      expect(retained).toBeLessThan(64);
    },
    fuzzTimeoutMs(25, 3000),
  );
});
