/**
 * `tapProvider`, the wrapper around each controller's provider in the operator suite: its
 * shape, and how it records deprovision declarations, skips and findJob declarations.
 */
import { type FoundJob } from "@provisionkit/core";
import { describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../../src/clock.js";
import { MemoryBackend } from "../../src/conformance/memory/backend.js";
import { MemoryProvider } from "../../src/conformance/memory/provider.js";
import { tapProvider } from "../../src/conformance/operator/provider-tap.js";
import {
  RESOURCE,
  CLUSTER_RESOURCE,
  call,
  provisionCall,
  deprovisionCall,
  status,
  stubProvider,
  tapOptions,
} from "./tap-support.js";

describe("tapProvider: the provider's shape", () => {
  it("keeps findJob and cancelJob exactly when the wrapped provider has them", () => {
    const backend = new MemoryBackend({ clock: new VirtualClock() });
    const full = tapProvider(new MemoryProvider(backend), tapOptions());
    expect(typeof full.findJob).toBe("function");
    expect(typeof full.cancelJob).toBe("function");

    const bare = tapProvider(
      new MemoryProvider(backend, { findJob: false, cancel: false }),
      tapOptions(),
    );
    expect("findJob" in bare).toBe(false);
    expect("cancelJob" in bare).toBe(false);

    const findOnly = tapProvider(new MemoryProvider(backend, { cancel: false }), tapOptions());
    expect(typeof findOnly.findJob).toBe("function");
    expect("cancelJob" in findOnly).toBe(false);

    const cancelOnly = tapProvider(new MemoryProvider(backend, { findJob: false }), tapOptions());
    expect("findJob" in cancelOnly).toBe(false);
    expect(typeof cancelOnly.cancelJob).toBe("function");
  });

  it("keeps the provider's name and passes every call through with its arguments", async () => {
    const stub = stubProvider();
    const tapped = tapProvider(stub, tapOptions());
    expect(tapped.name).toBe("stub");

    await expect(tapped.triggerProvision(RESOURCE, provisionCall("c1"))).resolves.toMatchObject({
      jobId: "job-1",
    });
    expect(stub.triggerProvision).toHaveBeenCalledWith(RESOURCE, provisionCall("c1"));
    await expect(tapped.getProvisionStatus(RESOURCE, "job-1", call)).resolves.toEqual(
      status("job-1"),
    );
    expect(stub.getProvisionStatus).toHaveBeenCalledWith(RESOURCE, "job-1", call);
    await tapped.triggerDeprovision(RESOURCE, [], deprovisionCall("c2"));
    expect(stub.triggerDeprovision).toHaveBeenCalledWith(RESOURCE, [], deprovisionCall("c2"));
    await tapped.getDeprovisionStatus(RESOURCE, "job-2", call);
    expect(stub.getDeprovisionStatus).toHaveBeenCalledWith(RESOURCE, "job-2", call);
    await tapped.findJob?.(RESOURCE, { correlationId: "c1", type: "provision" }, call);
    expect(stub.findJob).toHaveBeenCalledWith(
      RESOURCE,
      { correlationId: "c1", type: "provision" },
      call,
    );
    await tapped.cancelJob?.(RESOURCE, "job-1", "provision", call);
    expect(stub.cancelJob).toHaveBeenCalledWith(RESOURCE, "job-1", "provision", call);
  });

  it("passes provider errors through unchanged", async () => {
    const stub = stubProvider();
    const boom = new Error("backend down");
    stub.getProvisionStatus.mockRejectedValueOnce(boom);
    const tapped = tapProvider(stub, tapOptions());
    await expect(tapped.getProvisionStatus(RESOURCE, "job-1", call)).rejects.toBe(boom);
  });
});

describe("tapProvider: deprovision declarations and skips", () => {
  it("records a triggered deprovision's correlation id and blockDeletionOnFailure", async () => {
    const options = tapOptions();
    const tapped = tapProvider(stubProvider(), options);
    const before = Date.now();
    const result = await tapped.triggerDeprovision(RESOURCE, [], deprovisionCall("del-1"));
    expect(result).toEqual({ action: "triggered", jobId: "job-1", blockDeletionOnFailure: false });
    expect(options.declarations.map(({ at: _at, ...declared }) => declared)).toEqual([
      { resourceKey: "team/w1", correlationId: "del-1", blockDeletionOnFailure: false },
    ]);
    expect(typeof options.declarations[0]?.at).toBe("number");
    expect(options.declarations[0]?.at).toBeGreaterThanOrEqual(before);
    expect(options.declarations[0]?.at).toBeLessThanOrEqual(Date.now());
    expect(options.skips).toEqual([]);
  });

  it("records blockDeletionOnFailure true, keyed by name for a cluster-scoped resource", async () => {
    const options = tapOptions();
    const stub = stubProvider({
      deprovision: { action: "triggered", jobId: "d-1", blockDeletionOnFailure: true },
    });
    const tapped = tapProvider(stub, options);
    await tapped.triggerDeprovision(CLUSTER_RESOURCE, [], deprovisionCall("del-2"));
    expect(options.declarations).toMatchObject([
      { resourceKey: "g1", correlationId: "del-2", blockDeletionOnFailure: true },
    ]);
  });

  it("records a skipped deprovision in skips, and declares nothing", async () => {
    const options = tapOptions();
    const stub = stubProvider({ deprovision: { action: "skipped", reason: "nothing to do" } });
    const onCall = vi.fn();
    const tapped = tapProvider(stub, { ...options, onCall });
    const before = Date.now();
    await expect(
      tapped.triggerDeprovision(RESOURCE, [], deprovisionCall("del-3")),
    ).resolves.toEqual({ action: "skipped", reason: "nothing to do" });
    expect(options.skips.map((skip) => skip.resourceKey)).toEqual(["team/w1"]);
    expect(Object.keys(options.skips[0] ?? {}).sort()).toEqual(["at", "resourceKey"]);
    expect(typeof options.skips[0]?.at).toBe("number");
    expect(options.skips[0]?.at).toBeGreaterThanOrEqual(before);
    expect(options.declarations).toEqual([]);
    expect(onCall).not.toHaveBeenCalled();
  });

  it("records nothing for a waiting deprovision", async () => {
    const options = tapOptions();
    const stub = stubProvider({ deprovision: { action: "waiting", blockDeletionOnFailure: true } });
    const onCall = vi.fn();
    const crash = vi.fn();
    const tapped = tapProvider(stub, { ...options, onCall, crash, crashAfter: "deprovision" });
    await tapped.triggerDeprovision(RESOURCE, [], deprovisionCall("del-4"));
    expect(options.declarations).toEqual([]);
    expect(options.skips).toEqual([]);
    expect(onCall).not.toHaveBeenCalled();
    expect(crash).not.toHaveBeenCalled();
  });

  it("shares the declaration and skip lists between the providers of a scenario", async () => {
    const options = tapOptions();
    const first = tapProvider(stubProvider(), options);
    const second = tapProvider(
      stubProvider({ deprovision: { action: "skipped", reason: "none" } }),
      options,
    );
    await first.triggerDeprovision(RESOURCE, [], deprovisionCall("a"));
    await second.triggerDeprovision(CLUSTER_RESOURCE, [], deprovisionCall("b"));
    expect(options.declarations.map((d) => d.correlationId)).toEqual(["a"]);
    expect(options.skips.map((s) => s.resourceKey)).toEqual(["g1"]);
  });

  it("records the declaration of a real deprovision on the memory backend", async () => {
    const clock = new VirtualClock();
    const backend = new MemoryBackend({ clock, defaultDurationMs: 1_000 });
    const options = tapOptions();
    const tapped = tapProvider(
      new MemoryProvider(backend, { blockDeletionOnFailure: false }),
      options,
    );
    await tapped.triggerProvision(RESOURCE, provisionCall("p-1"));
    clock.advance(2_000);
    const result = await tapped.triggerDeprovision(RESOURCE, [], deprovisionCall("d-1"));
    expect(result.action).toBe("triggered");
    expect(options.declarations).toMatchObject([
      { resourceKey: "team/w1", correlationId: "d-1", blockDeletionOnFailure: false },
    ]);
  });
});

describe("tapProvider: findJob declarations", () => {
  const found = (extra: Partial<FoundJob> = {}): FoundJob => ({ ...status("job-9"), ...extra });

  it("declares a found deprovision job, blocking by default when it says nothing", async () => {
    const options = tapOptions();
    const tapped = tapProvider(stubProvider({ found: found() }), options);
    const result = await tapped.findJob?.(
      RESOURCE,
      { correlationId: "del-9", type: "deprovision" },
      call,
    );
    expect(result).toEqual(found());
    expect(options.declarations).toMatchObject([
      { resourceKey: "team/w1", correlationId: "del-9", blockDeletionOnFailure: true },
    ]);
  });

  it("declares what a found deprovision job says when it says false", async () => {
    const options = tapOptions();
    const tapped = tapProvider(
      stubProvider({ found: found({ blockDeletionOnFailure: false }) }),
      options,
    );
    await tapped.findJob?.(RESOURCE, { correlationId: "del-10", type: "deprovision" }, call);
    expect(options.declarations).toMatchObject([
      { correlationId: "del-10", blockDeletionOnFailure: false },
    ]);
  });

  it("declares nothing when no job is found, or the found job is a provision", async () => {
    const options = tapOptions();
    const none = tapProvider(stubProvider({ found: undefined }), options);
    await expect(
      none.findJob?.(RESOURCE, { correlationId: "x", type: "deprovision" }, call),
    ).resolves.toBeUndefined();
    const provision = tapProvider(stubProvider({ found: found() }), options);
    await provision.findJob?.(RESOURCE, { correlationId: "y", type: "provision" }, call);
    expect(options.declarations).toEqual([]);
  });
});
