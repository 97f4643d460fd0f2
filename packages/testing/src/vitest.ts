/**
 * The provider and operator conformance suites as vitest tests (`@provisionkit/testing/vitest`). This
 * entry imports vitest; the main entry never does.
 *
 * @example
 * ```ts
 * import { describeProviderConformance } from "@provisionkit/testing/vitest";
 * import { aapSimulatorBackend } from "@provisionkit/testing";
 *
 * describeProviderConformance("AapProvider", {
 *   backend: () => aapSimulatorBackend({ provider: ({ url, token }) => new AapProvider(…) }),
 * });
 * ```
 *
 * @packageDocumentation
 */
import { describe, it } from "vitest";
import { formatScenarioFailure } from "./conformance/format.js";
import {
  providerScenarios,
  runConformance,
  scenarioEnv,
  skipReason,
  type ConformanceOptions,
} from "./conformance/runner.js";
import { operatorScenarios, runOperatorScenario } from "./conformance/operator/run.js";
import type { OperatorConformanceOptions } from "./conformance/operator/types.js";

/** Options of {@link describeProviderConformance}. */
export interface DescribeConformanceOptions extends Omit<
  ConformanceOptions,
  "onProgress" | "subject"
> {
  /** Timeout of each test, real ms (default 120 000). */
  timeoutMs?: number;
}

/**
 * Declare the provider conformance suite: one `describe` titled `title`, one `it` per
 * scenario titled `"<id>: <title> [P5, E1]"`. A scenario the backend or provider cannot
 * run is an `it.skip` whose title says why (one that finds out while running, such as a
 * failed-deprovision scenario for the flag the provider turns out not to declare, skips
 * itself with the reason as its note). A failing scenario throws an Error listing its
 * violations (each starting with its rule id), the counterexample of a randomized
 * scenario, and the job timelines.
 *
 * Capabilities not given are detected from a probe provider while the suite is collected.
 * When that fails (the backend cannot start, or the provider cannot be built: a bad option,
 * a constructor that throws), the suite declares a single failing test,
 * `"the suite could not start: <error>"`, which rethrows the error: the failure is reported
 * where every other failure is, and a run that counts failed tests (a mutation run) counts it.
 */
export function describeProviderConformance(
  title: string,
  options: DescribeConformanceOptions,
): void {
  describe(title, async () => {
    let started: Awaited<ReturnType<typeof scenarioEnv>>;
    try {
      started = await scenarioEnv(options);
    } catch (error) {
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      it(`the suite could not start: ${what.slice(0, 200)}`, () => {
        throw error;
      });
      return;
    }
    const { env } = started;
    const capabilities = env.capabilities;
    const wanted = options.scenarios;
    for (const scenario of providerScenarios()) {
      if (wanted && !wanted.includes(scenario.id)) continue;
      const name = `${scenario.id}: ${scenario.title} [${scenario.rules.join(", ")}]`;
      const reason = skipReason(scenario, env);
      if (reason !== undefined) {
        it.skip(`${name} (skipped: ${reason})`, () => undefined);
        continue;
      }
      it(name, { timeout: options.timeoutMs ?? 120_000 }, async (context) => {
        const report = await runConformance({ ...options, capabilities, scenarios: [scenario.id] });
        const result = report.scenarios[0];
        if (result?.status === "failed") throw new Error(formatScenarioFailure(result));
        if (result?.status === "skipped") context.skip(`skipped: ${result.skipReason ?? ""}`);
      });
    }
  });
}

/** Options of {@link describeOperatorConformance}. */
export interface DescribeOperatorConformanceOptions extends Omit<
  OperatorConformanceOptions,
  "onProgress"
> {
  /** Timeout of each vitest test, real ms (default 60 000; goals have their own `timeoutMs`). */
  testTimeoutMs?: number;
}

/**
 * Declare the operator conformance suite: one `describe` titled `title`, one `it` per
 * scenario titled `"<id>: <title> [E1, E4]"`, each running that scenario against the
 * operator `options.operator` builds (see {@link OperatorConformanceOptions}). A failing
 * scenario throws an Error listing its violations (each starting with its rule id, with
 * job ids, times in ms since the scenario started, and states) and the job timelines.
 *
 * @example
 * ```ts
 * describeOperatorConformance("my operator", {
 *   crd, finalizer, spec: (i) => ({ size: i + 1 }),
 *   operator: ({ kubeConfig, provider, namespace, engine }) =>
 *     new ProvisioningController({ kubeConfig, provider, finalizer,
 *       resource: { ...crd, namespace }, statusMapping: myMapping, engine: { ...engine } }),
 * });
 * ```
 */
export function describeOperatorConformance(
  title: string,
  options: DescribeOperatorConformanceOptions,
): void {
  describe(title, () => {
    for (const scenario of operatorScenarios()) {
      if (options.scenarios && !options.scenarios.includes(scenario.id)) continue;
      const name = `${scenario.id}: ${scenario.title} [${scenario.rules.join(", ")}]`;
      it(name, { timeout: options.testTimeoutMs ?? 60_000 }, async (context) => {
        const result = await runOperatorScenario(scenario, options);
        if (result.status === "failed") throw new Error(formatScenarioFailure(result));
        // Known only once the scenario's provider exists (crash adoption needs findJob, say).
        if (result.status === "skipped") context.skip(`skipped: ${result.skipReason ?? ""}`);
      });
    }
  });
}
