/**
 * L1: a provider call that never returns ends its scenario at the call's deadline with a
 * violation naming the call; the run goes on with the other scenarios.
 */
import { describe, expect, it } from "vitest";
import { memoryBackend, runConformance, type ConformanceReport } from "../src/index.js";
import { CallDeadlineExceeded, withDeadline } from "../src/conformance/driver/deadline.js";
import { IgnoresRunningProvision } from "./conformance/broken-providers.js";
import { hangingBackend, never, untilAborted } from "./conformance-deadline-support.js";

const DEADLINE_MS = 300;

function l1(report: ConformanceReport, scenario: string): string[] {
  const result = report.scenarios.find((s) => s.id === scenario);
  return (result?.violations ?? []).filter((v) => v.rule === "L1").map((v) => v.message);
}

describe("withDeadline", () => {
  it("passes a call's answer and error through, and its caller's abort on to it", async () => {
    const late = (): void => {
      throw new Error("not late");
    };
    const options = { method: "m", deadlineMs: 1_000, onLate: late };
    await expect(withDeadline(options, () => Promise.resolve(7))).resolves.toBe(7);
    await expect(withDeadline(options, () => Promise.reject(new Error("no")))).rejects.toThrow(
      "no",
    );
    const caller = new AbortController();
    const pending = withDeadline({ ...options, signal: caller.signal }, (s) => untilAborted(s));
    caller.abort(new Error("shutdown"));
    await expect(pending).rejects.toThrow("shutdown");
  });

  it("aborts a late call's signal, tells whether it honoured it, and rejects", async () => {
    const told: unknown[] = [];
    const honours = withDeadline(
      { method: "m", deadlineMs: 20, onLate: (after) => told.push(after) },
      (signal) => untilAborted(signal),
    );
    await expect(honours).rejects.toBeInstanceOf(CallDeadlineExceeded);
    expect(told).toEqual([
      expect.objectContaining({ afterAbort: "settled", abortedBy: "deadline", graceMs: 5 }),
    ]);
    const ignores = withDeadline(
      { method: "m", deadlineMs: 20, onLate: (after) => told.push(after) },
      () => never(),
    );
    await expect(ignores).rejects.toThrow(/m did not settle within 20 ms/);
    expect(told[1]).toEqual({ afterAbort: "ignored", abortedBy: "deadline", graceMs: 5 });
  });

  it("a call its caller aborts must settle within the grace: told how soon, and what it threw", async () => {
    const aborted: unknown[] = [];
    const late: unknown[] = [];
    const options = {
      method: "m",
      deadlineMs: 20_000,
      onLate: (after: unknown) => late.push(after),
      onAborted: (after: unknown) => aborted.push(after),
    };
    const caller = new AbortController();
    const honours = withDeadline({ ...options, signal: caller.signal }, (s) => untilAborted(s));
    caller.abort(new Error("held"));
    await expect(honours).rejects.toThrow("held");
    expect(aborted).toEqual([
      expect.objectContaining({ afterAbort: "settled", abortedBy: "caller", threw: "Error" }),
    ]);
    expect(late).toEqual([]);
  });

  it("a call that ignores its caller's abort is late after the grace (1 s), not at its deadline", async () => {
    const late: unknown[] = [];
    const caller = new AbortController();
    const started = performance.now();
    const ignores = withDeadline(
      { method: "m", deadlineMs: 20_000, signal: caller.signal, onLate: (a) => late.push(a) },
      () => never(),
    );
    caller.abort(new Error("held"));
    await expect(ignores).rejects.toThrow(/m did not settle after its AbortSignal was aborted/);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(late).toEqual([{ afterAbort: "ignored", abortedBy: "caller", graceMs: 1_000 }]);
  });
});

