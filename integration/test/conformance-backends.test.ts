import type { JobRecord, Provider, ResourceObject } from "@provisionkit/core";
import {
  aapSimulatorBackend,
  edaSimulatorBackend,
  KubernetesApiSimulator,
} from "@provisionkit/testing";
import { VirtualClock, type ConformanceBackend, type CrdDefinition } from "@provisionkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import { aapProvider, edaProvider } from "../conformance/builtin.mjs";

// The ready-made conformance backends with the real providers, without the conformance
// runner: one provision through the provider, the backend's ledger as the truth, the
// provider's status after clock moves (and, for EDA, the playbook's write-back).

const WIDGET: CrdDefinition = {
  group: "example.com",
  version: "v1",
  plural: "widgets",
  kind: "Widget",
};
const signal = new AbortController().signal;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** The Kubernetes simulator and clock of one test. */
interface Context {
  clock: VirtualClock;
  kube: KubernetesApiSimulator;
}

/** Starts `backend` on a fresh Kubernetes simulator and clock; answers them and its provider. */
async function started(backend: ConformanceBackend): Promise<Context & { provider: Provider }> {
  const clock = new VirtualClock();
  const kube = new KubernetesApiSimulator({ clock, crds: [WIDGET] });
  await kube.start();
  cleanups.push(() => kube.stop());
  await backend.start({ clock, kubernetes: kube, resource: WIDGET });
  cleanups.push(() => backend.stop());
  return { clock, kube, provider: backend.provider() };
}

/**
 * Starts `backend` and provisions a new resource `w-1` through its provider (config version
 * `v1`, correlation id `corr-1`), the backend's job taking `durationMs`.
 */
async function provisioned(backend: ConformanceBackend, durationMs: number) {
  const ctx = await started(backend);
  const resource = create(ctx, "w-1");
  backend.scriptNext("provision", { durationMs });
  const { jobId } = await ctx.provider.triggerProvision(resource, {
    configVersion: "v1",
    correlationId: "corr-1",
    signal,
  });
  return { ...ctx, resource, jobId };
}

/** Creates the resource in the Kubernetes simulator, as the suite does. */
function create(ctx: Context, name: string): ResourceObject {
  return ctx.kube.createObject({
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name, namespace: "default" },
    spec: { size: 1 },
  });
}

function read(ctx: Context, name: string): ResourceObject {
  const object = ctx.kube.getObject({ ...WIDGET, namespace: "default", name });
  if (!object) throw new Error(`${name} is gone`);
  return object;
}

