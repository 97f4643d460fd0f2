import { availableParallelism } from "node:os";
import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds each slow test file took in a fresh-clone `CI=true .ci/run` (2 cores; files under
 * 1.5 s left out), by path from the repository root. Only the order matters: see
 * {@link LongestFirst}. Refresh from the per-file times of a CI log when the order drifts.
 * conformance.test.ts is the estimate after its AapProvider retries were shortened.
 */
const CI_SECONDS: Readonly<Record<string, number>> = {
  "integration/test/ansible-playbooks.test.ts": 130,
  "integration/test/ansible-eda-chain.test.ts": 90,
  "integration/test/eda-soak.test.ts": 79,
  "integration/test/operator-conformance.test.ts": 70,
  "integration/test/operator-conformance-real.test.ts": 60,
  "integration/test/randomized-seeds.test.ts": 57,
  "packages/testing/test/conformance/operator-broken-lifecycle.test.ts": 52,
  "examples/custom-provider/test/operator-conformance.test.ts": 42,
  "integration/test/ansible-aap-chain.test.ts": 37,
  "integration/test/hostile-objects.test.ts": 36,
  "packages/testing/test/conformance/operator-broken.test.ts": 36,
  "integration/test/eda-orphans.test.ts": 35,
  "integration/test/eda.test.ts": 31,
  "integration/test/conformance.test.ts": 25,
  "packages/testing/test/conformance/operator-soak.test.ts": 22,
  "packages/testing/test/conformance/operator-correct.test.ts": 21,
  "integration/test/controller.test.ts": 20,
  "integration/test/exactly-once-controller.test.ts": 19,
  "integration/test/fuzz/fuzz-aap.test.ts": 19,
  "packages/testing/test/conformance/broken.test.ts": 14,
  "integration/test/fuzz/fuzz-eda.test.ts": 12,
  "integration/test/operator-soak-real.test.ts": 12,
  "packages/testing/test/conformance/operator-liveness.test.ts": 10,
  "packages/testing/test/conformance/operator-timings.test.ts": 9,
  "integration/test/operator-soak.test.ts": 8,
  "examples/custom-provider/test/conformance.test.ts": 7,
  "integration/test/cluster-scoped.test.ts": 6,
  "integration/test/kube-limits.test.ts": 6,
  "packages/testing/test/engine/properties.test.ts": 6,
  "integration/test/secrets-controller.test.ts": 5,
  "packages/testing/test/cli-operator.test.ts": 5,
  "packages/testing/test/conformance/operator-cluster.test.ts": 5,
  "packages/testing/test/conformance/operator-history.test.ts": 5,
  "integration/test/real-apiserver.test.ts": 4,
  "packages/testing/test/conformance/vitest-api.test.ts": 3,
  "packages/testing/test/report-browser.test.ts": 3,
  "integration/test/fuzz/fuzz-controller.test.ts": 2,
  "packages/provider-aap/test/exactly-once.test.ts": 2,
  "packages/provider-aap/test/provider-find-job.test.ts": 2,
  "packages/testing/test/conformance-deadline-cli.test.ts": 2,
  "packages/testing/test/conformance-deadline.test.ts": 2,
  "packages/testing/test/conformance/blind-spots.test.ts": 2,
  "packages/testing/test/conformance/memory.test.ts": 2,
};

/**
 * Starts the longest test files first, across all projects. Vitest's own order runs the
 * projects one after another by name and, without results cached from an earlier run (a fresh
 * clone has none), the larger files first: the 11-line conformance.test.ts, one of the longest,
 * then started among the last, and the long files of the `testing` project after every
 * `integration` file, leaving one worker busy at the end while the others idle. Here a file's
 * expected time is its cached duration when vitest has one, else {@link CI_SECONDS}, else 0;
 * files of equal expectation keep vitest's order.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const root = this.ctx.config.root;
    const expected = (spec: TestSpecification): number => {
      const path = relative(root, spec.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`);
      return cached ? cached.duration / 1000 : (CI_SECONDS[path] ?? 0);
    };
    const seconds = new Map(ordered.map((spec) => [spec, expected(spec)]));
    return ordered.sort((a, b) => (seconds.get(b) ?? 0) - (seconds.get(a) ?? 0));
  }
}

export default defineConfig({
  test: {
    projects: [
      "packages/*",
      "integration",
      "examples/compute-operator",
      "examples/custom-provider",
    ],
    // One worker more than the cores (vitest's default is one fewer): many files spend their
    // time waiting on real time (loopback servers, the operator suite's real-time scenarios),
    // so an extra worker overlaps that waiting. On 2 cores: about 2 min 15 s instead of 5 min
    // 30 s, and stable in three full runs.
    maxWorkers: availableParallelism() + 1,
    sequence: { sequencer: LongestFirst },
    coverage: {
      provider: "v8",
      include: ["packages/*/src/**/*.ts"],
      reporter: ["text", "html", "lcov"],
    },
  },
});
