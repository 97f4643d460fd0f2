/**
 * The memory backend's scripted faults: rate limits and 503s on launches, reads or any
 * request, launch answers lost after the backend carried the request out (504), requests
 * held unanswered, and jobs kept queued.
 */
import { describe, expect, it } from "vitest";
import {
  AbortedError,
  RateLimitError,
  TransientError,
  isOutcomeUnknown,
  type ResourceObject,
} from "@provisionkit/core";
import { VirtualClock } from "../../src/clock.js";
import { MemoryBackend, MemoryProvider } from "../../src/index.js";

const resource: ResourceObject = { metadata: { name: "r1", namespace: "ns" }, spec: {} };
const signal = new AbortController().signal;

function setup() {
  const clock = new VirtualClock();
  const backend = new MemoryBackend({ clock });
  const provider = new MemoryProvider(backend);
  const launch = (correlationId = "c1") =>
    provider.triggerProvision(resource, { configVersion: "v1", correlationId, signal });
  const read = (jobId: string) => provider.getProvisionStatus(resource, jobId);
  return { clock, backend, provider, launch, read };
}

describe("memory backend faults", () => {
  it("keeps a job scripted with queuedMs Pending, and visible, that long before its duration starts", async () => {
    const { clock, backend, launch, read } = setup();
    expect(() => backend.scriptNext("provision", { queuedMs: -5 })).toThrow(RangeError);
    backend.scriptNext("provision", { queuedMs: 60_000, durationMs: 10_000 });
    const start = clock.now();
    const { jobId } = await launch();
    clock.advance(60_999);
    await expect(read(jobId)).resolves.toMatchObject({ state: "Pending" });
    clock.advance(1);
    await expect(read(jobId)).resolves.toMatchObject({ state: "Running" });
    clock.advance(8_999);
    await expect(read(jobId)).resolves.toMatchObject({ state: "Running" });
    clock.advance(1);
    await expect(read(jobId)).resolves.toMatchObject({ state: "Succeeded" });
    expect(backend.ledger()[0]).toMatchObject({ createdAt: start, finishedAt: start + 70_000 });
  });

  it("rate limits launches only by default, and any request when asked", async () => {
    const { backend, launch, read } = setup();
    const { jobId } = await launch();
    backend.rateLimitNext(1, 7_000);
    await expect(read(jobId)).resolves.toMatchObject({ jobId });
    const limited = await launch("c2").catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfterMs).toBe(7_000);
    backend.rateLimitNext(2, 3_000, "all");
    await expect(read(jobId)).rejects.toBeInstanceOf(RateLimitError);
    await expect(launch("c3")).rejects.toBeInstanceOf(RateLimitError);
    await expect(read(jobId)).resolves.toMatchObject({ jobId });
  });

  it("fails any request with 503 by default, and only reads when asked", async () => {
    const { backend, launch, read } = setup();
    backend.failNext(1);
    await expect(launch()).rejects.toBeInstanceOf(TransientError);
    expect(backend.ledger()).toEqual([]);
    backend.failNext(1, "reads");
    const { jobId } = await launch("c2");
    await expect(read(jobId)).rejects.toThrow("the memory backend is unavailable (503)");
    await expect(read(jobId)).resolves.toMatchObject({ jobId });
  });

  it("carries a launch out, then loses its answer: the error says the outcome is unknown", async () => {
    const { backend, launch } = setup();
    backend.loseNextAnswer("provision");
    const lost = await launch().catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(TransientError);
    expect(isOutcomeUnknown(lost)).toBe(true);
    expect(backend.ledger().map((j) => j.correlationId)).toEqual(["c1"]);
    await expect(launch("c2")).resolves.toMatchObject({ jobId: "mem-2" });
  });

  it("loses a deprovision answer after doing its work (here: the cancel of the running job)", async () => {
    const { backend, provider, launch } = setup();
    await launch();
    backend.loseNextAnswer("deprovision");
    const deprovision = () =>
      provider.triggerDeprovision(resource, [], { correlationId: "d1", signal });
    await expect(deprovision()).rejects.toThrow(/504/);
    expect(backend.ledger()[0]?.cancelRequestedAt).toBeDefined();
    await expect(deprovision()).resolves.toMatchObject({ action: "waiting" });
  });

  it("holds reads until released, or until the caller aborts; a held launch is dropped, never carried out", async () => {
    const { backend, provider, launch } = setup();
    const { jobId } = await launch();
    const told: string[] = [];
    backend.holdNext("read", 2, () => told.push("read"));
    const caller = new AbortController();
    const aborted = provider.getProvisionStatus(resource, jobId, { signal: caller.signal });
    const waiting = provider.getProvisionStatus(resource, jobId, { signal });
    expect(told).toEqual(["read", "read"]);
    caller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    // The next read is not held; the held one answers once released.
    await expect(provider.getProvisionStatus(resource, jobId)).resolves.toMatchObject({ jobId });
    backend.releaseHeld();
    await expect(waiting).resolves.toMatchObject({ jobId });
    backend.holdNext("launch", 1, () => told.push("launch"));
    const dropped = launch("c2");
    expect(told.at(-1)).toBe("launch");
    backend.releaseHeld();
    const error = await dropped.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(backend.ledger().map((j) => j.correlationId)).toEqual(["c1"]);
  });
});
