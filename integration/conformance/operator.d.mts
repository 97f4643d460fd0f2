// Types of operator.mjs, for the integration tests that import it.
import type {
  ConformanceBackend,
  CrdDefinition,
  OperatorConformanceOptions,
} from "@provisionkit/testing";

/** The ComputeInstance CRD. */
export declare const CRD: CrdDefinition;
/** The operator's finalizer. */
export declare const FINALIZER: string;
/** The built-in provider configurations, each a fresh backend per scenario. */
export declare const OPERATOR_BACKENDS: Record<
  "AapProvider" | "EdaProvider" | "EdaProvider in AAP mode",
  () => ConformanceBackend
>;
/** The operator suite's options for the ComputeInstance operator on `backend`. */
export declare function operatorSubject(
  backend: () => ConformanceBackend,
): OperatorConformanceOptions;
/** One operator subject per built-in provider configuration. */
declare const subjects: (OperatorConformanceOptions & { suite: "operator"; subject: string })[];
export default subjects;
