import { describe, expect, it } from "vitest";
import {
  AbortedError,
  JobState,
  reconcile,
  type Provider,
  type ProvisioningStatus,
  type ResourceObject,
} from "@provisionkit/core";
import { T0 } from "./support/fixtures.js";

// reconcile's launchSignal: a shutdown (the controller's stop()) aborts polls at once but
// lets a launch under way answer, so its job is recorded rather than left as a launch of
// unknown outcome that a provider without findJob cannot resolve (E5). Found by the
// operator soak with EdaProvider: a controller stopped while it sent an event left the
// object waiting for a human (LaunchOutcomeUnknown), although the event had been carried out.

const resource: ResourceObject = {
  metadata: { name: "r", namespace: "ns", generation: 1 },
  spec: { cores: 1 },
};

/** A provider whose launch answers when `release()` is called, or rejects on abort. */
function gatedProvider() {
  let release: () => void = () => undefined;
  let started: () => void = () => undefined;
  const launchStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const provider: Provider = {
    name: "gated",
    triggerProvision: (_r, { signal }) =>
      new Promise((resolve, reject) => {
        const abort = () => reject(new AbortedError("launch aborted by the caller"));
        if (signal.aborted) return abort();
        signal.addEventListener("abort", abort, { once: true });
        release = () => resolve({ jobId: "job-1", initialState: JobState.Pending, message: "ok" });
        started();
      }),
    getProvisionStatus: () => Promise.reject(new Error("not expected")),
    triggerDeprovision: () => Promise.reject(new Error("not expected")),
    getDeprovisionStatus: () => Promise.reject(new Error("not expected")),
  };
  return { provider, launchStarted, release: () => release() };
}

async function run(withLaunchSignal: "separate" | "same") {
  const gated = gatedProvider();
  const shutdown = new AbortController();
  const launches = new AbortController();
  const persisted: ProvisioningStatus[] = [];
  const done = reconcile({
    resource,
    status: undefined,
    providers: gated.provider,
    persist: (status) => {
      persisted.push(status);
      return Promise.resolve();
    },
    clock: () => T0,
    signal: shutdown.signal,
    ...(withLaunchSignal === "separate" ? { launchSignal: launches.signal } : {}),
  });
  const settled = done.then(
    () => "resolved" as const,
    (error: unknown) => error,
  );
  await gated.launchStarted;
  shutdown.abort();
  gated.release();
  const outcome = await settled;
  return { outcome, last: persisted.at(-1), launches };
}

describe("reconcile's launchSignal (a shutdown lets a launch under way answer)", () => {
  it("with a launch signal not aborted: the launch answers, its job is persisted, then the reconcile stops", async () => {
    const { outcome, last } = await run("separate");
    expect(outcome).toBeInstanceOf(AbortedError);
    expect(last?.pendingLaunch).toBeUndefined();
    expect(last?.jobs.map((j) => [j.jobId, j.type])).toEqual([["job-1", "provision"]]);
  });

  it("without one (the shutdown signal aborts the launch too): the launch is left pending, outcome unknown", async () => {
    const { outcome, last } = await run("same");
    expect(outcome).toBeInstanceOf(AbortedError);
    expect(last?.pendingLaunch?.type).toBe("provision");
    expect(last?.jobs).toEqual([]);
  });

  it("a launch signal aborted in turn aborts the launch (the grace is bounded)", async () => {
    const gated = gatedProvider();
    const shutdown = new AbortController();
    const launches = new AbortController();
    const persisted: ProvisioningStatus[] = [];
    const done = reconcile({
      resource,
      status: undefined,
      providers: gated.provider,
      persist: (status) => {
        persisted.push(status);
        return Promise.resolve();
      },
      clock: () => T0,
      signal: shutdown.signal,
      launchSignal: launches.signal,
    });
    await gated.launchStarted;
    shutdown.abort();
    launches.abort();
    await expect(done).rejects.toBeInstanceOf(AbortedError);
    expect(persisted.at(-1)?.pendingLaunch?.type).toBe("provision");
    expect(persisted.at(-1)?.jobs).toEqual([]);
  });
});
