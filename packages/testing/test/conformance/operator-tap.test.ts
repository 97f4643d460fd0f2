/**
 * `tapProvider`, the wrapper around each controller's provider in the operator suite: it
 * records deprovision declarations and skips, reports launches and job questions, and crashes
 * the controller right after a chosen launch returned.
 */
import {
  JobState,
  ProviderError,
  type DeprovisionResult,
  type FoundJob,
  type JobRecord,
  type Provider,
  type ProvisionResult,
  type ProvisionStatus,
  type ResourceObject,
} from "@provisionkit/core";
import { describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../../src/clock.js";
import { MemoryBackend } from "../../src/conformance/memory/backend.js";
import { MemoryProvider } from "../../src/conformance/memory/provider.js";
import {
  CrashedError,
  tapProvider,
  type DeprovisionDeclaration,
  type TapCall,
  type TapOptions,
  type UntypedCall,
} from "../../src/conformance/operator/provider-tap.js";

const RESOURCE: ResourceObject = {
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name: "w1", namespace: "team" },
  spec: { size: 1 },
};
const CLUSTER_RESOURCE: ResourceObject = { metadata: { name: "g1" }, spec: {} };

const signal = new AbortController().signal;
const call = { signal };
const provisionCall = (correlationId: string) => ({ signal, correlationId, configVersion: "v1" });
const deprovisionCall = (correlationId: string) => ({ signal, correlationId });

function status(jobId: string): ProvisionStatus {
  return { jobId, state: JobState.Running, message: `${jobId} running` };
}

/** A hand-written provider whose answers each test sets, counting its calls. */
function stubProvider(
  answers: {
    deprovision?: DeprovisionResult;
    found?: FoundJob | undefined;
    optional?: boolean;
  } = {},
) {
  let seq = 0;
  const provider = {
    name: "stub",
    triggerProvision: vi.fn(
      (_r: ResourceObject, _o: { correlationId: string }): Promise<ProvisionResult> =>
        Promise.resolve({
          jobId: `job-${++seq}`,
          initialState: JobState.Pending,
          message: "accepted",
        }),
    ),
    getProvisionStatus: vi.fn((_r: ResourceObject, jobId: string) =>
      Promise.resolve(status(jobId)),
    ),
    triggerDeprovision: vi.fn(
      (_r: ResourceObject, _jobs: readonly JobRecord[]): Promise<DeprovisionResult> =>
        Promise.resolve(
          answers.deprovision ?? {
            action: "triggered",
            jobId: `job-${++seq}`,
            blockDeletionOnFailure: false,
          },
        ),
    ),
    getDeprovisionStatus: vi.fn((_r: ResourceObject, jobId: string) =>
      Promise.resolve(status(jobId)),
    ),
    findJob: vi.fn(() => Promise.resolve(answers.found)),
    cancelJob: vi.fn(() => Promise.resolve()),
  };
  return provider satisfies Provider;
}

function tapOptions(extra: Partial<TapOptions> = {}): TapOptions & {
  declarations: DeprovisionDeclaration[];
  skips: { resourceKey: string; at: number }[];
} {
  return { declarations: [], skips: [], ...extra };
}

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

describe("tapProvider: onCall", () => {
  it("sees launches, findJob and status questions as they are made", async () => {
    const calls: TapCall[] = [];
    const tapped = tapProvider(stubProvider(), tapOptions({ onCall: (c) => calls.push(c) }));
    await tapped.triggerProvision(RESOURCE, provisionCall("p-1"));
    await tapped.getProvisionStatus(RESOURCE, "job-1", call);
    await tapped.findJob?.(RESOURCE, { correlationId: "p-1", type: "provision" }, call);
    await tapped.triggerDeprovision(RESOURCE, [], deprovisionCall("d-1"));
    await tapped.getDeprovisionStatus(RESOURCE, "job-2", call);
    await tapped.findJob?.(RESOURCE, { correlationId: "d-1", type: "deprovision" }, call);
    await tapped.cancelJob?.(RESOURCE, "job-1", "provision", call);
    expect(calls).toEqual([
      { method: "launch", operation: "provision", correlationId: "p-1", jobId: "job-1" },
      { method: "status", operation: "provision", jobId: "job-1" },
      { method: "findJob", operation: "provision", correlationId: "p-1" },
      { method: "launch", operation: "deprovision", correlationId: "d-1", jobId: "job-2" },
      { method: "status", operation: "deprovision", jobId: "job-2" },
      { method: "findJob", operation: "deprovision", correlationId: "d-1" },
    ]);
  });

  it("is told a question before the provider answers it", async () => {
    const calls: TapCall[] = [];
    const stub = stubProvider();
    let seenByProvider = -1;
    stub.getProvisionStatus.mockImplementationOnce((_r, jobId) => {
      seenByProvider = calls.length;
      return Promise.resolve(status(jobId));
    });
    const tapped = tapProvider(stub, tapOptions({ onCall: (c) => calls.push(c) }));
    await tapped.getProvisionStatus(RESOURCE, "job-7", call);
    expect(seenByProvider).toBe(1);
  });

  it("is not told of a launch that failed", async () => {
    const calls: TapCall[] = [];
    const stub = stubProvider();
    stub.triggerProvision.mockRejectedValueOnce(new Error("429"));
    const tapped = tapProvider(stub, tapOptions({ onCall: (c) => calls.push(c) }));
    await expect(tapped.triggerProvision(RESOURCE, provisionCall("p-1"))).rejects.toThrow("429");
    expect(calls).toEqual([]);
  });
});

