/**
 * Your backend's stand-in for the conformance suite: the `JobRunner` client implemented on
 * the testing package's `MemoryBackend` (jobs on the suite's virtual clock, a ledger, and
 * fault controls), with its 429/503 answers turned into core's errors as a real client
 * would turn HTTP answers into them.
 */
import { RateLimitError, TransientError } from "@provisionkit/core";
import {
  MemoryBackendFault,
  type MemoryBackend,
  type MemoryJob,
  type MemoryLaunch,
} from "@provisionkit/testing";
import type { JobRunner, RunnerJob } from "../src/runner-provider.js";

/** The `RunnerJob` your backend would report for a memory job. */
export function toRunnerJob(job: MemoryJob): RunnerJob {
  const { id, state, operation, correlationId, configVersion, resourceUid } = job;
  const runnerJob: RunnerJob = { id, state, operation, correlationId };
  if (configVersion !== undefined) runnerJob.configVersion = configVersion;
  if (resourceUid !== undefined) runnerJob.uid = resourceUid;
  return runnerJob;
}

/** The memory backend's launch of a job submitted to the runner. */
export function launchOf(job: Parameters<JobRunner["submit"]>[0]): MemoryLaunch {
  const { resource, uid, ...rest } = job;
  return { ...rest, resourceKey: resource, ...(uid === undefined ? {} : { resourceUid: uid }) };
}

function request<T>(backend: MemoryBackend, kind: "launch" | "read", run: () => T): Promise<T> {
  try {
    backend.request(kind);
    return Promise.resolve(run());
  } catch (error) {
    if (!(error instanceof MemoryBackendFault)) throw error;
    return Promise.reject(
      error.status === 429
        ? new RateLimitError("runner: 429 Too Many Requests", error.retryAfterMs)
        : new TransientError("runner: 503 Service Unavailable"),
    );
  }
}

/** A `JobRunner` on a memory backend. */
export function memoryRunner(backend: MemoryBackend): JobRunner {
  return {
    submit: (job) => request(backend, "launch", () => toRunnerJob(backend.launch(launchOf(job)))),
    get: (id) =>
      request(backend, "read", () => {
        const job = backend.job(id);
        return job && toRunnerJob(job);
      }),
    cancel: (id) => request(backend, "read", () => backend.cancel(id)),
    list: (resource) => request(backend, "read", () => backend.jobsFor(resource).map(toRunnerJob)),
  };
}
