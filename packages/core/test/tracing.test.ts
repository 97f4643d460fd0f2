import {
  JobState,
  jobPhases,
  parseProvisioningStatus,
  reconcile,
  type JobTracer,
  type Provider,
  type ProvisionStatus,
  type ProvisioningStatus,
  type ResourceObject,
  type TriggerProvisionOptions,
} from "@provisionkit/core";
import { openTelemetryJobTracer } from "@provisionkit/core/tracing";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";

const T0 = Date.UTC(2026, 0, 1);
const SECRET = "hunter2-do-not-trace";
const resource: ResourceObject = {
  apiVersion: "example.com/v1",
  kind: "ComputeInstance",
  metadata: { name: "vm-1", namespace: "default", uid: "uid-1", generation: 1 },
  spec: { cores: 2, password: SECRET },
};

/**
 * A provider on a virtual clock: the launch call takes 400 ms; the backend creates the job
 * 150 ms into it, starts it 3 s later and ends it 60 s after that.
 */
function scripted(clock: { now: number }) {
  const sent: TriggerProvisionOptions[] = [];
  let created = 0;
  const status = (jobId: string): ProvisionStatus => {
    const started = created + 3000;
    const finished = started + 60_000;
    const base = { jobId, createdTime: new Date(created).toISOString() };
    if (clock.now < started) return { ...base, state: JobState.Pending, message: "pending" };
    if (clock.now < finished) {
      return { ...base, state: JobState.Running, message: "running", startTime: iso(started) };
    }
    return {
      ...base,
      state: JobState.Succeeded,
      message: "done",
      startTime: iso(started),
      endTime: iso(finished),
    };
  };
  const provider: Provider = {
    name: "scripted",
    triggerProvision(_r, options) {
      sent.push(options);
      created = clock.now + 150;
      clock.now += 400;
      return Promise.resolve({
        jobId: "job:1",
        initialState: JobState.Pending,
        message: "launched",
      });
    },
    getProvisionStatus: (_r, jobId) => Promise.resolve(status(jobId)),
    triggerDeprovision: () => Promise.resolve({ action: "skipped", reason: "nothing" }),
    getDeprovisionStatus: (_r, jobId) => Promise.resolve(status(jobId)),
  };
  return { provider, sent };
}

const iso = (ms: number) => new Date(ms).toISOString();

function otel() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: () => openTelemetryJobTracer({ tracer: provider.getTracer("test") }) };
}

/** Launch at T0 (queued 1.5 s before, reconcile started 1 s before), then read it at T0 + 70 s. */
async function lifecycle(first: JobTracer | undefined, second: JobTracer | undefined = first) {
  const clock = { now: T0 };
  const { provider, sent } = scripted(clock);
  const writes: ProvisioningStatus[] = [];
  const persist = (s: ProvisioningStatus) => {
    writes.push(s);
    clock.now += 20; // each status write takes 20 ms
    return Promise.resolve();
  };
  const common = { resource, providers: provider, persist, clock: () => clock.now };
  const launched = await reconcile({
    ...common,
    status: undefined,
    queuedAt: T0 - 1500,
    startedAt: T0 - 1000,
    ...(first && { tracer: first }),
  });
  clock.now = T0 + 70_000;
  const ended = await reconcile({
    ...common,
    status: launched.status,
    queuedAt: T0 + 69_990,
    ...(second && { tracer: second }),
  });
  const job = ended.status.jobs[0]!;
  return { launched: launched.status.jobs[0]!, job, sent, writes };
}

describe("job timing in the job record", () => {
  it("records every phase as ms offsets from launchedAt, and jobPhases reads them back", async () => {
    const { launched, job } = await lifecycle(undefined);
    expect(launched.launchedAt).toBe(iso(T0));
    // The pending-launch marker write (20 ms) comes before the launch call (400 ms).
    expect(launched.timing).toEqual({
      queuedMs: -1500,
      reconcileMs: -1000,
      launchStartMs: 20,
      launchEndMs: 420,
    });
    expect(launched.traceparent).toBeUndefined();
    // Seen at T0 + 70 s; the status holding it handed to the write at once.
    expect(job.timing).toEqual({
      queuedMs: -1500,
      reconcileMs: -1000,
      launchStartMs: 20,
      launchEndMs: 420,
      createdMs: 170,
      startedMs: 3170,
      finishedMs: 63_170,
      seenMs: 70_000,
      writtenMs: 70_000,
    });
    const durations = Object.fromEntries(
      jobPhases(job).map((p) => [p.name, (p.endMs ?? NaN) - p.startMs]),
    );
    expect(durations).toEqual({
      queued: 500,
      prepare: 1020,
      launch: 400,
      "backend-queued": 3000,
      running: 60_000,
      detection: 6830,
      "status-write": 0,
    });
  });

  it("reads statuses written before timing existed, and drops a damaged timing or traceparent", () => {
    const old = {
      jobs: [
        {
          jobId: "job:1",
          type: "provision",
          state: "Succeeded",
          message: "ok",
          provider: "aap",
          correlationId: "c",
          launchedAt: iso(T0),
          updatedAt: iso(T0),
          attempt: 1,
        },
      ],
      conditions: [],
    };
    expect(parseProvisioningStatus(old).jobs[0]).not.toHaveProperty("timing");
    const damaged = {
      ...old,
      jobs: [
        {
          ...old.jobs[0],
          timing: { queuedMs: "soon", launchEndMs: 1.5, seenMs: 2e11, writtenMs: 7, extra: 1 },
          traceparent: "00-zz",
        },
      ],
    };
    const parsed = parseProvisioningStatus(damaged).jobs[0]!;
    expect(parsed.timing).toEqual({ writtenMs: 7 });
    expect(parsed).not.toHaveProperty("traceparent");
  });
});

