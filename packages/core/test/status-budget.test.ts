import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  JOB_TIMING_FIELDS,
  MAX_TIMING_OFFSET_MS,
  JobState,
  MAX_CODE_CHARS,
  MAX_CONDITION_MESSAGE_CHARS,
  MAX_ERROR_DETAILS_CHARS,
  MAX_EVENT_MESSAGE_BYTES,
  MAX_HISTORY_LIMIT,
  MAX_JOB_ID_CHARS,
  MAX_OLD_JOB_TEXT_CHARS,
  MAX_OPERATOR_STRING_CHARS,
  MAX_STATUS_MESSAGE_CHARS,
  ProviderError,
  STATUS_BUDGET,
  boundStatus,
  checkProvisionResult,
  clipText,
  clipUtf8,
  providerSet,
  reconcile,
  resolveEngineOptions,
  type JobRecord,
  type Provider,
  type ProvisioningStatus,
  type ResourceObject,
} from "@provisionkit/core";

// Issue 16 item 1: every text that reaches status, conditions and Events has a budget, and a
// whole status stays far below the API server's limits even with the longest history.

const MIB = 1024 * 1024;
/** etcd's default --max-request-bytes, the tightest limit a status write meets. */
const ETCD_REQUEST_LIMIT = 1.5 * MIB;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Bytes of `value` as the API server stores it: Go's encoding/json, which escapes `<`, `>`,
 * `&`, U+2028, U+2029 and every control character but \n, \r, \t as `\u00XX` (6 bytes).
 */
function goJsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  let extra = 0;
  for (const ch of text) {
    if (ch === "<" || ch === ">" || ch === "&") extra += 5;
    else if (ch === "\u2028" || ch === "\u2029") extra += 3;
  }
  extra += 4 * (text.match(/\\[bf]/g) ?? []).length;
  return Buffer.byteLength(text, "utf8") + extra;
}

describe("clipText and clipUtf8 never split a character", () => {
  const astral = fc.string({ unit: "grapheme", maxLength: 400 });
  it("clipText keeps whole surrogate pairs and replaces lone ones", () => {
    fc.assert(
      fc.property(astral, fc.integer({ min: 64, max: 300 }), (text, max) => {
        const clipped = clipText(text, max);
        return clipped.length <= max && !LONE_SURROGATE.test(clipped);
      }),
    );
    // The cut falls where a pair starts and where one ends: both kept whole or cut whole.
    const pairs = "😀".repeat(200);
    for (let max = 64; max < 120; max++) {
      const clipped = clipText(pairs, max);
      expect(clipped.length).toBeLessThanOrEqual(max);
      expect(clipped).not.toMatch(LONE_SURROGATE);
      const cut = Number(/\[(\d+) characters cut\]/.exec(clipped)?.[1]);
      expect(cut % 2).toBe(0);
    }
    expect(clipText("a\uD800b", 64)).toBe("a\uFFFDb");
  });

  it("clipUtf8 keeps at most maxBytes bytes of UTF-8", () => {
    fc.assert(
      fc.property(astral, fc.integer({ min: 16, max: 300 }), (text, max) => {
        const clipped = clipUtf8(text, max);
        return Buffer.byteLength(clipped, "utf8") <= max && !LONE_SURROGATE.test(clipped);
      }),
    );
    expect(clipUtf8("é".repeat(2000), MAX_EVENT_MESSAGE_BYTES)).toBe(`${"é".repeat(510)}…`);
  });
});

