import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/demo.ts", "src/latency.ts", "src/process.ts"],
  format: ["esm"],
  target: "node20",
  clean: true,
});