describe("runConformance never hangs (L1)", () => {
  it("a getProvisionStatus that never answers: L1 naming the call, scenario, seed and time", async () => {
    const started = performance.now();
    const report = await runConformance({
      backend: hangingBackend("getProvisionStatus", "honours"),
      scenarios: ["create-to-ready"],
      callDeadlineMs: DEADLINE_MS,
      seed: 7,
    });
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(report.passed).toBe(false);
    const [message, ...rest] = l1(report, "create-to-ready");
    expect(message).toMatch(
      /^L1: getProvisionStatus\(conformance\/w1, job \S+\) called by p1 at t\+[\d.]+s of virtual time \(scenario create-to-ready, seed 7\) did not return or throw within its deadline of 300 ms \(real time\); its AbortSignal was then aborted and it settled \d+ ms later\. The scenario was stopped there\.$/,
    );
    // The goal the stop left unreached is filed under L1 too, never under E3.
    expect(rest.join("\n")).toMatch(/did not reach its goal/);
    expect(report.rules.find((r) => r.rule === "L1")?.status).toBe("failed");
    expect(report.rules.find((r) => r.rule === "E3")?.failedIn).toEqual([]);
  }, 30_000);

  it("a findJob that never answers (crash adoption): L1 naming findJob", async () => {
    const report = await runConformance({
      backend: hangingBackend("findJob", "honours"),
      scenarios: ["crash-adopts-by-correlation-id"],
      callDeadlineMs: DEADLINE_MS,
    });
    const [message] = l1(report, "crash-adopts-by-correlation-id");
    expect(message).toMatch(
      /^L1: findJob\(conformance\/w1, correlation id corr-\d+\) called by p2 .* deadline of 300 ms/,
    );
  }, 30_000);

  it("a call that ignores its AbortSignal forever is reported so, and the run goes on", async () => {
    const started = performance.now();
    const report = await runConformance({
      backend: hangingBackend("getDeprovisionStatus", "ignores"),
      scenarios: ["create-to-ready", "delete-after-provisioning", "failed-provision-then-delete"],
      callDeadlineMs: DEADLINE_MS,
    });
    const [message] = l1(report, "delete-after-provisioning");
    expect(message).toMatch(
      /^L1: getDeprovisionStatus\(conformance\/w1, job \S+\) .* still had not settled 75 ms later: it ignores its AbortSignal\./,
    );
    // Each scenario ran, the ones after the first hang too, and each stopped at its deadline.
    expect(report.scenarios.map((s) => [s.id, s.status])).toEqual([
      ["create-to-ready", "passed"],
      ["delete-after-provisioning", "failed"],
      ["failed-provision-then-delete", "failed"],
    ]);
    expect(l1(report, "failed-provision-then-delete")[0]).toMatch(/^L1: getDeprovisionStatus/);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it("a randomized scenario stops its later runs at once instead of waiting out each deadline", async () => {
    const started = performance.now();
    const report = await runConformance({
      backend: hangingBackend("getProvisionStatus", "ignores"),
      scenarios: ["randomized-interleavings"],
      callDeadlineMs: DEADLINE_MS,
      numRuns: 50,
      seed: 3,
    });
    // One wait for the deadline (and its grace), not one per run and shrink.
    expect(performance.now() - started).toBeLessThan(15_000);
    const result = report.scenarios[0];
    expect(result?.counterexample?.seed).toBe(3);
    expect(l1(report, "randomized-interleavings")[0]).toMatch(
      /^L1: getProvisionStatus\(.*\(scenario randomized-interleavings, seed 3\).*ignores its AbortSignal/,
    );
  }, 60_000);

  it("a provider that answers in time is untouched by the deadline", async () => {
    const report = await runConformance({
      backend: () => memoryBackend(),
      scenarios: ["create-to-ready"],
      callDeadlineMs: DEADLINE_MS,
    });
    expect(report.passed).toBe(true);
    expect(report.rules.find((r) => r.rule === "L1")?.status).not.toBe("failed");
  }, 30_000);

  it("another rule's failure leaves L1 passed, not inconclusive: every call had its deadline", async () => {
    const report = await runConformance({
      backend: () =>
        memoryBackend({
          provider: (backend, options) => new IgnoresRunningProvision(backend, options),
        }),
      scenarios: ["delete-while-provisioning"],
      callDeadlineMs: DEADLINE_MS,
    });
    expect(report.scenarios[0]?.status).toBe("failed");
    expect(report.rules.find((r) => r.rule === "P5")?.status).toBe("failed");
    expect(report.rules.find((r) => r.rule === "L1")?.status).toBe("passed");
  }, 30_000);
});