describe("the status budget", () => {
  it("is far below etcd's request limit even if every character were escaped (6 bytes)", () => {
    expect(STATUS_BUDGET.worstCaseBytes).toBe(6 * STATUS_BUDGET.worstCaseChars);
    expect(STATUS_BUDGET.worstCaseBytes).toBeLessThan(ETCD_REQUEST_LIMIT / 2);
    console.info(
      `status budget: full record ${STATUS_BUDGET.fullRecordChars} characters, older record ${STATUS_BUDGET.oldRecordChars}, whole status with ${MAX_HISTORY_LIMIT} records ${STATUS_BUDGET.worstCaseChars} characters, at most ${STATUS_BUDGET.worstCaseBytes} bytes as the API server's JSON (etcd limit ${ETCD_REQUEST_LIMIT})`,
    );
  });

  it("historyLimit cannot exceed MAX_HISTORY_LIMIT", () => {
    expect(resolveEngineOptions({ historyLimit: MAX_HISTORY_LIMIT }).historyLimit).toBe(25);
    expect(() => resolveEngineOptions({ historyLimit: MAX_HISTORY_LIMIT + 1 })).toThrow(
      /historyLimit must be an integer from 1 to 25/,
    );
  });

  it("a status with every field at its longest, after boundStatus, fits the budget", () => {
    const huge = "<".repeat(64 * 1024); // "<" is 6 bytes in the API server's JSON: the worst
    const operator = "<".repeat(STATUS_BUDGET.operatorStringChars);
    const at = "2026-01-01T00:00:00.000Z";
    const failure = { code: huge, message: huge, count: 99, at, retryAt: at };
    const record = (i: number, type: JobRecord["type"]): JobRecord => ({
      jobId: `${i}`.padStart(MAX_JOB_ID_CHARS, "<"),
      type,
      state: JobState.Failed,
      message: huge,
      provider: operator,
      correlationId: operator,
      launchedAt: at,
      updatedAt: at,
      finishedAt: at,
      cancelRequestedAt: at,
      nextCheckAt: at,
      configVersion: operator,
      blockDeletionOnFailure: true,
      attempt: 1_000_000,
      reason: huge,
      progress: 100,
      errorDetails: huge,
      awaitingEnd: true,
      statusError: failure,
      // Every timing field at its widest (docs/tracing.md), and a trace context.
      timing: Object.fromEntries(JOB_TIMING_FIELDS.map((f) => [f, -MAX_TIMING_OFFSET_MS])),
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
    const jobs = Array.from({ length: MAX_HISTORY_LIMIT }, (_, i) =>
      record(i, i % 2 ? "provision" : "deprovision"),
    );
    const status: ProvisioningStatus = {
      jobs,
      desiredConfigVersion: operator,
      reconciledConfigVersion: operator,
      pendingLaunch: {
        type: "provision",
        correlationId: operator,
        provider: operator,
        configVersion: operator,
        attempt: 1_000_000,
        createdAt: at,
        lookupAfter: at,
        requestEndedAt: at,
        lookups: 1_000_000,
      },
      launchFailure: { ...failure, type: "provision", configVersion: operator },
      deprovisionWaitUntil: at,
      deprovisionSkipped: { reason: huge, at },
      conditions: [
        "Ready",
        "Provisioned",
        "Deleting",
        "DeletionBlocked",
        "LaunchOutcomeUnknown",
      ].map((type) => ({
        type,
        status: "False" as const,
        reason: huge,
        message: huge,
        lastTransitionTime: at,
        observedGeneration: 1_000_000,
      })),
    };
    const bounded = boundStatus(status);
    expect(boundStatus(bounded)).toEqual(bounded); // idempotent
    const newest = [bounded.jobs.at(-1)!, bounded.jobs.at(-2)!];
    for (const job of bounded.jobs) {
      const full = newest.includes(job);
      expect(job.message.length).toBe(full ? MAX_STATUS_MESSAGE_CHARS : MAX_OLD_JOB_TEXT_CHARS);
      expect(job.errorDetails!.length).toBe(
        full ? MAX_ERROR_DETAILS_CHARS : MAX_OLD_JOB_TEXT_CHARS,
      );
      expect(job.statusError!.code.length).toBe(MAX_CODE_CHARS);
    }
    for (const c of bounded.conditions) expect(c.message.length).toBe(MAX_CONDITION_MESSAGE_CHARS);
    const chars = JSON.stringify(bounded).length;
    const bytes = goJsonBytes(bounded);
    console.info(
      `worst-case status with ${MAX_HISTORY_LIMIT} records: ${chars} characters, ${bytes} bytes as the API server's JSON (budget ${STATUS_BUDGET.worstCaseChars} / ${STATUS_BUDGET.worstCaseBytes}); unbounded it was ${JSON.stringify(status).length} characters`,
    );
    expect(chars).toBeLessThanOrEqual(STATUS_BUDGET.worstCaseChars);
    expect(bytes).toBeLessThanOrEqual(STATUS_BUDGET.worstCaseBytes);
  });

  it("a provider failing every job with 1 MiB texts never grows a persisted status past the budget", async () => {
    const resource: ResourceObject = { metadata: { name: "r", namespace: "ns" }, spec: {} };
    const huge = (n: number) => `<${n}`.repeat(MIB / 4);
    let launches = 0;
    let reads = 0;
    const provider: Provider = {
      name: "hostile",
      triggerProvision: () =>
        Promise.resolve({
          jobId: `${++launches}`.padStart(MAX_JOB_ID_CHARS, "<"),
          initialState: JobState.Running,
          message: huge(launches),
        }),
      getProvisionStatus: (_r, jobId) => {
        // Every other read fails with a 1 MiB message and code (a status error on the record).
        if (++reads % 2) {
          return Promise.reject(new ProviderError(huge(reads), { code: huge(reads) }));
        }
        return Promise.resolve({
          jobId,
          state: JobState.Failed,
          message: huge(reads),
          errorDetails: huge(reads),
        });
      },
      triggerDeprovision: () => Promise.reject(new Error("not called")),
      getDeprovisionStatus: () => Promise.reject(new Error("not called")),
    };
    let stored: ProvisioningStatus | undefined;
    let largest = 0;
    let now = Date.UTC(2026, 0, 1);
    const options = {
      historyLimit: MAX_HISTORY_LIMIT,
      provisionBackoff: { initialMs: 1, factor: 1, maxMs: 1 },
      errorBackoff: { initialMs: 1, factor: 1, maxMs: 1 },
      pollIntervalMs: 1,
    };
    for (let i = 0; launches <= MAX_HISTORY_LIMIT + 2 && i < 2000; i++) {
      const result = await reconcile({
        resource,
        status: stored,
        providers: provider,
        options,
        clock: () => now,
        persist: (status) => {
          stored = status;
          largest = Math.max(largest, goJsonBytes(status));
          return Promise.resolve();
        },
      });
      for (const event of result.events) {
        expect(
          Buffer.byteLength(clipUtf8(event.message, MAX_EVENT_MESSAGE_BYTES)),
        ).toBeLessThanOrEqual(MAX_EVENT_MESSAGE_BYTES);
      }
      now += Math.max(1, result.requeueAfterMs ?? 1000);
    }
    expect(launches).toBeGreaterThan(MAX_HISTORY_LIMIT);
    expect(stored!.jobs).toHaveLength(MAX_HISTORY_LIMIT);
    console.info(
      `${launches} jobs failed with 1 MiB texts: largest persisted status ${largest} bytes as the API server's JSON (budget ${STATUS_BUDGET.worstCaseBytes})`,
    );
    expect(largest).toBeLessThanOrEqual(STATUS_BUDGET.worstCaseBytes);
  }, 60_000); // ~28 reconciles clipping 1 MiB texts: a compute budget, not a timing assertion

  it("a job id longer than MAX_JOB_ID_CHARS is a contract violation, never clipped", () => {
    expect(() =>
      checkProvisionResult({
        jobId: "x".repeat(MAX_JOB_ID_CHARS + 1),
        initialState: JobState.Running,
      }),
    ).toThrow(expect.objectContaining({ rule: "P2", outcomeUnknown: true }));
  });

  it("operator-chosen strings stored in status are refused past MAX_OPERATOR_STRING_CHARS", async () => {
    const provider = (name: string): Provider => ({
      name,
      triggerProvision: () =>
        Promise.resolve({ jobId: "j", initialState: JobState.Running, message: "" }),
      getProvisionStatus: () => Promise.reject(new Error("not called")),
      triggerDeprovision: () => Promise.reject(new Error("not called")),
      getDeprovisionStatus: () => Promise.reject(new Error("not called")),
    });
    expect(() => providerSet(provider("p".repeat(MAX_OPERATOR_STRING_CHARS)))).not.toThrow();
    expect(() => providerSet(provider("p".repeat(MAX_OPERATOR_STRING_CHARS + 1)))).toThrow(
      expect.objectContaining({ code: "CONFIGURATION" }),
    );
    const resource: ResourceObject = { metadata: { name: "r" }, spec: {} };
    const persisted: ProvisioningStatus[] = [];
    const run = (extra: { newCorrelationId?: () => string; desiredConfigVersion?: string }) =>
      reconcile({
        resource,
        status: undefined,
        providers: provider("p"),
        persist: (s) => {
          persisted.push(s);
          return Promise.resolve();
        },
        ...extra,
      });
    const long = "c".repeat(MAX_OPERATOR_STRING_CHARS + 1);
    await expect(run({ newCorrelationId: () => long })).rejects.toThrow(
      /correlation id from newCorrelationId must be at most 253 characters/,
    );
    await expect(run({ desiredConfigVersion: long })).rejects.toThrow(
      /desiredConfigVersion must be at most 253 characters/,
    );
    expect(persisted).toEqual([]); // refused before the pending marker was written
  });
});
