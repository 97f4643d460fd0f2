// The provider-eda conformance-only mutation run (issue 21): packages/provider-eda/src/provider/**
// judged by the provider conformance suite alone (stryker/vitest.conformance.config.ts), not
// by the package's own tests: the score says how many of the bugs a provider author could
// write there the suite catches.
import { strykerConfig } from "./shared.mjs";

export default strykerConfig({
  name: "provider-eda-conformance",
  mutate: (process.env.STRYKER_MUTATE ?? "packages/provider-eda/src/provider/**/*.ts").split(","),
  vitestConfig: "stryker/vitest.conformance.config.ts",
  related: false,
});
