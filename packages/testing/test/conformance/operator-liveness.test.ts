/**
 * L1 in the operator suite: a provider call that never returns ends its scenario at the
 * call's deadline with a violation naming the call, never a hang.
 */
import type { Provider } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { runOperatorConformance } from "../../src/index.js";
import { hangingBackend, type HangingMethod } from "../conformance-deadline-support.js";
import { dump, widgetOperator } from "./widget-operator.js";

const TIMEOUT = { timeout: 60_000 };

/** The operator suite's memory backend (200 ms jobs), its providers hanging on `method`. */
function backend(method: HangingMethod, mode: "honours" | "ignores") {
  return hangingBackend(method, mode, { defaultDurationMs: 200, cancelDelayMs: 50 });
}

describe("operator suite never hangs (L1)", () => {
  it(
    "a getProvisionStatus that ignores its AbortSignal forever: L1 naming it, the run ends",
    TIMEOUT,
    async () => {
      const started = performance.now();
      const report = await runOperatorConformance(
        widgetOperator({
          suite: {
            backend: backend("getProvisionStatus", "ignores"),
            scenarios: ["create-to-ready", "delete-after-ready"],
            callDeadlineMs: 300,
          },
        }),
      );
      expect(performance.now() - started).toBeLessThan(30_000);
      expect(report.passed).toBe(false);
      for (const scenario of report.scenarios) {
        const l1 = scenario.violations.filter((v) => v.rule === "L1");
        expect(l1[0]?.message, dump(report)).toMatch(
          new RegExp(
            `^L1: getProvisionStatus\\(conformance/widget-1, job mem-\\d+\\) called by controller 1 at \\d+ ms \\(scenario ${scenario.id}\\) did not return or throw within its deadline of 300 ms \\(real time\\); .* it ignores its AbortSignal\\.`,
          ),
        );
      }
      expect(report.rules.find((r) => r.rule === "L1")?.failedIn).toEqual([
        "create-to-ready",
        "delete-after-ready",
      ]);
    },
  );

  it("a findJob that never answers after a crash: L1 naming findJob", TIMEOUT, async () => {
    const report = await runOperatorConformance(
      widgetOperator({
        suite: {
          backend: backend("findJob", "honours"),
          scenarios: ["crash-after-provision-launch"],
          callDeadlineMs: 300,
        },
      }),
    );
    const messages = report.scenarios[0]?.violations.map((v) => v.message) ?? [];
    expect(messages, dump(report)).toContainEqual(
      expect.stringMatching(
        /^L1: findJob\(conformance\/widget-1, correlation id \S+\) called by controller 2 .* settled \d+ ms later\./,
      ),
    );
  });

  it(
    "a call of the operator's own that never returns: its stop is given up on, under L1",
    TIMEOUT,
    async () => {
      // The hang is in a wrapper of the operator's own, outside the suite's deadline.
      const report = await runOperatorConformance(
        widgetOperator({
          wrap: (provider) => ({
            ...provider,
            name: provider.name,
            getProvisionStatus: () => new Promise(() => undefined),
          }),
          suite: { scenarios: ["create-to-ready"], timeoutMs: 1_000, callDeadlineMs: 200 },
        }),
      );
      expect(report.scenarios[0]?.violations.map((v) => v.message)).toContainEqual(
        expect.stringMatching(
          /^L1: controller 1's stop\(\) had not resolved 2250 ms after the scenario ended/,
        ),
      );
    },
  );

  it(
    "a crashed controller whose stop never resolves: L1 within the stop limit, the run ends",
    TIMEOUT,
    async () => {
      // The operator's own wrapper holds the launch forever once the suite's provider
      // answered: the crash (right after that answer) cuts the link, and the controller's
      // stop waits for a reconcile that never ends.
      const started = performance.now();
      const report = await runOperatorConformance(
        widgetOperator({
          wrap: (provider) => ({
            ...provider,
            name: provider.name,
            triggerProvision: async (...args: Parameters<Provider["triggerProvision"]>) => {
              await provider.triggerProvision(...args);
              return new Promise<never>(() => undefined);
            },
          }),
          suite: {
            scenarios: ["crash-after-provision-launch"],
            timeoutMs: 4_000,
            callDeadlineMs: 200,
          },
        }),
      );
      const messages = report.scenarios[0]?.violations.map((v) => v.message) ?? [];
      expect(messages, dump(report)).toContainEqual(
        expect.stringMatching(
          /^L1: controller 1 crashed at \d+ ms \(after a provision launch\), but what was left of it had not stopped 2250 ms later: a reconcile never ended/,
        ),
      );
      // Reported once: close() does not name the same controller's stop again.
      expect(messages.filter((m) => m.includes("controller 1"))).toHaveLength(1);
      expect(report.rules.find((r) => r.rule === "L1")?.failedIn).toEqual([
        "crash-after-provision-launch",
      ]);
      // Bounded: the stop limit (2.25 s) and the close's, not the scenario's budget or forever.
      expect(performance.now() - started).toBeLessThan(30_000);
    },
  );

  it("the default deadline is half the scenario budget (at most 5 s)", TIMEOUT, async () => {
    const report = await runOperatorConformance(
      widgetOperator({
        suite: {
          backend: backend("triggerProvision", "honours"),
          scenarios: ["create-to-ready"],
          timeoutMs: 1_000,
        },
      }),
    );
    expect(report.scenarios[0]?.violations[0]?.message).toMatch(
      /^L1: triggerProvision\(conformance\/widget-1, correlation id \S+\) .*deadline of 500 ms/,
    );
  });
});
