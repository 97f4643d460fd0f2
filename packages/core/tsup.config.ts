import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "kubernetes/index": "src/kubernetes/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  // Never bundle the Kubernetes client: it is an optional peer dependency.
  external: ["@kubernetes/client-node"],
});
