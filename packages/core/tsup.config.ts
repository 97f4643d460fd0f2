import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "kubernetes/index": "src/kubernetes/index.ts",
    "http/index": "src/http/index.ts",
    "tracing/index": "src/tracing/index.ts",
    "cli/index": "src/cli/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  // Never bundle the Kubernetes client, axios or the OpenTelemetry API: they are optional
  // peer dependencies.
  external: ["@kubernetes/client-node", "axios", "@opentelemetry/api"],
});
