import { JobState, configVersion } from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import { call, computeInstance, startAap } from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });
const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("latency breakdown and trace context (docs/tracing.md)", () => {
  it("reports the AAP job's created, started and finished as createdTime, startTime, endTime", async () => {
    const fx = await startAap({
      simulator: { defaultScript: { pendingMs: 1000, waitingMs: 2000, runMs: 5000 } },
    });
    const resource = computeInstance("vm-1");
    const launchedAt = fx.clock.now();
    const { jobId } = await fx.provider.triggerProvision(resource, {
      ...call(),
      configVersion: V1,
    });
    fx.clock.advance(60_000);
    const status = await fx.provider.getProvisionStatus(resource, jobId, call());
    expect(status.state).toBe(JobState.Succeeded);
    const created = Date.parse(status.createdTime ?? "");
    const started = Date.parse(status.startTime ?? "");
    const ended = Date.parse(status.endTime ?? "");
    // The simulator's script: 1 s pending and 2 s waiting before it runs for 5 s.
    expect(created).toBe(launchedAt);
    expect(started - created).toBe(3000);
    expect(ended - started).toBe(5000);
  });

  it("sends the job span's traceparent as provisionkit.traceparent, and nothing when there is none", async () => {
    const fx = await startAap();
    await fx.provider.triggerProvision(computeInstance("vm-1"), {
      ...call("c-1"),
      configVersion: V1,
      traceparent: TRACEPARENT,
    });
    await fx.provider.triggerProvision(computeInstance("vm-2"), {
      ...call("c-2"),
      configVersion: V1,
    });
    const [traced, plain] = fx.sim.ledger();
    const own = (vars: Record<string, unknown>) => vars.provisionkit as Record<string, unknown>;
    expect(own(traced!.extraVars).traceparent).toBe(TRACEPARENT);
    expect("traceparent" in own(plain!.extraVars)).toBe(false);
  });
});