describe("tapProvider: crashAfter", () => {
  it("crashes once, right after the first provision launch returned, and returns it", async () => {
    const stub = stubProvider();
    const crash = vi.fn();
    const calls: TapCall[] = [];
    const tapped = tapProvider(
      stub,
      tapOptions({ crashAfter: "provision", crash, onCall: (c) => calls.push(c) }),
    );
    // questions before the launch do not crash
    await tapped.getProvisionStatus(RESOURCE, "job-0", call);
    expect(crash).not.toHaveBeenCalled();

    const result = await tapped.triggerProvision(RESOURCE, provisionCall("p-1"));
    expect(result).toEqual({ jobId: "job-1", initialState: JobState.Pending, message: "accepted" });
    expect(crash).toHaveBeenCalledTimes(1);
    expect(crash).toHaveBeenCalledWith({
      method: "launch",
      operation: "provision",
      correlationId: "p-1",
      jobId: "job-1",
    });
    // onCall saw the launch before the crash
    expect(calls.at(-1)).toEqual({
      method: "launch",
      operation: "provision",
      correlationId: "p-1",
      jobId: "job-1",
    });
  });

  it("rejects every later call with CrashedError without calling the provider", async () => {
    const stub = stubProvider();
    const crash = vi.fn();
    const onCall = vi.fn();
    const tapped = tapProvider(stub, tapOptions({ crashAfter: "provision", crash, onCall }));
    await tapped.triggerProvision(RESOURCE, provisionCall("p-1"));
    const callsBefore = onCall.mock.calls.length;

    const later: [string, () => Promise<unknown>][] = [
      ["triggerProvision", () => tapped.triggerProvision(RESOURCE, provisionCall("p-2"))],
      ["getProvisionStatus", () => tapped.getProvisionStatus(RESOURCE, "job-1", call)],
      ["triggerDeprovision", () => tapped.triggerDeprovision(RESOURCE, [], deprovisionCall("d"))],
      ["getDeprovisionStatus", () => tapped.getDeprovisionStatus(RESOURCE, "job-1", call)],
      [
        "findJob",
        () => tapped.findJob!(RESOURCE, { correlationId: "p-1", type: "provision" }, call),
      ],
      ["cancelJob", () => tapped.cancelJob!(RESOURCE, "job-1", "provision", call)],
    ];
    for (const [method, invoke] of later) {
      const error = await invoke().then(
        () => new Error(`${method} resolved after the crash`),
        (e: unknown) => e,
      );
      expect(error, method).toBeInstanceOf(CrashedError);
      expect((error as Error).name).toBe("CrashedError");
    }
    expect(stub.triggerProvision).toHaveBeenCalledTimes(1);
    expect(stub.getProvisionStatus).not.toHaveBeenCalled();
    expect(stub.triggerDeprovision).not.toHaveBeenCalled();
    expect(stub.getDeprovisionStatus).not.toHaveBeenCalled();
    expect(stub.findJob).not.toHaveBeenCalled();
    expect(stub.cancelJob).not.toHaveBeenCalled();
    expect(onCall).toHaveBeenCalledTimes(callsBefore);
    expect(crash).toHaveBeenCalledTimes(1);
  });

  it("does not crash after a provision launch that failed", async () => {
    const stub = stubProvider();
    stub.triggerProvision.mockRejectedValueOnce(new Error("rate limited"));
    const crash = vi.fn();
    const tapped = tapProvider(stub, tapOptions({ crashAfter: "provision", crash }));
    await expect(tapped.triggerProvision(RESOURCE, provisionCall("p-1"))).rejects.toThrow(
      "rate limited",
    );
    expect(crash).not.toHaveBeenCalled();
    await expect(tapped.getProvisionStatus(RESOURCE, "job-0", call)).resolves.toEqual(
      status("job-0"),
    );
    await tapped.triggerProvision(RESOURCE, provisionCall("p-2"));
    expect(crash).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({ correlationId: "p-2", jobId: "job-1" }),
    );
  });

  it("calls crash once even when two launches were in flight", async () => {
    const stub = stubProvider();
    const crash = vi.fn();
    const tapped = tapProvider(stub, tapOptions({ crashAfter: "provision", crash }));
    const [a, b] = await Promise.all([
      tapped.triggerProvision(RESOURCE, provisionCall("p-1")),
      tapped.triggerProvision(CLUSTER_RESOURCE, provisionCall("p-2")),
    ]);
    expect([a.jobId, b.jobId]).toEqual(["job-1", "job-2"]);
    expect(crash).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({ correlationId: "p-1", jobId: "job-1" }),
    );
  });

  it("crashAfter deprovision ignores provisions, declares, then crashes after the deprovision launch", async () => {
    const options = tapOptions();
    const crash = vi.fn();
    const stub = stubProvider({
      deprovision: { action: "triggered", jobId: "d-1", blockDeletionOnFailure: true },
    });
    const tapped = tapProvider(stub, { ...options, crashAfter: "deprovision", crash });
    await tapped.triggerProvision(RESOURCE, provisionCall("p-1"));
    await tapped.triggerProvision(RESOURCE, provisionCall("p-2"));
    expect(crash).not.toHaveBeenCalled();
    const result = await tapped.triggerDeprovision(RESOURCE, [], deprovisionCall("del-1"));
    expect(result).toMatchObject({ action: "triggered", jobId: "d-1" });
    expect(crash).toHaveBeenCalledExactlyOnceWith({
      method: "launch",
      operation: "deprovision",
      correlationId: "del-1",
      jobId: "d-1",
    });
    expect(options.declarations).toMatchObject([
      { correlationId: "del-1", blockDeletionOnFailure: true },
    ]);
    await expect(tapped.getDeprovisionStatus(RESOURCE, "d-1", call)).rejects.toBeInstanceOf(
      CrashedError,
    );
  });

  it("crashes without a crash callback too: later calls still reject", async () => {
    const tapped = tapProvider(stubProvider(), tapOptions({ crashAfter: "provision" }));
    await expect(tapped.triggerProvision(RESOURCE, provisionCall("p-1"))).resolves.toMatchObject({
      jobId: "job-1",
    });
    await expect(tapped.getProvisionStatus(RESOURCE, "job-1", call)).rejects.toBeInstanceOf(
      CrashedError,
    );
  });

  it("never crashes without crashAfter", async () => {
    const crash = vi.fn();
    const tapped = tapProvider(stubProvider(), tapOptions({ crash }));
    await tapped.triggerProvision(RESOURCE, provisionCall("p-1"));
    await tapped.triggerDeprovision(RESOURCE, [], deprovisionCall("d-1"));
    await expect(tapped.getProvisionStatus(RESOURCE, "job-1", call)).resolves.toEqual(
      status("job-1"),
    );
    expect(crash).not.toHaveBeenCalled();
  });
});

