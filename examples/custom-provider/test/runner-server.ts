/**
 * Your runner's REST API as the tests see it: a loopback server (the testing package's
 * `ScriptedHttpServer`) in front of memory backends, with the conformance suites' fault
 * controls turned into HTTP answers (429 with `Retry-After`, 503, a lost 504 answer).
 * Each backend gets a base URL of its own, so one server serves every scenario of a file.
 */
import {
  MemoryBackendFault,
  ScriptedHttpServer,
  empty,
  json,
  respond,
  type MemoryBackend,
  type RecordedRequest,
  type Reply,
} from "@provisionkit/testing";
import type { JobRunner } from "../src/runner-provider.js";
import { launchOf, toRunnerJob } from "./memory-runner.js";

/** A runner server; `close()` it after the file's tests. */
export interface RunnerServer {
  /** The base URL serving `backend`, which accepts `token`. */
  urlFor(backend: MemoryBackend, token: string): string;
  /** Stops the server. */
  close(): Promise<void>;
}

const ROUTE = /^\/runner-(\d+)\/jobs(?:\/([^/]+)(\/cancel)?)?$/;

function answer(
  backend: MemoryBackend,
  request: RecordedRequest,
  id: string | undefined,
  cancel: boolean,
): Reply {
  const { method } = request;
  if (method === "POST" && id === undefined) {
    const job = JSON.parse(request.body) as Parameters<JobRunner["submit"]>[0];
    const launched = backend.launch(launchOf(job));
    backend.deliver(job.operation);
    return json(201, toRunnerJob(launched));
  }
  backend.request("read");
  if (method === "POST" && id !== undefined && cancel) {
    backend.cancel(id);
    return empty(202);
  }
  if (method === "GET" && id !== undefined) {
    const job = backend.job(id);
    return job ? json(200, toRunnerJob(job)) : json(404, { detail: "no such job" });
  }
  if (method === "GET")
    return json(200, backend.jobsFor(request.query.get("resource") ?? "").map(toRunnerJob));
  return json(405, { detail: "method not allowed" });
}

/** Starts a runner server on 127.0.0.1. */
export async function startRunnerServer(): Promise<RunnerServer> {
  const backends = new Map<MemoryBackend, { id: string; token: string }>();
  const byId = new Map<string, { backend: MemoryBackend; token: string }>();
  const server = await ScriptedHttpServer.start({
    fallback: respond((request) => {
      const [, id = "", jobId, cancel] = ROUTE.exec(request.path) ?? [];
      const runner = byId.get(id);
      if (runner === undefined) return json(404, { detail: "no such runner" });
      if (request.headers.authorization !== `Bearer ${runner.token}`)
        return json(401, { detail: "bad token" });
      try {
        return answer(runner.backend, request, jobId, cancel !== undefined);
      } catch (error) {
        if (!(error instanceof MemoryBackendFault)) throw error;
        const retryAfter = { "retry-after": String(Math.ceil(error.retryAfterMs / 1000)) };
        return json(
          error.status,
          { detail: error.message },
          error.status === 429 ? retryAfter : {},
        );
      }
    }),
  });
  return {
    urlFor: (backend, token) => {
      let entry = backends.get(backend);
      if (entry === undefined) {
        entry = { id: String(backends.size + 1), token };
        backends.set(backend, entry);
        byId.set(entry.id, { backend, token });
      }
      return `${server.url}/runner-${entry.id}/`;
    },
    close: () => server.close(),
  };
}
