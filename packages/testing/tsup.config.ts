import { defineConfig } from "tsup";

// ESM only: vitest (a peer, used by the conformance suites) cannot be require()d.
export default defineConfig({
  entry: {
    index: "src/index.ts",
    vitest: "src/vitest.ts",
    "cli/bin": "src/cli/bin.ts",
    "sim-server/bin": "src/sim-server/bin.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
