/**
 * `tapProvider`: how it reports launches and job questions (`onCall`), and crashes the
 * controller right after a chosen launch returned (`crashAfter`).
 */
import { JobState } from "@provisionkit/core";
import { describe, expect, it, vi } from "vitest";
import {
  CrashedError,
  tapProvider,
  type TapCall,
} from "../../src/conformance/operator/provider-tap.js";
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
