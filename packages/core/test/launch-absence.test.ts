/**
 * E5's launch rule at the transition level: a launch whose outcome is unknown is adopted or
 * proven absent, never guessed absent. Absence is proven only by a lookup that began after
 * the request ended plus the provider's `launchSettleMs`.
 */
import { describe, expect, it } from "vitest";
import {
  ConditionType,
  TimeoutError,
  recordLaunchError,
  recordLookupMiss,
  resolveEngineOptions,
  type PendingLaunch,
  type ProvisioningStatus,
} from "@provisionkit/core";
import { T0, V1, iso, status } from "./support/fixtures.js";

const options = resolveEngineOptions({
  pollIntervalMs: 10_000,
  pendingLaunchGraceMs: 30_000,
  errorBackoff: { initialMs: 1_000, factor: 2, maxMs: 60_000 },
});
/** A marker left by a process that stopped mid-launch: no `requestEndedAt`. */
const orphan: PendingLaunch = {
  type: "provision",
  correlationId: "c1",
  provider: "p",
  configVersion: V1,
  attempt: 1,
  createdAt: iso(T0),
};

/** A lookup that began at `startedAt` (and ended at `endedAt`) found nothing. */
function miss(
  pending: PendingLaunch,
  startedAt: number,
  settleMs: number | undefined,
  opts = options,
  endedAt = startedAt,
) {
  return recordLookupMiss(
    status({ pendingLaunch: pending }),
    pending,
    startedAt,
    endedAt,
    opts,
    settleMs,
  );
}

function condition(s: ProvisioningStatus) {
  return s.conditions?.find((c) => c.type === ConditionType.LaunchOutcomeUnknown);
}

describe("a launch that timed out (request ended when the call failed)", () => {
  const timedOut = recordLaunchError(
    status({ pendingLaunch: orphan }),
    orphan,
    new TimeoutError("no answer in 30 s", 30_000),
    T0 + 30_000,
    options,
  ).status.pendingLaunch as PendingLaunch;

  it("records when the request ended on the marker", () => {
    expect(timedOut.requestEndedAt).toBe(iso(T0 + 30_000));
  });

  it("keeps the marker while the backend can still create the job, and says so", () => {
    const t = miss(timedOut, T0 + 31_000, 180_000);
    const kept = t.status.pendingLaunch;
    expect(kept?.correlationId).toBe("c1");
    expect(kept?.lookups).toBe(1);
    expect(kept?.lookupAfter).toBe(iso(T0 + 41_000));
    expect(condition(t.status)).toMatchObject({ status: "True", reason: "LookingUp" });
    expect(condition(t.status)?.message).toContain(iso(T0 + 210_000));
    expect(t.events).toEqual([
      expect.objectContaining({ type: "Normal", reason: "LaunchOutcomeUnknown" }),
    ]);
  });

  it("a lookup that began one millisecond before the settle instant proves nothing", () => {
    const t = miss(timedOut, T0 + 209_999, 180_000, options, T0 + 215_000);
    expect(t.status.pendingLaunch?.correlationId).toBe("c1");
    // The next lookup is due at once: the instant has passed by the time this one ended.
    expect(t.status.pendingLaunch?.lookupAfter).toBe(iso(T0 + 215_000));
  });

  it("schedules a lookup at the settle instant exactly, not one interval past it", () => {
    const t = miss(timedOut, T0 + 205_000, 180_000);
    expect(t.status.pendingLaunch?.lookupAfter).toBe(iso(T0 + 210_000));
  });

  it("a lookup begun at the settle instant proves absence: the marker goes", () => {
    const t = miss({ ...timedOut, lookups: 18 }, T0 + 210_000, 180_000);
    expect(t.status.pendingLaunch).toBeUndefined();
    expect(t.events).toEqual([expect.objectContaining({ reason: "LaunchNotFound" })]);
    expect(t.events[0]?.message).toMatch(/19 lookups/);
  });

  it("a settle of 0 proves absence at the first lookup after the request ended", () => {
    expect(miss(timedOut, T0 + 30_000, 0).status.pendingLaunch).toBeUndefined();
  });

  it("the event is sent once, the condition stays while the lookups go on", () => {
    const first = miss(timedOut, T0 + 31_000, 180_000);
    const again = recordLookupMiss(
      first.status,
      first.status.pendingLaunch as PendingLaunch,
      T0 + 41_000,
      T0 + 41_000,
      options,
      180_000,
    );
    expect(again.events).toEqual([]);
    expect(again.status.pendingLaunch?.lookups).toBe(2);
    expect(condition(again.status)?.reason).toBe("LookingUp");
  });
});

