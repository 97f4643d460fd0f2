/**
 * A `JobRunner` over REST, built on the provider HTTP kit (`@provisionkit/core/http`): the
 * kit sends the requests (TLS, time limit, no redirects, secrets scrubbed), retries the
 * idempotent ones, and turns every failure into core's typed errors; this file only knows
 * the runner's API:
 *
 * | call | request | answer |
 * |---|---|---|
 * | submit | `POST /jobs` with the job (and the resource's `uid`) | 201, the job |
 * | get | `GET /jobs/<id>` | 200, the job; 404 when unknown |
 * | cancel | `POST /jobs/<id>/cancel` (idempotent) | 202 |
 * | list | `GET /jobs?resource=<namespace/name>` | 200, the jobs |
 */
import { AbortedError, InvalidResponseError, isJobState } from "@provisionkit/core";
import {
  HttpTransport,
  TransportError,
  checkHttpUrl,
  checkMilliseconds,
  checkTlsOptions,
  defaultSleep,
  fromHttpStatus,
  fromTransportFailure,
  redactorFor,
  runWithRetries,
  type AttemptOutcome,
  type HttpCallContext,
  type HttpTlsOptions,
  type RetryPolicy,
  type Sleep,
} from "@provisionkit/core/http";
import type { JobRunner, RunnerJob } from "./runner-provider.js";

/** Options of {@link httpRunner}. */
export interface HttpRunnerOptions {
  /** The runner's base URL, e.g. `https://runner.example.com/api/`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`; never in errors or logs. */
  token: string;
  /** Time limit of each request. Default 10 000 ms. */
  timeoutMs?: number;
  /** TLS settings for an https URL. */
  tls?: HttpTlsOptions;
  /** Retries of reads and cancels (submissions are never retried). */
  retry?: RetryPolicy;
  /** Waits between retries. Default: a real timer. */
  sleep?: Sleep;
}

const SCOPE = "runner client";
const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  initialDelayMs: 50,
  maxDelayMs: 1000,
  maxRetryAfterMs: 0,
};

/** One request: its method and path, and whether sending it twice is harmless. */
interface Call {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  idempotent: boolean;
}

/** A `JobRunner` talking to the runner's REST API at `options.url`. */
export function httpRunner(options: HttpRunnerOptions): JobRunner {
  const base = checkHttpUrl(SCOPE, "url", options.url);
  const timeoutMs = checkMilliseconds(SCOPE, "timeoutMs", options.timeoutMs, 10_000, 1);
  const redactor = redactorFor([options.token]);
  const transport = new HttpTransport({
    timeoutMs,
    tls: checkTlsOptions(SCOPE, options.tls),
    redactor,
  });

  async function attempt(call: Call): Promise<AttemptOutcome<unknown>> {
    const path = call.path.split("?")[0] ?? call.path;
    const context: HttpCallContext = {
      prefix: `runner ${call.method} ${path}`,
      details: { method: call.method, path },
      idempotent: call.idempotent,
      redactor,
    };
    try {
      const response = await transport.send({
        method: call.method,
        url: new URL(call.path.slice(1), base).href,
        headers: { Authorization: `Bearer ${options.token}`, "Content-Type": "application/json" },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        // A submission is never resent: its own connection tells whether it was sent.
        freshConnection: !call.idempotent,
      });
      if (response.status === 404 && call.method === "GET") return { ok: true, value: undefined };
      if (response.status < 200 || response.status >= 300) {
        const failure = fromHttpStatus(context, response, {
          now: Date.now(),
          defaultRetryAfterMs: 1000,
          // The runner answers 503 before acting: only other 5xx may hide a submitted job.
          serverErrorMayHaveLanded: (status) => status !== 503,
        });
        return { ok: false, ...failure };
      }
      return {
        ok: true,
        value: response.text === "" ? undefined : (JSON.parse(response.text) as unknown),
      };
    } catch (error) {
      if (error instanceof TransportError) {
        return {
          ok: false,
          ...fromTransportFailure(context, error, { timeoutMs, what: "the job" }),
        };
      }
      if (!(error instanceof SyntaxError)) throw error;
      const message = `${context.prefix}: the answer is not JSON`;
      return {
        ok: false,
        retry: false,
        error: new InvalidResponseError(message, { outcomeUnknown: !call.idempotent }),
      };
    }
  }

  const send = (call: Call): Promise<unknown> =>
    runWithRetries(() => attempt(call), {
      idempotent: call.idempotent,
      policy: options.retry ?? DEFAULT_RETRY,
      sleep: options.sleep ?? defaultSleep,
      // JobRunner calls take no signal: each request is bounded by timeoutMs instead.
      aborted: () => new AbortedError("runner: aborted", { outcomeUnknown: false }),
    });

  return {
    submit: async (job) =>
      toJob(await send({ method: "POST", path: "/jobs", body: job, idempotent: false }), true),
    get: async (id) => {
      const job = await send({
        method: "GET",
        path: `/jobs/${encodeURIComponent(id)}`,
        idempotent: true,
      });
      return job === undefined ? undefined : toJob(job);
    },
    cancel: async (id) => {
      await send({
        method: "POST",
        path: `/jobs/${encodeURIComponent(id)}/cancel`,
        idempotent: true,
      });
    },
    list: async (resource) => {
      const path = `/jobs?resource=${encodeURIComponent(resource)}`;
      const jobs = await send({ method: "GET", path, idempotent: true });
      if (!Array.isArray(jobs)) throw new InvalidResponseError(`runner GET /jobs: not a list`);
      return jobs.map((job) => toJob(job));
    },
  };
}

/** Checks a job the runner sent (after a submission, an unreadable one may still exist). */
function toJob(value: unknown, submitted = false): RunnerJob {
  const job = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const { id, state, operation, correlationId, configVersion, uid } = job;
  if (
    typeof id !== "string" ||
    !isJobState(state) ||
    (operation !== "provision" && operation !== "deprovision") ||
    typeof correlationId !== "string" ||
    (configVersion !== undefined && typeof configVersion !== "string") ||
    (uid !== undefined && typeof uid !== "string")
  ) {
    throw new InvalidResponseError("runner: the answer is not a job", {
      outcomeUnknown: submitted,
    });
  }
  const runnerJob: RunnerJob = { id, state, operation, correlationId };
  if (configVersion !== undefined) runnerJob.configVersion = configVersion;
  if (uid !== undefined) runnerJob.uid = uid;
  return runnerJob;
}
