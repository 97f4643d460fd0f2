import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  JobState,
  MAX_ERROR_DETAILS_CHARS,
  MAX_STATUS_MESSAGE_CHARS,
  ProviderError,
  checkDeprovisionResult,
  checkProvisionStatus,
  clipText,
  reconcile,
  toErrorRecord,
  type Provider,
  type ProvisioningStatus,
  type ResourceObject,
} from "@provisionkit/core";

const MIB = 1024 * 1024;
const huge = (ch: string) => `START${ch.repeat(MIB)}END`;

describe("clipText", () => {
  it("keeps text that fits, and clips the rest to max with its start, its end and what was cut", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 3000 }),
        fc.integer({ min: 64, max: 2000 }),
        (text, max) => {
          const clipped = clipText(text, max);
          if (text.length <= max) return clipped === text;
          const cut = /\[(\d+) characters cut\]/.exec(clipped);
          return (
            clipped.length <= max &&
            cut !== null &&
            text.startsWith(clipped.slice(0, clipped.indexOf(" … ["))) &&
            text.endsWith(clipped.slice(clipped.lastIndexOf("] … ") + 4)) &&
            clipped.length - cut[0].length - 6 + Number(cut[1]) === text.length
          );
        },
      ),
    );
  });
});

describe("provider text is bounded where the engine takes it in", () => {
  it("a status answer's message and errorDetails", () => {
    const status = checkProvisionStatus({
      jobId: "job:1",
      state: JobState.Failed,
      message: huge("m"),
      errorDetails: huge("d"),
    });
    expect(status.message.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS);
    expect(status.message).toMatch(/^STARTm+ … \[\d+ characters cut\] … m+END$/);
    expect(status.errorDetails!.length).toBeLessThanOrEqual(MAX_ERROR_DETAILS_CHARS);
    expect(status.errorDetails!.endsWith("dEND")).toBe(true);
  });

  it("a skip reason and a thrown error's message", () => {
    const skipped = checkDeprovisionResult({ action: "skipped", reason: huge("r") });
    expect(skipped.action === "skipped" && skipped.reason.length).toBeLessThanOrEqual(
      MAX_STATUS_MESSAGE_CHARS,
    );
    const record = toErrorRecord(new ProviderError(huge("e"), { code: "X", retryable: true }));
    expect(record).toMatchObject({ code: "X", retryable: true });
    expect(record.message.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS);
    expect(toErrorRecord(huge("s")).message.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS);
  });

  it("a job failing with a 1 MiB explanation leaves a status of a few KiB", async () => {
    const resource: ResourceObject = { metadata: { name: "r", namespace: "ns" }, spec: {} };
    const provider: Provider = {
      name: "verbose",
      triggerProvision: () =>
        Promise.resolve({ jobId: "job:1", initialState: JobState.Running, message: huge("l") }),
      getProvisionStatus: () =>
        Promise.resolve({
          jobId: "job:1",
          state: JobState.Failed,
          message: `job failed: ${huge("x")}`,
          errorDetails: huge("t"),
        }),
      triggerDeprovision: () => Promise.reject(new Error("not called")),
      getDeprovisionStatus: () => Promise.reject(new Error("not called")),
    };
    let stored: ProvisioningStatus | undefined;
    const persist = (status: ProvisioningStatus) => {
      stored = status;
      return Promise.resolve();
    };
    let now = Date.UTC(2026, 0, 1);
    const run = (status: ProvisioningStatus | undefined) =>
      reconcile({ resource, status, providers: provider, persist, clock: () => now });
    const first = await run(undefined);
    now += first.requeueAfterMs ?? 10_000;
    const second = await run(stored);
    expect(second.status.jobs.at(-1)?.state).toBe(JobState.Failed);
    expect(JSON.stringify(stored).length).toBeLessThan(32 * 1024);
    for (const event of [...first.events, ...second.events]) {
      expect(event.message.length).toBeLessThanOrEqual(2 * MAX_STATUS_MESSAGE_CHARS);
    }
  });
});
