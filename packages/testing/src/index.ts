/**
 * Simulators and conformance suites for provisionkit providers and operators.
 *
 * @packageDocumentation
 */
export { systemClock, VirtualClock, type Clock } from "./clock.js";
export * from "./aap/index.js";
export * from "./kubernetes/index.js";
