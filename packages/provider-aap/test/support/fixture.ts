import {
  isProviderError,
  type Logger,
  type ProviderError,
  type ResourceObject,
} from "@provisionkit/core";
import { onTestFinished } from "vitest";
import { AapSimulator, VirtualClock, type AapSimulatorOptions } from "@provisionkit/testing";
import { AapProvider, type AapClientOptions, type AapProviderOptions } from "../../src/index.ts";

/** How the provider is pointed at the simulator. */
export type ApiForm = "discover" | "/api/v2/" | "/api/controller/v2/";

/** The API forms every prefix-sensitive test runs with. */
export const API_FORMS: readonly ApiForm[] = ["discover", "/api/v2/", "/api/controller/v2/"];

/** The simulator's write token; tests assert it never leaks. */
export const TOKEN = "sim-token";

/** A simulator, its virtual clock, and a provider talking to it over loopback HTTP. */
export interface AapFixture {
  sim: AapSimulator;
  clock: VirtualClock;
  provider: AapProvider;
  /** Every line the provider's logger received, as `level message {fields}`. */
  logs: string[];
  /** Every delay the client asked to sleep before a retry. */
  sleeps: number[];
  stop(): Promise<void>;
}

/** A logger that records lines as text. */
export function recordingLogger(lines: string[]): Logger {
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Options of {@link startAap}. */
export interface StartOptions {
  api?: ApiForm;
  simulator?: Omit<AapSimulatorOptions, "clock">;
  provider?: Partial<Omit<AapProviderOptions, "client">>;
  /** Client options over the fixture's (url and auth come from the fixture). */
  client?: Partial<Omit<AapClientOptions, "url" | "auth">>;
  /** Configure templates before the provider starts. Default: {@link standardTemplates}. */
  templates?: (sim: AapSimulator) => void;
  token?: string;
}

/**
 * Job templates `create-compute-instance` / `delete-compute-instance` and workflow job
 * templates `create-host-pool` / `delete-host-pool`, all prompting for variables.
 */
export function standardTemplates(sim: AapSimulator): void {
  sim.addJobTemplate({ name: "create-compute-instance", allowSimultaneous: true });
  sim.addJobTemplate({ name: "delete-compute-instance", allowSimultaneous: true });
  sim.addWorkflowTemplate({ name: "create-host-pool" });
  sim.addWorkflowTemplate({ name: "delete-host-pool" });
}

/**
 * Start a simulator on a virtual clock and a provider pointed at it, within a test: the
 * simulator stops when the test finishes.
 */
export async function startAap(options: StartOptions = {}): Promise<AapFixture> {
  const clock = new VirtualClock();
  const sim = new AapSimulator({ ...options.simulator, clock });
  (options.templates ?? standardTemplates)(sim);
  const url = await sim.start();
  const logs: string[] = [];
  const sleeps: number[] = [];
  const api = options.api ?? "/api/v2/";
  const provider = new AapProvider({
    now: () => clock.now(),
    ...options.provider,
    logger: recordingLogger(logs),
    client: {
      url: api === "discover" ? url : `${url}${api}`,
      auth: { type: "bearer", token: options.token ?? TOKEN },
      timeoutMs: 5000,
      retry: { retries: 2, initialDelayMs: 100 },
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      ...options.client,
    },
  });
  onTestFinished(() => sim.stop());
  return { sim, clock, provider, logs, sleeps, stop: () => sim.stop() };
}

/** A ComputeInstance resource. */
export function computeInstance(
  name: string,
  spec: Record<string, unknown> = { cores: 2 },
): ResourceObject {
  return {
    apiVersion: "example.com/v1",
    kind: "ComputeInstance",
    metadata: { name, namespace: "default", uid: `uid-${name}`, generation: 1 },
    spec,
    status: { note: "status is not sent to AAP" },
  };
}

/** A HostPool resource (its templates are workflow job templates). */
export function hostPool(name: string): ResourceObject {
  return {
    apiVersion: "example.com/v1",
    kind: "HostPool",
    metadata: { name, namespace: "default", uid: `uid-${name}` },
    spec: { hosts: 3 },
  };
}

/** Call options with a signal nobody aborts. */
export function call(correlationId = "corr-1"): { signal: AbortSignal; correlationId: string } {
  return { signal: new AbortController().signal, correlationId };
}

/** The `ProviderError` `promise` rejects with; fails the test when it settles otherwise. */
export async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isProviderError(error)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}
