import { defineProject } from "vitest/config";
import { workspaceAlias } from "../vitest.shared.ts";

export default defineProject({
  resolve: { alias: workspaceAlias },
  test: { name: "integration", testTimeout: 30_000, hookTimeout: 60_000 },
});
