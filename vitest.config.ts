import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

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
    coverage: {
      provider: "v8",
      include: ["packages/*/src/**/*.ts"],
      reporter: ["text", "html", "lcov"],
    },
  },
});
