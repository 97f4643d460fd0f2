import { describeOperatorConformance } from "@provisionkit/testing/vitest";
import { OPERATOR_BACKENDS, operatorSubject } from "../conformance/operator.mjs";

// The operator conformance suite (E1–E5) on the ComputeInstance operator with each built-in
// provider configuration, in real time on the Kubernetes API simulator (a fresh one per
// scenario). operator-conformance-real.test.ts runs it on the real API server.

for (const [name, backend] of Object.entries(OPERATOR_BACKENDS)) {
  describeOperatorConformance(`ComputeInstance operator with ${name}`, operatorSubject(backend));
}
