import {
  ConditionType,
  JobState,
  configVersion,
  findCondition,
  type ProvisioningStatus,
  type ReconcileResult,
  type ResourceObject,
} from "@provisionkit/core";
import { driveEngine } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import {
  ANNOTATION_APPLIED_CONFIG_VERSION,
  ANNOTATION_APPLIED_CORRELATION_ID,
  ANNOTATION_CONFIG_VERSION,
  ANNOTATION_CORRELATION_ID,
  ANNOTATION_OPERATION,
  FINALIZER_AAP,
} from "../src/index.ts";
import { computeInstance, webhookOk, type RecordedRequest } from "./harness.ts";
import { startProvider, type ProviderFixture } from "./provider-fixture.ts";

// The engine driving EdaProvider over real HTTP against a webhook whose "playbooks" write
// back onto the resource (the EDA simulator's job, played here in a few lines), on a test
// clock. A queued event runs its playbook on the next reconcile round (the engine's poll).

interface World {
  resource: ResourceObject;
  status: ProvisioningStatus | undefined;
  /** Events received and not yet played. */
  queue: RecordedRequest[];
  /** Every event received, in order: the out-of-band ledger. */
  ledger: { operation: string; correlationId: string; version?: string }[];
  /** Whether played playbooks hold (do not finish) — to delete while provisioning. */
  hold: boolean;
}

function play(world: World): void {
  if (world.hold) return;
  for (const request of world.queue.splice(0)) {
    const annotations = (JSON.parse(request.body) as ResourceObject).metadata.annotations ?? {};
    const meta = world.resource.metadata;
    if (annotations[ANNOTATION_OPERATION] === "provision") {
      meta.finalizers = [...new Set([...(meta.finalizers ?? []), FINALIZER_AAP])];
      meta.annotations = {
        ...meta.annotations,
        [ANNOTATION_APPLIED_CONFIG_VERSION]: annotations[ANNOTATION_CONFIG_VERSION]!,
        [ANNOTATION_APPLIED_CORRELATION_ID]: annotations[ANNOTATION_CORRELATION_ID]!,
      };
    } else {
      meta.finalizers = (meta.finalizers ?? []).filter((f) => f !== FINALIZER_AAP);
      meta.annotations = {
        ...meta.annotations,
        [ANNOTATION_APPLIED_CORRELATION_ID]: annotations[ANNOTATION_CORRELATION_ID]!,
      };
    }
  }
}

/** Reconciles the world's resource, playing queued events first, until `until` holds. */
function drive(
  f: ProviderFixture,
  world: World,
  until: (result: ReconcileResult) => boolean,
  deleting = false,
): Promise<ReconcileResult> {
  return driveEngine({
    provider: f.provider,
    resource: () => structuredClone(world.resource),
    state: world,
    clock: f.clock,
    until,
    deleting,
    beforeRound: () => play(world),
    engine: { pollIntervalMs: 5000 },
    maxRounds: 100,
  });
}

async function setup(): Promise<{ f: ProviderFixture; world: World }> {
  const f = await startProvider();
  const world: World = {
    resource: computeInstance(),
    status: undefined,
    queue: [],
    ledger: [],
    hold: false,
  };
  f.server.otherwise((request, response) => {
    const annotations = (JSON.parse(request.body) as ResourceObject).metadata.annotations ?? {};
    world.ledger.push({
      operation: annotations[ANNOTATION_OPERATION]!,
      correlationId: annotations[ANNOTATION_CORRELATION_ID]!,
      ...(annotations[ANNOTATION_CONFIG_VERSION]
        ? { version: annotations[ANNOTATION_CONFIG_VERSION] }
        : {}),
    });
    world.queue.push(request);
    webhookOk(request, response);
  });
  return { f, world };
}

const ready = (r: ReconcileResult) =>
  findCondition(r.status.conditions, ConditionType.Ready)?.status === "True";

describe("engine + EdaProvider + a scripted webhook", () => {
  it("provisions to Ready, re-provisions a changed spec, and tears down", async () => {
    const { f, world } = await setup();
    let result = await drive(f, world, ready);
    const v1 = configVersion(world.resource.spec);
    expect(result.status.reconciledConfigVersion).toBe(v1);
    world.resource.spec = { cores: 4, image: "fedora" };
    result = await drive(f, world, (r) => ready(r) && r.status.reconciledConfigVersion !== v1);
    expect(result.status.reconciledConfigVersion).toBe(configVersion(world.resource.spec));
    result = await drive(f, world, (r) => r.finalizer === "release", true);
    expect(result.finalizer).toBe("release");
    expect(world.resource.metadata.finalizers ?? []).not.toContain(FINALIZER_AAP);
    expect(world.ledger.map((e) => e.operation)).toEqual(["provision", "provision", "deprovision"]);
  });

  it("a delete while provisioning waits for the provision to report, then tears down (P5)", async () => {
    const { f, world } = await setup();
    await drive(f, world, () => world.ledger.length === 1);
    world.hold = true; // the provision playbook is still running
    let rounds = 0;
    await drive(
      f,
      world,
      (result) => {
        expect(result.finalizer).not.toBe("release");
        return ++rounds === 5;
      },
      true,
    );
    expect(world.ledger.map((e) => e.operation)).toEqual(["provision"]);
    world.hold = false;
    const result = await drive(f, world, (r) => r.finalizer === "release", true);
    expect(world.ledger.map((e) => e.operation)).toEqual(["provision", "deprovision"]);
    const provision = result.status.jobs.find((j) => j.type === "provision");
    expect(provision?.state).toBe(JobState.Succeeded);
  });

  it("deleting a resource that was never provisioned is skipped: no event", async () => {
    const { f, world } = await setup();
    const result = await drive(f, world, (r) => r.finalizer === "release", true);
    expect(result.finalizer).toBe("release");
    expect(world.ledger).toEqual([]);
  });
});