describe("tapProvider: untyped errors (the soak's figure)", () => {
  it("records a call that threw something other than a ProviderError, with or without a deadline, and passes the error on", async () => {
    for (const deadlineMs of [undefined, 5_000]) {
      const stub = stubProvider();
      stub.getProvisionStatus.mockImplementationOnce(() =>
        Promise.reject(new TypeError("cannot read properties of undefined")),
      );
      stub.getDeprovisionStatus.mockImplementationOnce(() =>
        Promise.reject(new ProviderError("typed", { code: "X", retryable: true })),
      );
      const untyped: UntypedCall[] = [];
      const tapped = tapProvider(
        stub,
        tapOptions({ untyped, ...(deadlineMs === undefined ? {} : { deadlineMs }) }),
      );
      await expect(tapped.getProvisionStatus(RESOURCE, "job-1", call)).rejects.toBeInstanceOf(
        TypeError,
      );
      await expect(tapped.getDeprovisionStatus(RESOURCE, "job-2", call)).rejects.toBeInstanceOf(
        ProviderError,
      );
      await tapped.getProvisionStatus(RESOURCE, "job-1", call);
      expect(untyped).toEqual([
        {
          method: "getProvisionStatus",
          resourceKey: "team/w1",
          name: "TypeError",
          message: "cannot read properties of undefined",
          at: expect.any(Number) as unknown,
        },
      ]);
    }
  });

  it("does not count a call aborted through its signal", async () => {
    const stub = stubProvider();
    const aborted = new AbortController();
    aborted.abort();
    stub.getProvisionStatus.mockImplementationOnce(() => Promise.reject(new Error("aborted")));
    const untyped: UntypedCall[] = [];
    const tapped = tapProvider(stub, tapOptions({ untyped }));
    await expect(
      tapped.getProvisionStatus(RESOURCE, "job-1", { signal: aborted.signal }),
    ).rejects.toThrow("aborted");
    expect(untyped).toEqual([]);
  });
});
