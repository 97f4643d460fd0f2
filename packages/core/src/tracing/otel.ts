import {
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from "@opentelemetry/api";
import type { JobRecord } from "../job-record.js";
import { isUnsuccessful } from "../job-state.js";
import type { JobTraceInfo, JobTracer, LaunchTrace, ReconcileTrace } from "./hooks.js";
import { isTraceparent, jobPhases } from "./timing.js";

/** Options of {@link openTelemetryJobTracer}. */
export interface OpenTelemetryJobTracerOptions {
  /**
   * The tracer spans are made with. Default: `trace.getTracer("@provisionkit/core")` from
   * the globally registered tracer provider (a no-op until an SDK registers one).
   */
  tracer?: Tracer;
  /**
   * The most job spans kept open in memory, waiting for their job to end (default 10000).
   * Past it, the oldest is ended early with `provisionkit.job.evicted = true`; its job's end
   * is then recorded on a new span linked to it, as after a restart.
   */
  maxOpenJobs?: number;
}

/** The instrumentation scope name of the spans (`tracer` default). */
export const TRACER_NAME = "@provisionkit/core";

/**
 * A {@link JobTracer} on `@opentelemetry/api` (an optional peer dependency of
 * `@provisionkit/core`; no SDK is bundled: register one, or pass `options.tracer`).
 *
 * Spans (see docs/tracing.md):
 * - `provisionkit.job`, one per job, from the moment its reconcile was queued to the write
 *   of the status holding its end, with child spans `provisionkit.queued`,
 *   `provisionkit.prepare`, `provisionkit.launch`, `provisionkit.backend-queued`,
 *   `provisionkit.running` (or `provisionkit.backend`), `provisionkit.detection` and
 *   `provisionkit.status-write`. Its W3C context is what the backend is sent and what the
 *   job record keeps (`traceparent`). A job whose span is not in memory when it ends (the
 *   process restarted) gets a new `provisionkit.job` span, with every phase, linked to the
 *   first one.
 * - `provisionkit.reconcile`, one per reconcile, linked to the span of every job it acted on.
 *
 * Attributes: `provisionkit.resource`, `provisionkit.resource.uid`, `provisionkit.job.type`,
 * `provisionkit.job.id`, `provisionkit.job.state`, `provisionkit.job.attempt`,
 * `provisionkit.correlation_id`, `provisionkit.provider`, `provisionkit.config_version`. No
 * secret is ever put in a span: messages come from the engine's secret-free records.
 */
export function openTelemetryJobTracer(options: OpenTelemetryJobTracerOptions = {}): JobTracer {
  const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
  const maxOpen = options.maxOpenJobs ?? 10_000;
  /** Job spans waiting for their job's end, by traceparent (insertion order = age). */
  const open = new Map<string, Span>();

  const child = (
    parent: Context,
    name: string,
    start: number,
    end: number,
    attributes?: Attributes,
  ) => {
    tracer
      .startSpan(
        name,
        { startTime: start, kind: SpanKind.INTERNAL, ...(attributes && { attributes }) },
        parent,
      )
      .end(end);
  };

  return {
    startLaunch(info: JobTraceInfo, at: number): LaunchTrace {
      const attributes: Attributes = {
        "provisionkit.resource": info.resource,
        "provisionkit.job.type": info.type,
        "provisionkit.provider": info.provider,
        "provisionkit.correlation_id": info.correlationId,
        "provisionkit.job.attempt": info.attempt,
      };
      if (info.resourceUid !== undefined)
        attributes["provisionkit.resource.uid"] = info.resourceUid;
      if (info.configVersion !== undefined) {
        attributes["provisionkit.config_version"] = info.configVersion;
      }
      const start = info.queuedAt ?? info.reconcileStartedAt ?? Math.min(info.launchedAt, at);
      const job = tracer.startSpan(
        "provisionkit.job",
        { startTime: start, kind: SpanKind.INTERNAL, attributes },
        context.active(),
      );
      const ctx = trace.setSpan(context.active(), job);
      if (info.queuedAt !== undefined) {
        child(ctx, "provisionkit.queued", info.queuedAt, info.reconcileStartedAt ?? at);
      }
      if (info.reconcileStartedAt !== undefined) {
        child(ctx, "provisionkit.prepare", info.reconcileStartedAt, at);
      }
      const launch = tracer.startSpan(
        "provisionkit.launch",
        { startTime: at, kind: SpanKind.CLIENT, attributes },
        ctx,
      );
      const spanContext = job.spanContext();
      const traceparent = isSpanContextValid(spanContext) ? format(spanContext) : undefined;
      return {
        traceparent,
        end(outcome, endAt) {
          if (outcome.jobId !== undefined) {
            launch.setAttribute("provisionkit.job.id", outcome.jobId);
            job.setAttribute("provisionkit.job.id", outcome.jobId);
          }
          if (outcome.state !== undefined)
            launch.setAttribute("provisionkit.job.state", outcome.state);
          if (outcome.action !== undefined)
            launch.setAttribute("provisionkit.launch.action", outcome.action);
          if (outcome.error) {
            launch.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
            launch.setAttribute("provisionkit.error.code", outcome.error.code);
          }
          launch.end(endAt);
          if (outcome.jobId === undefined || traceparent === undefined) {
            // No job to wait for: the job span ends with its launch.
            if (outcome.error)
              job.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
            job.end(endAt);
            return;
          }
          open.set(traceparent, job);
          while (open.size > maxOpen) {
            const [oldest, span] = open.entries().next().value as [string, Span];
            open.delete(oldest);
            span.setAttribute("provisionkit.job.evicted", true);
            span.end(endAt);
          }
        },
      };
    },

    jobEnded(resource: string, record: JobRecord): void {
      const t0 = Date.parse(record.launchedAt);
      if (!Number.isFinite(t0)) return;
      const timing = record.timing ?? {};
      const abs = (ms: number) => t0 + ms;
      let span = record.traceparent === undefined ? undefined : open.get(record.traceparent);
      const resumed = span === undefined;
      if (span) {
        open.delete(record.traceparent!);
      } else {
        const links: Link[] = [];
        const linked = record.traceparent === undefined ? undefined : parse(record.traceparent);
        if (linked) links.push({ context: linked });
        span = tracer.startSpan(
          "provisionkit.job",
          {
            startTime: abs(Math.min(timing.queuedMs ?? 0, timing.reconcileMs ?? 0, 0)),
            kind: SpanKind.INTERNAL,
            links,
            attributes: {
              "provisionkit.resource": resource,
              "provisionkit.job.type": record.type,
              "provisionkit.provider": record.provider,
              "provisionkit.correlation_id": record.correlationId,
              "provisionkit.job.attempt": record.attempt,
              "provisionkit.job.resumed": true,
              ...(record.configVersion !== undefined && {
                "provisionkit.config_version": record.configVersion,
              }),
            },
          },
          context.active(),
        );
      }
      span.setAttribute("provisionkit.job.id", record.jobId);
      span.setAttribute("provisionkit.job.state", record.state);
      if (record.reason !== undefined) span.setAttribute("provisionkit.job.reason", record.reason);
      const ctx = trace.setSpan(context.active(), span);
      let last = 0;
      for (const phase of jobPhases(record)) {
        if (phase.endMs === undefined) continue;
        last = Math.max(last, phase.endMs);
        // The live span already recorded these three.
        if (
          !resumed &&
          (phase.name === "queued" || phase.name === "prepare" || phase.name === "launch")
        )
          continue;
        child(ctx, `provisionkit.${phase.name}`, abs(phase.startMs), abs(phase.endMs));
      }
      if (isUnsuccessful(record.state)) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: `${record.state}${record.reason ? ` (${record.reason})` : ""}`,
        });
      }
      span.end(abs(timing.writtenMs ?? timing.seenMs ?? last));
    },

    startReconcile(resource: string, at: number): ReconcileTrace {
      const links = new Map<string, Link>();
      const steps: { action: string; jobId?: string }[] = [];
      return {
        link(traceparent) {
          const linked = parse(traceparent);
          if (linked && !links.has(traceparent)) links.set(traceparent, { context: linked });
        },
        step(action, jobId) {
          if (steps.length < 16) steps.push(jobId === undefined ? { action } : { action, jobId });
        },
        end(endAt, error) {
          // Made at its end, so that its links (known only as it goes) are given at creation.
          const span = tracer.startSpan(
            "provisionkit.reconcile",
            {
              startTime: at,
              kind: SpanKind.INTERNAL,
              links: [...links.values()],
              attributes: {
                "provisionkit.resource": resource,
                "provisionkit.reconcile.steps": steps.length,
              },
            },
            context.active(),
          );
          for (const step of steps) {
            span.addEvent(
              step.action,
              step.jobId === undefined ? {} : { "provisionkit.job.id": step.jobId },
            );
          }
          if (error !== undefined) {
            const code =
              typeof error === "object" && error !== null && "code" in error
                ? String(error.code)
                : "Error";
            span.setStatus({ code: SpanStatusCode.ERROR, message: code });
          }
          span.end(endAt);
        },
      };
    },
  };
}

/** The W3C `traceparent` of a span context. */
export function format(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The remote span context of a W3C `traceparent`, or `undefined` when it is not one. */
export function parse(traceparent: string): SpanContext | undefined {
  if (!isTraceparent(traceparent)) return undefined;
  const [, traceId, spanId, flags] = traceparent.split("-") as [string, string, string, string];
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
}
