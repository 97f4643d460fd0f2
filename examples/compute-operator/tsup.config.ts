import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/demo.ts", "src/latency.ts"],
  format: ["esm"],
  target: "node20",
  clean: true,
});
