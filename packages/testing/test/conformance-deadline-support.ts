/**
 * Providers that hang (L1): the contract-keeping MemoryProvider with one method that never
 * answers, either honouring its AbortSignal (it rejects once aborted) or ignoring it forever.
 */
import type { CallOptions, Provider } from "@provisionkit/core";
import {
  MemoryProvider,
  memoryBackend,
  type ConformanceBackend,
  type MemoryConformanceOptions,
} from "../src/index.js";

/** The provider methods a test can make hang. */
export type HangingMethod =
  | "getProvisionStatus"
  | "getDeprovisionStatus"
  | "findJob"
  | "triggerProvision"
  | "triggerDeprovision";

/** Never settles by itself; rejects with the signal's reason once it is aborted. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
  });
}

/** Never settles, whatever happens to its signal. */
export function never(): Promise<never> {
  return new Promise(() => undefined);
}

/**
 * `provider` with `method` answering never: `honours` rejects once its signal aborts,
 * `ignores` stays pending forever.
 */
export function hanging(
  provider: Provider,
  method: HangingMethod,
  mode: "honours" | "ignores",
): Provider {
  const wrapped: Provider = {
    name: provider.name,
    triggerProvision: (r, o) => provider.triggerProvision(r, o),
    getProvisionStatus: (r, id, o) => provider.getProvisionStatus(r, id, o),
    triggerDeprovision: (r, jobs, o) => provider.triggerDeprovision(r, jobs, o),
    getDeprovisionStatus: (r, id, o) => provider.getDeprovisionStatus(r, id, o),
  };
  if (provider.findJob) wrapped.findJob = provider.findJob.bind(provider);
  if (provider.cancelJob) wrapped.cancelJob = provider.cancelJob.bind(provider);
  const hang = (...args: unknown[]): Promise<never> => {
    const options = args.at(-1) as CallOptions;
    return mode === "honours" ? untilAborted(options.signal) : never();
  };
  (wrapped as unknown as Record<string, unknown>)[method] = hang;
  return wrapped;
}

/** The memory backend (with `options`) whose providers hang on `method`. */
export function hangingBackend(
  method: HangingMethod,
  mode: "honours" | "ignores",
  options: MemoryConformanceOptions = {},
): () => ConformanceBackend {
  return () =>
    memoryBackend({
      ...options,
      provider: (backend, options) => hanging(new MemoryProvider(backend, options), method, mode),
    });
}
