/**
 * The operator conformance suite is sharp on failures, deletion and crashes: operator
 * configurations (engine options, status mappings, provider wrappers as users write them)
 * that break retries, DeletionBlocked, the finalizer or adoption each fail on their rule,
 * and only there.
 */
import type { Provider, ProvisioningStatus } from "@provisionkit/core";
import { KubeConfig } from "@kubernetes/client-node";
import {
  defaultStatusMapping,
  type ProvisioningControllerOptions,
  type StatusMapping,
} from "@provisionkit/core/kubernetes";
import { describe, expect, it } from "vitest";
import {
  FAST_ENGINE,
  KubernetesApiSimulator,
  runOperatorConformance,
  type ConformanceReport,
  type OperatorConformanceOptions,
  type RuleId,
} from "../../src/index.js";
import { CRD, dump, failures, widgetOperator } from "./widget-operator.js";

/** Scenarios where nothing fails or crashes: a broken retry or deletion path passes them. */
const PLAIN = ["create-to-ready", "delete-after-ready"];
const FAILURES = [
  "failed-provision-retried",
  "failed-deprovision-blocked",
  "failed-deprovision-released",
];
const CRASHES = ["crash-after-provision-launch", "crash-after-deprovision-launch"];

function configuration(
  controller: Partial<ProvisioningControllerOptions>,
  wrap?: (provider: Provider) => Provider,
): OperatorConformanceOptions {
  return widgetOperator({ controller, ...(wrap ? { wrap } : {}), suite: { timeoutMs: 3_000 } });
}

/** The rules each failed scenario failed on, and the report. */
async function run(
  options: OperatorConformanceOptions,
  scenarios: string[],
): Promise<{ failed: Record<string, RuleId[]>; report: ConformanceReport }> {
  const report = await runOperatorConformance({ ...options, scenarios });
  return { failed: failures(report, true), report };
}

function messages(report: ConformanceReport, id: string): string[] {
  return report.scenarios.find((s) => s.id === id)?.violations.map((v) => v.message) ?? [];
}

/** A wrapper that forwards the four required methods only (a metrics wrapper, say). */
function withoutOptionalMethods(p: Provider): Provider {
  return {
    name: p.name,
    triggerProvision: (r, o) => p.triggerProvision(r, o),
    getProvisionStatus: (r, j, o) => p.getProvisionStatus(r, j, o),
    triggerDeprovision: (r, js, o) => p.triggerDeprovision(r, js, o),
    getDeprovisionStatus: (r, j, o) => p.getDeprovisionStatus(r, j, o),
  };
}

/** The same forwarding wrapper, keeping the optional methods. */
function forwarding(p: Provider): Provider {
  return {
    ...withoutOptionalMethods(p),
    ...(p.findJob ? { findJob: p.findJob.bind(p) } : {}),
    ...(p.cancelJob ? { cancelJob: p.cancelJob.bind(p) } : {}),
  };
}

/** A wrapper that reports a finished deprovision as succeeded ("done is done"). */
function doneIsSucceeded(p: Provider): Provider {
  return {
    ...forwarding(p),
    async getDeprovisionStatus(r, j, o) {
      const status = await p.getDeprovisionStatus(r, j, o);
      return status.state === "Failed" ? { ...status, state: "Succeeded" as const } : status;
    },
  };
}

/** Writes the provisioning status but no conditions. */
const dropsConditions: StatusMapping = {
  read: (resource) => defaultStatusMapping().read(resource),
  write(resource, status: ProvisioningStatus) {
    const { conditions: _dropped, ...rest } = defaultStatusMapping().write(resource, status);
    return rest;
  },
};

const TIMEOUT = { timeout: 120_000 };

