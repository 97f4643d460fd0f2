// Loads the built ESM and CJS files of @provisionkit/core side by side (as a process that
// mixes `import` and `require` does) and checks that typed errors from one build are
// recognised by the other. Run after `pnpm build`; exits 1 on any mismatch.
import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const esm = await import("../packages/core/dist/index.js");
const cjs = require("../packages/core/dist/index.cjs");

assert.notEqual(esm.ProviderError, cjs.ProviderError, "the two builds must be distinct copies");
const fromCjs = new cjs.RateLimitError("slow down", 5000);
const fromEsm = new esm.JobNotFoundError("7");
assert.ok(
  fromCjs instanceof esm.RateLimitError,
  "CJS RateLimitError instanceof ESM RateLimitError",
);
assert.ok(fromCjs instanceof esm.ProviderError, "CJS RateLimitError instanceof ESM ProviderError");
assert.ok(!(fromCjs instanceof esm.JobNotFoundError), "no false positives across builds");
assert.ok(
  fromEsm instanceof cjs.JobNotFoundError,
  "ESM JobNotFoundError instanceof CJS JobNotFoundError",
);
assert.ok(esm.isProviderError(fromCjs) && cjs.hasErrorCode(fromEsm, "JOB_NOT_FOUND"));
assert.equal(esm.configVersion({ b: 1, a: 2 }), cjs.configVersion({ a: 2, b: 1 }));
console.log("dual build: ESM and CJS builds of @provisionkit/core agree (errors, config versions)");
