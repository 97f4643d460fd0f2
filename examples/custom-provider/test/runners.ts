/**
 * The two runners the conformance suites run RunnerProvider on: the memory runner, and
 * the HTTP runner talking to a runner server in front of the same memory backend.
 */
import type { MemoryBackend } from "@provisionkit/testing";
import { httpRunner } from "../src/http-runner.js";
import type { JobRunner } from "../src/runner-provider.js";
import { memoryRunner } from "./memory-runner.js";
import type { RunnerServer } from "./runner-server.js";

/** Builds a runner on a conformance scenario's backend. */
export type RunnerFactory = (backend: MemoryBackend, options: { token: string }) => JobRunner;

/** `in memory` and `over HTTP` (through `server`). */
export function runners(server: RunnerServer): Record<string, RunnerFactory> {
  return {
    "in memory": (backend) => memoryRunner(backend),
    "over HTTP": (backend, { token }) => httpRunner({ url: server.urlFor(backend, token), token }),
  };
}
