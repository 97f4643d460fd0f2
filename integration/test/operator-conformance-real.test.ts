import type { ProvisioningStatus } from "@provisionkit/core";
import { defaultStatusMapping, ProvisioningController } from "@provisionkit/core/kubernetes";
import { runOperatorConformance, type OperatorConformanceOptions } from "@provisionkit/testing";
import { describeOperatorConformance } from "@provisionkit/testing/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTERS, CRD, type TestCluster } from "../support/cluster.ts";
import { OPERATOR_BACKENDS, operatorSubject } from "../conformance/operator.mjs";

// The operator conformance suite on the real API server (apiextensions-apiserver + etcd, the
// ComputeInstance CRD installed): the suite's `cluster` option, one namespace per provider
// configuration, which each scenario leaves empty. AapProvider and EdaProvider in AAP mode
// (the EDA playbooks write back through the real server; AAP mode runs the crash scenarios,
// which EDA-only skips).

const real = CLUSTERS.find((c) => c.kind === "real");
const CONFIGURATIONS = ["AapProvider", "EdaProvider in AAP mode"] as const;

describe.skipIf(!real || real.unavailable !== undefined)(
  "operator conformance on the real API server",
  () => {
    let cluster: TestCluster | undefined;
    // Filled in once the server runs; the suite reads `cluster` when each scenario starts.
    const subjects = CONFIGURATIONS.map((name): [string, OperatorConformanceOptions] => [
      name,
      operatorSubject(OPERATOR_BACKENDS[name]),
    ]);
    beforeAll(async () => {
      const started = await (real as NonNullable<typeof real>).start();
      cluster = started;
      subjects.forEach(([, options], i) => {
        options.cluster = { kubeconfig: started.kubeconfigText(), namespace: `operator-${i}` };
      });
    });
    afterAll(async () => {
      await cluster?.stop();
    });
    for (const [name, options] of subjects) {
      describeOperatorConformance(`ComputeInstance operator with ${name}`, options);
    }

    it("is as sharp there: a status mapping that drops the reconciled version fails E3", async () => {
      const base = subjects[0]?.[1] as OperatorConformanceOptions;
      const report = await runOperatorConformance({
        ...base,
        cluster: { kubeconfig: cluster?.kubeconfigText() ?? "", namespace: "operator-broken" },
        scenarios: ["create-to-ready"],
        timeoutMs: 2_000,
        operator: (env) =>
          new ProvisioningController({
            kubeConfig: env.kubeConfig,
            resource: { ...CRD, namespace: env.namespace },
            provider: env.provider,
            finalizer: base.finalizer,
            engine: { ...env.engine },
            resyncIntervalMs: 0,
            statusMapping: {
              read: (resource) => defaultStatusMapping().read(resource),
              write(resource, status: ProvisioningStatus) {
                const { reconciledConfigVersion: _dropped, ...rest } = status;
                return defaultStatusMapping().write(resource, rest);
              },
            },
          }),
      });
      expect(report.passed).toBe(false);
      const rules = report.scenarios.flatMap((r) => r.violations.map((v) => v.rule));
      expect(new Set(rules)).toEqual(new Set(["E3"]));
      expect(report.scenarios[0]?.violations[0]?.message).toMatch(
        /^E3: operator-broken\/widget-1: provision job \d+ .* succeeded, but at \d+ ms the reconciled version read is still \(none\)/,
      );
    });
  },
);
