/**
 * Your backend's stand-in for the conformance suite: the `JobRunner` client implemented on
 * the testing package's `MemoryBackend` (jobs on the suite's virtual clock, a ledger, and
 * fault controls), with its 429/503 answers turned into core's errors as a real client
 * would turn HTTP answers into them.
 */
import { RateLimitError, TransientError } from "@provisionkit/core";
import { MemoryBackendFault, type MemoryBackend, type MemoryJob } from "@provisionkit/testing";
import type { JobRunner, RunnerJob } from "../src/runner-provider.js";

/** The `RunnerJob` your backend would report for a memory job. */
export function toRunnerJob(job: MemoryJob): RunnerJob {
  const { id, state, operation, correlationId, configVersion } = job;
  return configVersion === undefined
    ? { id, state, operation, correlationId }
    : { id, state, operation, correlationId, configVersion };
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
    submit: (job) =>
      request(backend, "launch", () =>
        toRunnerJob(backend.launch({ ...job, resourceKey: job.resource })),
      ),
    get: (id) =>
      request(backend, "read", () => {
        const job = backend.job(id);
        return job && toRunnerJob(job);
      }),
    cancel: (id) => request(backend, "read", () => backend.cancel(id)),
    list: (resource) => request(backend, "read", () => backend.jobsFor(resource).map(toRunnerJob)),
  };
}
