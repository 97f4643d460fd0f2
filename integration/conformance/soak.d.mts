// Types of soak.mjs, for the integration tests that import it.
import type { ConformanceBackend, OperatorConformanceOptions } from "@provisionkit/testing";

/** The built-in providers on their simulators, for the soak. */
export declare const SOAK_BACKENDS: Record<"AapProvider" | "EdaProvider", () => ConformanceBackend>;
/** The operator suite's options for a soak of the ComputeInstance operator on `backend`. */
export declare function soakSubject(backend: () => ConformanceBackend): OperatorConformanceOptions;
/** One operator subject per built-in provider. */
declare const subjects: (OperatorConformanceOptions & { suite: "operator"; subject: string })[];
export default subjects;
