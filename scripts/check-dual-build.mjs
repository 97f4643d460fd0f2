// Loads the built ESM and CJS files of @provisionkit/core side by side (as a process that
// mixes `import` and `require` does) and checks that typed errors from one build are
// recognised by the other. Run after `pnpm build`; exits 1 on any mismatch.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
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

// The bundler renames classes with static members (`_ProviderError`); `name`, and so
// `toJSON()` and every status and log line, must carry the source name in both builds.
const ERROR_CLASSES = [
  ["ProviderError", (m) => new m.ProviderError("x")],
  ["RateLimitError", (m) => new m.RateLimitError("x", 1)],
  ["JobNotFoundError", (m) => new m.JobNotFoundError("7")],
  ["JobOwnershipError", (m) => new m.JobOwnershipError("7", "x")],
  ["ConfigurationError", (m) => new m.ConfigurationError("x")],
  ["AuthenticationError", (m) => new m.AuthenticationError("x")],
  ["TimeoutError", (m) => new m.TimeoutError("x", 1)],
  ["TransientError", (m) => new m.TransientError("x")],
  ["InvalidResponseError", (m) => new m.InvalidResponseError("x")],
  ["ContractViolationError", (m) => new m.ContractViolationError("P1", "x")],
  ["AbortedError", (m) => new m.AbortedError("x")],
];
for (const [label, build] of [
  ["ESM", esm],
  ["CJS", cjs],
]) {
  for (const [name, make] of ERROR_CLASSES) {
    const error = make(build);
    assert.equal(error.name, name, `${label} ${name}: name`);
    assert.equal(error.toJSON().name, name, `${label} ${name}: toJSON().name`);
    assert.equal(build.toErrorRecord(error).name, name, `${label} ${name}: toErrorRecord().name`);
  }
}

// A provider's CJS build loads the CJS core; its errors must still be recognised by a
// caller holding the ESM core (and the reverse).
const aapEsm = await import("../packages/provider-aap/dist/index.js");
const aapCjs = require("../packages/provider-aap/dist/index.cjs");
for (const [label, aap, core] of [
  ["CJS provider-aap, ESM core", aapCjs, esm],
  ["ESM provider-aap, CJS core", aapEsm, cjs],
]) {
  let thrown;
  try {
    new aap.AapClient({ url: "not a url", auth: { type: "bearer", token: "t" } });
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof core.ConfigurationError, `${label}: ConfigurationError instanceof`);
  assert.equal(aap.encodeJobId({ kind: "workflow_job", id: 7 }), "workflow_job:7");
}
const edaEsm = await import("../packages/provider-eda/dist/index.js");
const edaCjs = require("../packages/provider-eda/dist/index.cjs");
for (const [label, eda, core] of [
  ["CJS provider-eda, ESM core", edaCjs, esm],
  ["ESM provider-eda, CJS core", edaEsm, cjs],
]) {
  let thrown;
  try {
    new eda.EdaProvider({ target: { type: "webhook", url: "not a url" }, auth: { type: "none" } });
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof core.ConfigurationError, `${label}: ConfigurationError instanceof`);
  assert.equal(eda.FINALIZER_AAP, "provisionkit.io/aap");
}
// The Kubernetes subpath loads in both module systems (client-node is ESM-only; require()
// of it works on Node >= 20.19).
const kubeEsm = await import("../packages/core/dist/kubernetes/index.js");
const kubeCjs = require("../packages/core/dist/kubernetes/index.cjs");
for (const kube of [kubeEsm, kubeCjs]) {
  assert.equal(typeof kube.ProvisioningController, "function", "ProvisioningController exported");
  assert.equal(kube.PAUSE_ANNOTATION, "provisionkit.io/paused");
  assert.equal(typeof kube.KubernetesSecretSource, "function", "KubernetesSecretSource exported");
}
// The HTTP kit subpath loads in both module systems, its errors are recognised across
// builds, and the root entry never loads axios (an optional peer, needed by the kit only).
const httpEsm = await import("../packages/core/dist/http/index.js");
const httpCjs = require("../packages/core/dist/http/index.cjs");
for (const [label, http, core] of [
  ["CJS core/http, ESM core", httpCjs, esm],
  ["ESM core/http, CJS core", httpEsm, cjs],
]) {
  assert.equal(typeof http.HttpTransport, "function", `${label}: HttpTransport exported`);
  const redactor = http.redactorFor(["s3cret"]);
  const context = { prefix: "X GET /", details: {}, idempotent: false, redactor };
  const answer = { status: 429, text: "s3cret", header: () => "5" };
  const { error } = http.fromHttpStatus(context, answer, { now: 0, defaultRetryAfterMs: 1 });
  assert.ok(error instanceof core.RateLimitError, `${label}: RateLimitError instanceof`);
  assert.equal(error.retryAfterMs, 5000);
  assert.ok(!error.message.includes("s3cret"), `${label}: server text scrubbed`);
  let thrown;
  try {
    http.checkHttpUrl("X", "url", "ftp://x");
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof core.ConfigurationError, `${label}: ConfigurationError instanceof`);
}
// The tracing subpath loads in both module systems and its traceparent helpers agree across
// them; the root entry never loads @opentelemetry/api (an optional peer, needed by the
// subpath only).
const tracingEsm = await import("../packages/core/dist/tracing/index.js");
const tracingCjs = require("../packages/core/dist/tracing/index.cjs");
const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
for (const [label, writer, reader] of [
  ["ESM → CJS", tracingEsm, tracingCjs],
  ["CJS → ESM", tracingCjs, tracingEsm],
]) {
  assert.equal(typeof writer.openTelemetryJobTracer, "function", `${label}: tracer exported`);
  const parsed = reader.parseTraceparent(traceparent);
  assert.ok(parsed, `${label}: a valid traceparent parses`);
  assert.equal(writer.formatTraceparent(parsed), traceparent, `${label}: round trip`);
}
for (const entry of ["index.js", "index.cjs"]) {
  const text = readFileSync(join(import.meta.dirname, "../packages/core/dist", entry), "utf8");
  assert.ok(!/["']axios["']/.test(text), `the root entry (${entry}) must not import axios`);
  assert.ok(
    !/["']@opentelemetry\/api["']/.test(text),
    `the root entry (${entry}) must not import @opentelemetry/api`,
  );
}
console.log(
  "dual build: ESM and CJS builds of @provisionkit/core (root, kubernetes, http, tracing), provider-aap and provider-eda agree (errors, config versions, traceparents)",
);
