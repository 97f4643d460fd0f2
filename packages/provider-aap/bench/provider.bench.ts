/**
 * AapProvider over real loopback HTTP against the AAP simulator: what one status read,
 * one launch and one deprovision check cost end to end (client, axios, JSON, schema
 * checks, simulator). Run with `pnpm bench`; vitest prints ops/s and latency percentiles.
 * The figures bound how many resources one operator replica can poll per second; they
 * include the simulator's own cost, so a real AAP is slower, never faster.
 */
import { afterAll, beforeAll, bench, describe } from "vitest";
import { JobState, configVersion, type JobRecord } from "@provisionkit/core";
import { AapSimulator, VirtualClock } from "@provisionkit/testing";
import { AapProvider } from "@provisionkit/provider-aap";

const clock = new VirtualClock();
const sim = new AapSimulator({ clock, defaultScript: { runMs: 1e12 } });
sim.addJobTemplate({ name: "create-compute-instance", allowSimultaneous: true });
sim.addJobTemplate({ name: "delete-compute-instance", allowSimultaneous: true });
let provider: AapProvider;
let jobId = "";
let record: JobRecord;
const signal = new AbortController().signal;
const resource = {
  apiVersion: "example.com/v1",
  kind: "ComputeInstance",
  metadata: { name: "vm-1", namespace: "default", uid: "u1" },
  spec: { cores: 2, image: "rhel-9", disks: [{ size: 20 }, { size: 100 }] },
};
const V1 = configVersion(resource.spec);
let n = 0;

beforeAll(async () => {
  const url = await sim.start();
  provider = new AapProvider({
    client: { url: `${url}/api/controller/v2/`, auth: { type: "bearer", token: "sim-token" } },
  });
  const launched = await provider.triggerProvision(resource, {
    signal,
    correlationId: "bench",
    configVersion: V1,
  });
  jobId = launched.jobId;
  record = {
    jobId,
    type: "provision",
    state: JobState.Succeeded,
    message: "",
    provider: "aap",
    correlationId: "bench",
    launchedAt: new Date(clock.now()).toISOString(),
    updatedAt: new Date(clock.now()).toISOString(),
    attempt: 1,
  };
});
afterAll(() => sim.stop());

describe("AapProvider over loopback HTTP", () => {
  bench("getProvisionStatus (one GET jobs/{id}/)", async () => {
    await provider.getProvisionStatus(resource, jobId, { signal });
  });

  bench("triggerProvision (cached template, one POST launch/)", async () => {
    await provider.triggerProvision(resource, {
      signal,
      correlationId: `bench-${++n}`,
      configVersion: V1,
    });
  });

  bench("triggerDeprovision: running provision job → cancel → waiting", async () => {
    await provider.triggerDeprovision(resource, [{ ...record, state: JobState.Running }], {
      signal,
      correlationId: `bench-d-${++n}`,
    });
  });
});
