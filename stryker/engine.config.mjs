// The engine's mutation run (issue 21): packages/core/src/engine/** judged by core's own tests.
import { strykerConfig } from "./shared.mjs";

export default strykerConfig({
  name: "engine",
  mutate: [process.env.STRYKER_MUTATE ?? "packages/core/src/engine/**/*.ts"],
  vitestConfig: "packages/core/vitest.config.ts",
  dir: "packages/core",
});
