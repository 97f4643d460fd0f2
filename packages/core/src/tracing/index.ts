/**
 * OpenTelemetry tracing of provisionkit jobs, on `@opentelemetry/api` (an optional peer
 * dependency: install it to use this subpath). See docs/tracing.md.
 *
 * @module
 */
export {
  TRACER_NAME,
  format as formatTraceparent,
  openTelemetryJobTracer,
  parse as parseTraceparent,
  type OpenTelemetryJobTracerOptions,
} from "./otel.js";
export type {
  JobTraceInfo,
  JobTracer,
  LaunchTrace,
  LaunchTraceOutcome,
  ReconcileTrace,
} from "./hooks.js";
