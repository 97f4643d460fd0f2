/**
 * The Lease client and LeaderElector on the real API-server tier (apiextensions-apiserver +
 * etcd). That server serves custom resources only, so Leases are served by a CRD in group
 * coordination.k8s.io (LEASES_CRD); the client code is the same as on a cluster. Real time,
 * short timings; the checks are bounded waits on conditions.
 */
import { KubeConfig } from "@kubernetes/client-node";
import {
  KubeApiError,
  LeaderElector,
  LeaseClient,
  microTime,
  systemTimers,
} from "@provisionkit/core/kubernetes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEASES_CRD } from "../support/leases.ts";
import {
  realApiServerRequired,
  realApiServerStatus,
  startRealApiServer,
  type RealApiServer,
} from "../support/real-apiserver.ts";

const status = realApiServerStatus();
if (!status.available && !realApiServerRequired()) {
  console.warn(
    `leader election on the real API server: NOT RUN (${status.reason ?? "unavailable"})`,
  );
}

describe.skipIf(!status.available && !realApiServerRequired())(
  "Leases on the real API server (a CRD in coordination.k8s.io)",
  () => {
    let server: RealApiServer;
    let kc: KubeConfig;
    beforeAll(async () => {
      server = await startRealApiServer({ crds: [LEASES_CRD] });
      kc = new KubeConfig();
      kc.loadFromString(server.kubeconfig);
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });

    it("LeaseClient: create, read, update with a resourceVersion precondition (409 on a stale one)", async () => {
      const leases = LeaseClient.fromKubeConfig(kc, "team-a");
      const now = microTime(Date.now());
      const record = {
        holderIdentity: "a",
        leaseDurationSeconds: 2,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      };
      const created = await leases.create("direct", record, { app: "x" });
      expect(created.record).toEqual(record);
      expect((await leases.get("direct"))?.record.renewTime).toBe(now);
      const updated = await leases.update(created, { ...record, holderIdentity: "b" });
      expect(updated.record.holderIdentity).toBe("b");
      const stale = await leases
        .update(created, { ...record, holderIdentity: "c" })
        .catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(KubeApiError);
      expect((stale as KubeApiError).status).toBe(409);
      expect((await leases.list("app=x")).map((l) => l.name)).toEqual(["direct"]);
      expect(await leases.get("missing")).toBeUndefined();
      const invalid = await leases
        .create("bad", { ...record, leaseDurationSeconds: 0 })
        .catch((e: unknown) => e);
      expect((invalid as KubeApiError).status).toBe(422);
    });

    it("LeaderElector: one leader; after a crash another takes over once the Lease expires; release on stop", async () => {
      const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };
      const events: { id: string; leading: boolean; at: number }[] = [];
      let leaders = 0;
      let maxLeaders = 0;
      const electors = ["a", "b", "c"].map(
        (id) =>
          new LeaderElector({
            leases: LeaseClient.fromKubeConfig(kc, "team-b"),
            leaseName: "leader",
            identity: id,
            timers: systemTimers,
            ...timing,
            onChange: (leading) => {
              leaders += leading ? 1 : -1;
              maxLeaders = Math.max(maxLeaders, leaders);
              events.push({ id, leading, at: performance.now() });
            },
          }),
      );
      try {
        for (const e of electors) e.start();
        await expect
          .poll(() => electors.filter((e) => e.isLeader()).length, {
            timeout: 10_000,
            interval: 20,
          })
          .toBe(1);
        const first = electors.find((e) => e.isLeader())!;
        const crashedAt = performance.now();
        await first.stop({ release: false });
        await expect
          .poll(() => electors.filter((e) => e.isLeader()).length, {
            timeout: 10_000,
            interval: 10,
          })
          .toBe(1);
        const second = electors.find((e) => e.isLeader())!;
        const takeover = events.find((e) => e.id === second.identity && e.leading)!.at - crashedAt;
        // Not before the Lease expired for the others (they saw its last renewal before the
        // crash, so: more than leaseDuration − retryPeriod after it), nor long after.
        expect(takeover).toBeGreaterThan(timing.leaseDurationMs - timing.retryPeriodMs);
        expect(takeover).toBeLessThan(timing.leaseDurationMs + 4 * timing.retryPeriodMs + 2_000);
        const releasedAt = performance.now();
        await second.stop();
        await expect
          .poll(() => electors.filter((e) => e.isLeader()).length, {
            timeout: 10_000,
            interval: 10,
          })
          .toBe(1);
        const third = electors.find((e) => e.isLeader())!;
        const afterRelease =
          events.find((e) => e.id === third.identity && e.leading)!.at - releasedAt;
        expect(afterRelease).toBeLessThan(timing.leaseDurationMs);
        expect(maxLeaders).toBe(1);
        console.log(
          `leader election on the real API server (lease ${timing.leaseDurationMs} ms, retry ${timing.retryPeriodMs} ms): takeover after a crash ${Math.round(takeover)} ms, after a release ${Math.round(afterRelease)} ms`,
        );
      } finally {
        for (const e of electors) await e.stop({ release: false });
      }
    }, 60_000);
  },
);
