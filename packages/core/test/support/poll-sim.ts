/**
 * A deterministic simulation of the poll policy: the real engine (`reconcile`) drives
 * provision lifecycles against a provider whose jobs run a scripted time on a virtual
 * clock, the way a controller would (one `JobDurationEstimator` across lifecycles, fed the
 * jobs that ended; the clock moved to each requeue, or to a completion signal's arrival).
 * It counts the AAP-like calls (one launch, the reads) and measures detection latency:
 * from a job's end to the read that saw it.
 */
import {
  JobDurationEstimator,
  JobState,
  isTerminal,
  reconcile,
  type EngineOptionsInput,
  type Provider,
  type ProvisioningStatus,
  type ReconcileArgs,
  type ResourceObject,
} from "@provisionkit/core";

/** One simulated workload. */
export interface PollSimOptions {
  /** Nominal job duration, ms. */
  durationMs: number;
  /** Lifecycles (one provision job each), run one after the other. */
  lifecycles: number;
  /** Relative spread of job durations: each is `durationMs × (1 + jitter × (u − ½))`. */
  jitter: number;
  /** Seed of the deterministic random sequence. */
  seed: number;
  /** Whether the caller learns durations and passes `expectedDurationMs` (the adaptive poll). */
  adaptive: boolean;
  /** Completion signals: arrival delay after the job's end, and the share lost. */
  signals?: { delayMs: number; lossRate: number };
  /** Engine options. */
  engine?: EngineOptionsInput;
}

/** What one run measured, per lifecycle in order. */
export interface PollSimResult {
  /** Status reads of each lifecycle's job. */
  reads: number[];
  /** Detection latency of each job (ms): the read that saw it ended − its end. */
  latencies: number[];
  /** Each job's duration (ms). */
  durations: number[];
}

/** A deterministic uniform sequence in [0, 1) (a 32-bit LCG). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Run the simulation. */
export async function simulatePolling(options: PollSimOptions): Promise<PollSimResult> {
  const next = random(options.seed);
  let now = Date.UTC(2026, 0, 1);
  const jobs = new Map<string, { end: number; reads: number }>();
  let launches = 0;
  const provider: Provider = {
    name: "sim",
    triggerProvision: (_resource, call) => {
      const jobId = `job-${++launches}`;
      const duration = options.durationMs * (1 + options.jitter * (next() - 0.5));
      jobs.set(jobId, { end: now + duration, reads: 0 });
      void call;
      return Promise.resolve({ jobId, initialState: JobState.Pending, message: "launched" });
    },
    getProvisionStatus: (_resource, jobId) => {
      const job = jobs.get(jobId);
      if (!job) throw new Error(`no job ${jobId}`);
      job.reads++;
      const ended = now >= job.end;
      return Promise.resolve({
        jobId,
        state: ended ? JobState.Succeeded : JobState.Running,
        message: ended ? "successful" : "running",
      });
    },
    triggerDeprovision: () => Promise.resolve({ action: "skipped", reason: "not simulated" }),
    getDeprovisionStatus: (_resource, jobId) =>
      Promise.resolve({ jobId, state: JobState.Succeeded, message: "" }),
  };
  const estimator = new JobDurationEstimator();
  const result: PollSimResult = { reads: [], latencies: [], durations: [] };
  for (let i = 0; i < options.lifecycles; i++) {
    const resource: ResourceObject = { metadata: { name: `r${i}` }, spec: { i } };
    let status: ProvisioningStatus | undefined;
    let signalAt: number | undefined;
    let signalFor: string | undefined;
    let launchedBefore = launches;
    for (let round = 0; ; round++) {
      if (round > 100_000) throw new Error("the lifecycle did not end");
      const args: ReconcileArgs = {
        resource,
        status,
        providers: provider,
        clock: () => now,
        newCorrelationId: () => `c-${i}-${round}`,
        persist: (s) => {
          status = s;
          return Promise.resolve();
        },
        ...(options.engine ? { options: options.engine } : {}),
      };
      if (options.adaptive) args.expectedDurationMs = (job) => estimator.estimate(job);
      if (options.signals) {
        args.signalsActive = () => true;
        if (signalFor !== undefined && signalAt !== undefined && now >= signalAt) {
          args.signaledJobIds = new Set([signalFor]);
          signalAt = undefined;
        }
      }
      const out = await reconcile(args);
      status = out.status;
      if (launches > launchedBefore) {
        launchedBefore = launches;
        const id = `job-${launches}`;
        const job = jobs.get(id);
        if (options.signals && job && next() >= options.signals.lossRate) {
          signalFor = id;
          signalAt = job.end + options.signals.delayMs;
        }
      }
      const record = status.jobs.at(-1);
      if (record && isTerminal(record.state)) {
        const job = jobs.get(record.jobId);
        if (!job) throw new Error(`no job ${record.jobId}`);
        result.reads.push(job.reads);
        result.latencies.push(now - job.end);
        result.durations.push(job.end - Date.parse(record.launchedAt));
        if (options.adaptive) estimator.record(record);
        break;
      }
      let wake = now + (out.requeueAfterMs ?? 60_000);
      if (signalAt !== undefined && signalAt < wake) wake = Math.max(now, signalAt);
      now = wake;
    }
    now += 1_000;
  }
  return result;
}

/** The `q` quantile (nearest rank) of `values`. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

/** The mean of `values`. */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