function byName(spans: ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((s) => s.name === name);
}

function ms(time: [number, number]): number {
  return time[0] * 1000 + Math.round(time[1] / 1e6);
}

describe("OpenTelemetry spans (in-memory exporter)", () => {
  it("makes one job span with a child per phase, on the engine's clock, and sends its traceparent", async () => {
    const { exporter, tracer } = otel();
    const { job, sent } = await lifecycle(tracer());
    const spans = exporter.getFinishedSpans();
    const [jobSpan] = byName(spans, "provisionkit.job");
    expect(byName(spans, "provisionkit.job")).toHaveLength(1);
    const ctx = jobSpan!.spanContext();
    const traceparent = `00-${ctx.traceId}-${ctx.spanId}-01`;
    expect(job.traceparent).toBe(traceparent);
    expect(sent[0]!.traceparent).toBe(traceparent);

    const children = spans.filter((s) => s.parentSpanContext?.spanId === ctx.spanId);
    const tree = children
      .map((s) => [s.name, ms(s.startTime) - T0, ms(s.endTime) - T0])
      .sort((a, b) => (a[1] as number) - (b[1] as number));
    expect(tree).toEqual([
      ["provisionkit.queued", -1500, -1000],
      ["provisionkit.prepare", -1000, 20],
      ["provisionkit.launch", 20, 420],
      ["provisionkit.backend-queued", 170, 3170],
      ["provisionkit.running", 3170, 63_170],
      ["provisionkit.detection", 63_170, 70_000],
      ["provisionkit.status-write", 70_000, 70_000],
    ]);
    expect(ms(jobSpan!.startTime) - T0).toBe(-1500);
    expect(ms(jobSpan!.endTime) - T0).toBe(70_000);
    expect(jobSpan!.attributes).toMatchObject({
      "provisionkit.resource": "default/vm-1",
      "provisionkit.resource.uid": "uid-1",
      "provisionkit.job.id": "job:1",
      "provisionkit.job.type": "provision",
      "provisionkit.job.state": "Succeeded",
      "provisionkit.provider": "scripted",
      "provisionkit.correlation_id": job.correlationId,
      "provisionkit.config_version": job.configVersion,
    });
    // Both reconciles link to the job's span; nothing secret is in any span.
    const reconciles = byName(spans, "provisionkit.reconcile");
    expect(reconciles).toHaveLength(2);
    for (const r of reconciles) {
      expect(r.links.map((l) => l.context.spanId)).toEqual([ctx.spanId]);
    }
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.events, s.status]))).not.toContain(
      SECRET,
    );
  });

  it("after a restart (a new tracer), records the job on a new span linked to the first", async () => {
    const { exporter, tracer } = otel();
    const { job } = await lifecycle(tracer(), tracer());
    const jobs = byName(exporter.getFinishedSpans(), "provisionkit.job");
    // The first process's job span never ended (it died); the second's is the one exported.
    expect(jobs).toHaveLength(1);
    const resumed = jobs[0]!;
    expect(resumed.attributes["provisionkit.job.resumed"]).toBe(true);
    expect(resumed.links.map((l) => `00-${l.context.traceId}-${l.context.spanId}-01`)).toEqual([
      job.traceparent,
    ]);
    const children = exporter
      .getFinishedSpans()
      .filter((s) => s.parentSpanContext?.spanId === resumed.spanContext().spanId)
      .map((s) => s.name);
    expect(children).toContain("provisionkit.queued");
    expect(children).toContain("provisionkit.running");
  });

  it("a deprovision the provider skips ends its job span with the launch, marked skipped", async () => {
    const { exporter, tracer } = otel();
    const clock = { now: T0 };
    const { provider, sent } = scripted(clock);
    const result = await reconcile({
      resource: { ...resource, metadata: { ...resource.metadata, deletionTimestamp: iso(T0) } },
      status: undefined,
      providers: provider,
      persist: () => Promise.resolve(),
      clock: () => clock.now,
      tracer: tracer(),
    });
    expect(result.finalizer).toBe("release");
    const spans = exporter.getFinishedSpans();
    const [jobSpan] = byName(spans, "provisionkit.job");
    const [launch] = byName(spans, "provisionkit.launch");
    expect(launch!.parentSpanContext?.spanId).toBe(jobSpan!.spanContext().spanId);
    expect(launch!.attributes["provisionkit.launch.action"]).toBe("skipped");
    expect(jobSpan!.attributes["provisionkit.job.type"]).toBe("deprovision");
    expect(sent).toHaveLength(0); // the provision path was never called
    expect(result.status.jobs).toEqual([]);
  });

  it("a tracer that throws never breaks a reconcile", async () => {
    const broken: JobTracer = {
      startLaunch: () => {
        throw new Error("boom");
      },
      jobEnded: () => {
        throw new Error("boom");
      },
      startReconcile: () => {
        throw new Error("boom");
      },
    };
    const { job } = await lifecycle(broken);
    expect(job.state).toBe(JobState.Succeeded);
    expect(job.timing?.writtenMs).toBe(70_000);
  });
});
