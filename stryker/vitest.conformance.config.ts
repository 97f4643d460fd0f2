// The vitest configuration of the conformance-only mutation runs (issue 21): the provider
// conformance suite on the built-in providers' simulator backends (integration's
// conformance.test.ts, the subjects of integration/conformance/builtin.mjs) and nothing else,
// so that a surviving mutant is one the suite does not catch.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { workspaceAlias } from "../vitest.shared.ts";

export default defineConfig({
  resolve: { alias: workspaceAlias },
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["integration/test/conformance.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