describe("broken operator configurations: failures, deletion, crashes", () => {
  it("no provision backoff retries in a hot loop: E2, and only there", TIMEOUT, async () => {
    const { failed, report } = await run(
      configuration({ engine: { ...FAST_ENGINE, provisionBackoff: { initialMs: 0, maxMs: 0 } } }),
      [...PLAIN, ...FAILURES],
    );
    expect(failed, dump(report)).toEqual({ "failed-provision-retried": ["E2"] });
    // A retry on the next poll is a hot loop; one a little later still comes before the
    // backoff the suite handed over (env.engine's 100 ms, overridden by this operator).
    expect(messages(report, "failed-provision-retried")[0]).toMatch(
      /^E2: conformance\/widget-1: (provision job mem-\d .* was launched \d+ ms after provision job mem-\d .* failed: a retry in a hot loop|provision retries waited .* sooner than the configured backoff of \d+ ms)/,
    );
  });

  it("a fixed provision backoff does not grow: E2, and only there", TIMEOUT, async () => {
    const backoff = { initialMs: 300, factor: 1, maxMs: 1000 };
    const { failed, report } = await run(
      {
        ...configuration({ engine: { ...FAST_ENGINE, provisionBackoff: backoff } }),
        // The suite checks the backoff it hands over: told this one, it finds it does not grow.
        engine: { provisionBackoff: backoff },
      },
      [...PLAIN, ...FAILURES],
    );
    expect(failed, dump(report)).toEqual({ "failed-provision-retried": ["E2"] });
    expect(messages(report, "failed-provision-retried")).toEqual([
      expect.stringMatching(
        /^E2: .*provision retries waited \d+ ms, \d+ ms, \d+ ms .* does not grow/,
      ),
    ]);
  });

  it("no deprovision backoff retries a blocked deletion in a hot loop: E4", TIMEOUT, async () => {
    const { failed, report } = await run(
      configuration({
        engine: { ...FAST_ENGINE, deprovisionBackoff: { initialMs: 0, maxMs: 0 } },
      }),
      [...PLAIN, ...FAILURES],
    );
    expect(failed, dump(report)).toEqual({ "failed-deprovision-blocked": ["E4"] });
    expect(messages(report, "failed-deprovision-blocked")[0]).toMatch(
      /^E4: .*(deprovision job mem-\d .* was launched \d+ ms after deprovision job mem-\d .* failed: a retry in a hot loop|deprovision retries waited .* sooner than the configured backoff of \d+ ms)/,
    );
  });

  it("a status mapping without conditions never says DeletionBlocked: E4", TIMEOUT, async () => {
    const { failed, report } = await run(configuration({ statusMapping: dropsConditions }), [
      ...PLAIN,
      ...FAILURES,
    ]);
    expect(failed, dump(report)).toEqual({ "failed-deprovision-blocked": ["E4"] });
    expect(messages(report, "failed-deprovision-blocked")).toContainEqual(
      expect.stringMatching(
        /^E4: .*deprovision job mem-2 .* failed with blockDeletionOnFailure=true, but the status never said deletion is blocked/,
      ),
    );
  });

  it(
    "a provider wrapper reporting a failed deprovision as succeeded releases the finalizer too early: E4",
    TIMEOUT,
    async () => {
      const { failed, report } = await run(configuration({}, doneIsSucceeded), [
        ...PLAIN,
        ...FAILURES,
      ]);
      expect(failed, dump(report)).toEqual({ "failed-deprovision-blocked": ["E4"] });
      expect(messages(report, "failed-deprovision-blocked")).toContainEqual(
        expect.stringMatching(
          /^E4: conformance\/widget-1: the finalizer was released at \d+ ms after deprovision job mem-2 .* ended failed with blockDeletionOnFailure=true/,
        ),
      );
    },
  );

  it(
    "a provider wrapper that drops findJob loses the job launched before a crash: E5",
    TIMEOUT,
    async () => {
      const { failed, report } = await run(configuration({}, withoutOptionalMethods), [
        ...PLAIN,
        ...CRASHES,
      ]);
      // E3 too after the provision crash: the lost job's success is never reported.
      expect(failed, dump(report)).toEqual({
        "crash-after-provision-launch": ["E3", "E5"],
        "crash-after-deprovision-launch": ["E5"],
      });
      expect(messages(report, "crash-after-provision-launch")[0]).toMatch(
        /^E5: the provision job mem-1 launched just before the crash was lost: by \d+ ms no later controller looked for it/,
      );
    },
  );

  it(
    "a constant correlation id makes launches indistinguishable: E5 (E1 when a crash adopts the wrong job)",
    TIMEOUT,
    async () => {
      const { failed, report } = await run(configuration({ newCorrelationId: () => "fixed" }), [
        "create-to-ready",
        "spec-change",
        "delete-after-ready",
        ...CRASHES,
      ]);
      expect(failed, dump(report)).toEqual({
        "spec-change": ["E5"],
        "delete-after-ready": ["E5"],
        "crash-after-deprovision-launch": ["E1", "E5"],
      });
      expect(messages(report, "spec-change")[0]).toMatch(
        /^E5: conformance\/widget-1: provision job mem-2 .* was launched again with the correlation id of provision job mem-1/,
      );
    },
  );

  it(
    "an operator that ignores env.kubeConfig cannot be crashed: the crash scenarios say so instead of passing",
    TIMEOUT,
    async () => {
      const simulator = new KubernetesApiSimulator({ crds: [{ ...CRD, statusSubresource: true }] });
      await simulator.start();
      try {
        const namespace = "own-config";
        const options = configuration({});
        const report = await runOperatorConformance({
          ...options,
          cluster: { kubeconfig: simulator.kubeconfig(), namespace },
          scenarios: ["create-to-ready", ...CRASHES],
          operator: (env) => {
            // Its own KubeConfig (as loadFromDefault() would give): the same API, but not
            // through the relay the suite cuts.
            const own = new KubeConfig();
            own.loadFromString(simulator.kubeconfig({ namespace }));
            return options.operator({ ...env, kubeConfig: own });
          },
        });
        const byId = new Map(report.scenarios.map((s) => [s.id, s]));
        expect(byId.get("create-to-ready")?.status).toBe("passed");
        for (const id of CRASHES) {
          expect(byId.get(id)?.status, id).toBe("failed");
          expect(byId.get(id)?.error, id).toMatch(
            /the controller never connected to the API through env.kubeConfig/,
          );
        }
      } finally {
        await simulator.stop();
      }
    },
  );
});