describe("a marker left by a stopped process or another replica (no requestEndedAt)", () => {
  it("counts the request as ended at the later of the first lookup and createdAt + grace", () => {
    const early = miss(orphan, T0 + 5_000, 0);
    expect(early.status.pendingLaunch?.requestEndedAt).toBe(iso(T0 + 30_000));
    expect(early.status.pendingLaunch?.lookupAfter).toBe(iso(T0 + 15_000));
    const late = miss(orphan, T0 + 90_000, 60_000);
    expect(late.status.pendingLaunch?.requestEndedAt).toBe(iso(T0 + 90_000));
    expect(late.status.pendingLaunch?.lookupAfter).toBe(iso(T0 + 100_000));
  });

  it("the recorded end is kept: later lookups never move it", () => {
    const first = miss(orphan, T0 + 90_000, 60_000).status.pendingLaunch as PendingLaunch;
    const second = miss(first, T0 + 100_000, 60_000).status.pendingLaunch as PendingLaunch;
    expect(second.requestEndedAt).toBe(iso(T0 + 90_000));
    expect(miss(second, T0 + 150_000, 60_000).status.pendingLaunch).toBeUndefined();
  });

  it("an unparsable createdAt counts from the first lookup, never stalls", () => {
    const broken = { ...orphan, createdAt: "yesterday-ish" };
    const t = miss(broken, T0 + 1_000, 0);
    expect(t.status.pendingLaunch?.requestEndedAt).toBe(iso(T0 + 31_000));
    const next = t.status.pendingLaunch as PendingLaunch;
    expect(miss(next, T0 + 31_000, 0).status.pendingLaunch).toBeUndefined();
  });

  it("a createdAt in the future counts as now", () => {
    const t = miss({ ...orphan, createdAt: iso(T0 + 10 ** 12) }, T0 + 1_000, 0);
    expect(t.status.pendingLaunch?.requestEndedAt).toBe(iso(T0 + 31_000));
  });

  it("a far-future requestEndedAt is held to what the engine could have written", () => {
    const forged = { ...orphan, requestEndedAt: "2999-01-01T00:00:00.000Z" };
    const t = miss(forged, T0 + 1_000, 0);
    expect(t.status.pendingLaunch?.requestEndedAt).toBe(iso(T0 + 31_000));
  });
});

describe("a provider that declares no launchSettleMs", () => {
  const ended: PendingLaunch = { ...orphan, requestEndedAt: iso(T0) };

  it("never concludes absence, however long it looks: it backs off and asks a human", () => {
    let pending = ended;
    let s = status({ pendingLaunch: pending });
    const waits: number[] = [];
    let now = T0 + 1_000;
    for (let i = 0; i < 12; i++) {
      const t = recordLookupMiss(s, pending, now, now, options, undefined);
      expect(t.status.pendingLaunch).toBeDefined();
      pending = t.status.pendingLaunch as PendingLaunch;
      s = t.status;
      const next = Date.parse(pending.lookupAfter ?? "");
      waits.push(next - now);
      now = next;
    }
    expect(waits.slice(0, 4)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(Math.max(...waits)).toBe(60_000);
    expect(condition(s)).toMatchObject({ status: "True", reason: "NeedsResolution" });
    expect(condition(s)?.message).toMatch(/resolve with its job id/);
  });

  it('with unknownLaunchPolicy "relaunch" it launches again once the request has ended', () => {
    const relaunch = resolveEngineOptions({ ...options, unknownLaunchPolicy: "relaunch" });
    const t = miss(ended, T0 + 1_000, undefined, relaunch);
    expect(t.status.pendingLaunch).toBeUndefined();
    expect(t.events[0]).toMatchObject({ type: "Warning", reason: "LaunchOutcomeUnknown" });
    expect(t.events[0]?.message).toMatch(/duplicate job may exist/);
  });
});
