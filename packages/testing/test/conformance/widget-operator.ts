/**
 * The Widget operator the operator suite's own tests run: a `ProvisioningController` with the
 * default status mapping and the spec as desired config, which each test may break one way
 * (controller options replaced, the provider wrapped, suite options added).
 */
import type { EngineOptionsInput, Provider } from "@provisionkit/core";
import {
  ProvisioningController,
  type ProvisioningControllerOptions,
} from "@provisionkit/core/kubernetes";
import {
  formatScenarioFailure,
  type ConformanceReport,
  type OperatorConformanceOptions,
  type RuleId,
} from "../../src/index.js";

/** The Widget CRD. */
export const CRD = { group: "example.com", version: "v1", plural: "widgets", kind: "Widget" };
/** The Widget operator's finalizer. */
export const FINALIZER = "example.com/provisioning";

/** How a test changes the Widget operator. */
export interface WidgetChanges {
  /** Controller options replaced. */
  controller?: Partial<ProvisioningControllerOptions>;
  /** The provider the suite hands over, wrapped (as a user's metrics wrapper would). */
  wrap?: (provider: Provider) => Provider;
  /** Suite options added. */
  suite?: Partial<OperatorConformanceOptions>;
  /** The engine options the controller is built with, from `env.engine` (default: as handed). */
  wrapEngine?: (engine: EngineOptionsInput) => EngineOptionsInput;
}

/** The operator suite's options for the Widget operator, changed as asked. */
export function widgetOperator(changes: WidgetChanges = {}): OperatorConformanceOptions {
  const wrap = changes.wrap ?? ((p: Provider) => p);
  const wrapEngine = changes.wrapEngine ?? ((e: EngineOptionsInput) => ({ ...e }));
  return {
    crd: CRD,
    finalizer: FINALIZER,
    spec: (index) => ({ size: index + 1 }),
    operator: ({ kubeConfig, provider, namespace, engine }) =>
      new ProvisioningController({
        kubeConfig,
        provider: wrap(provider),
        finalizer: FINALIZER,
        resource: { ...CRD, namespace },
        engine: wrapEngine(engine),
        resyncIntervalMs: 0,
        events: false,
        ...changes.controller,
      }),
    ...changes.suite,
  };
}

/**
 * The rules each scenario failed on (every scenario, `[]` when it passed; or only the failed
 * ones with `failedOnly`).
 *
 * @throws Error with the scenario's failure when a scenario errored instead of checking.
 */
export function failures(report: ConformanceReport, failedOnly = false): Record<string, RuleId[]> {
  const out: Record<string, RuleId[]> = {};
  for (const s of report.scenarios) {
    if (s.error !== undefined) throw new Error(formatScenarioFailure(s));
    const rules = [...new Set(s.violations.map((v) => v.rule))].sort();
    if (!failedOnly || rules.length > 0) out[s.id] = rules;
  }
  return out;
}

/** Every scenario's failure, for a failed expectation's message. */
export function dump(report: ConformanceReport): string {
  return report.scenarios.map((s) => formatScenarioFailure(s)).join("\n");
}