describe("aapSimulatorBackend with AapProvider", () => {
  for (const workflow of [false, true]) {
    it(`a provision lands in the ledger with its version and succeeds (${workflow ? "workflow" : "job"} templates)`, async () => {
      const backend = aapSimulatorBackend({ workflow, provider: (e) => aapProvider(e) });
      const ctx = await provisioned(backend, 3000);
      const { provider, resource, jobId } = ctx;
      const [job] = backend.ledger();
      expect(backend.ledger()).toHaveLength(1);
      expect(job).toMatchObject({
        resourceKey: "default/w-1",
        operation: "provision",
        configVersion: "v1",
        correlationId: "corr-1",
        createdAt: ctx.clock.now(),
      });
      expect(jobId).toContain(job!.id);
      const running = await provider.getProvisionStatus(resource, jobId, { signal });
      expect(running.state).not.toBe("Succeeded");
      ctx.clock.advance(3000);
      const done = await provider.getProvisionStatus(resource, jobId, { signal });
      expect(done.state).toBe("Succeeded");
      expect(done.reconciledVersion ?? "v1").toBe("v1");
      expect(backend.ledger()[0]).toMatchObject({ outcome: "succeeded" });
      // P1: no secret in what the provider returned.
      const results = JSON.stringify([jobId, running, done]);
      for (const secret of backend.secrets ?? []) expect(results).not.toContain(secret);
    });
  }

  it("a deprovision after the provision is recorded as one and succeeds", async () => {
    const backend = aapSimulatorBackend({ provider: (e) => aapProvider(e) });
    const ctx = await started(backend);
    const { provider } = ctx;
    const resource = create(ctx, "w-2");
    backend.scriptNext("provision", { durationMs: 1000 });
    const options = { configVersion: "v1", correlationId: "corr-p", signal };
    const { jobId } = await provider.triggerProvision(resource, options);
    ctx.clock.advance(1000);
    const launchedAt = new Date(ctx.clock.now()).toISOString();
    const record: JobRecord = {
      jobId,
      type: "provision",
      state: "Succeeded",
      message: "",
      provider: provider.name,
      correlationId: "corr-p",
      launchedAt,
      updatedAt: launchedAt,
      configVersion: "v1",
      attempt: 1,
    };
    backend.scriptNext("deprovision", { durationMs: 500 });
    const result = await provider.triggerDeprovision(resource, [record], {
      correlationId: "corr-d",
      signal,
    });
    if (result.action !== "triggered") throw new Error(`expected triggered, got ${result.action}`);
    expect(backend.ledger()[1]).toMatchObject({
      resourceKey: "default/w-2",
      operation: "deprovision",
      correlationId: "corr-d",
    });
    expect(backend.ledger()[1]?.configVersion).toBeUndefined();
    ctx.clock.advance(500);
    const done = await provider.getDeprovisionStatus(resource, result.jobId, { signal });
    expect(done.state).toBe("Succeeded");
    expect(backend.ledger().map((j) => j.outcome)).toEqual(["succeeded", "succeeded"]);
  });
});

describe("edaSimulatorBackend with EdaProvider", () => {
  const modes = [
    { name: "webhook only", aapMode: false },
    { name: "AAP mode", aapMode: true },
  ];
  for (const { name, aapMode } of modes) {
    it(`a provision event launches on settle, writes back, and the provider reports Succeeded (${name})`, async () => {
      const backend = edaSimulatorBackend({
        provider: (e) => edaProvider(e, { aapMode, minEventIntervalMs: 0 }),
      });
      const ctx = await provisioned(backend, 2000);
      const { provider, jobId } = ctx;
      expect(backend.ledger()).toEqual([]);
      await backend.settle!();
      expect(backend.ledger()).toEqual([
        expect.objectContaining({
          resourceKey: "default/w-1",
          operation: "provision",
          configVersion: "v1",
          correlationId: "corr-1",
        }),
      ]);
      const before = await provider.getProvisionStatus(read(ctx, "w-1"), jobId, { signal });
      expect(before.state).not.toBe("Succeeded");
      ctx.clock.advance(2000);
      await backend.settle!();
      expect(backend.ledger()[0]).toMatchObject({ outcome: "succeeded" });
      const object = read(ctx, "w-1");
      expect(object.metadata.annotations?.["provisionkit.io/applied-config-version"]).toBe("v1");
      const done = await provider.getProvisionStatus(object, jobId, { signal });
      expect(done.state).toBe("Succeeded");
      expect(done.reconciledVersion ?? "v1").toBe("v1");
      const results = JSON.stringify([jobId, before, done]);
      for (const secret of backend.secrets ?? []) expect(results).not.toContain(secret);
    });
  }

  it("a rate-limited event surfaces as RateLimitError with the backend's Retry-After", async () => {
    const backend = edaSimulatorBackend({
      provider: (e) => edaProvider(e, { minEventIntervalMs: 0 }),
    });
    const ctx = await started(backend);
    const { provider } = ctx;
    backend.rateLimitNext!(1, 5000);
    const resource = create(ctx, "w-3");
    const options = { configVersion: "v1", correlationId: "corr-3", signal };
    await expect(provider.triggerProvision(resource, options)).rejects.toMatchObject({
      code: "RATE_LIMITED",
      retryAfterMs: 5000,
    });
    await backend.settle!();
    expect(backend.ledger()).toEqual([]);
  });
});
