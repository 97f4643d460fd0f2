import { describeProviderConformance } from "@provisionkit/testing/vitest";
import subjects from "../conformance/builtin.mjs";

// The provider conformance suite (P1–P8, E1–E6) on the built-in providers (AapProvider on job
// and workflow job templates, EdaProvider with and without AAP mode), on the simulators over
// real HTTP, in virtual time: the subjects of conformance/builtin.mjs, which the CLI runs too.
// A rule a provider breaks fails here with the rule id first in the message.

for (const { subject, backend } of subjects) {
  describeProviderConformance(subject, { backend });
}
