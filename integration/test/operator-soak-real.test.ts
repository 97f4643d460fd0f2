import { formatReport, formatScenarioFailure, runOperatorConformance } from "@provisionkit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SOAK_BACKENDS, soakSubject } from "../conformance/soak.mjs";
import { CRD } from "../support/cluster.ts";
import {
  realApiServerRequired,
  realApiServerStatus,
  startRealApiServer,
} from "../support/real-apiserver.ts";
import type { RealApiServer } from "../support/real-apiserver.ts";

// The operator soak on the real API server (apiextensions-apiserver + etcd), with the API
// server process killed (SIGKILL) and started again mid-run: every controller's watches and
// requests break, the suite's own writes are refused for a moment, and afterwards every
// lifecycle still ends with no duplicate, overlap, orphan or stuck object. On a cluster the
// soak injects no Kubernetes faults (it does not own that server); the AAP simulator's are
// injected as on the simulator.

const status = realApiServerStatus();
/**
 * When the API server is killed, after the soak started, ms; and how many lifecycles run. Early
 * and many, so that the kill lands while lifecycles run whatever the machine's speed: on an
 * idle machine 10 lifecycles took 2.6 s in all, and a kill at 4 s came after the soak ended
 * (the check below that it did not is what failed).
 */
const KILL_AFTER_MS = 1_000;
const LIFECYCLES = 20;

describe.skipIf(!status.available && !realApiServerRequired())(
  "the operator soak on the real API server, killed and restarted mid-run",
  () => {
    let server: RealApiServer | undefined;
    beforeAll(async () => {
      server = await startRealApiServer({ crds: [CRD] });
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });

    it(
      "with AapProvider: every lifecycle ends, all figures 0, across the restart",
      {
        timeout: 180_000,
      },
      async () => {
        const running = server as RealApiServer;
        let restart: Promise<{ at: number; tookMs: number }> | undefined;
        const report = await runOperatorConformance({
          ...soakSubject(SOAK_BACKENDS.AapProvider),
          cluster: { kubeconfig: running.kubeconfig, namespace: "soak" },
          soak: { lifecycles: LIFECYCLES, faultRate: 0.05, seed: 7 },
          onProgress(event) {
            if (event.type !== "scenario-start" || restart) return;
            restart = new Promise((resolve, reject) => {
              setTimeout(() => {
                const began = performance.now();
                running
                  .restartApiServer()
                  .then(
                    () =>
                      resolve({ at: KILL_AFTER_MS, tookMs: Math.round(performance.now() - began) }),
                    reject,
                  );
              }, KILL_AFTER_MS);
            });
          },
        });
        const restarted = await restart;
        const text = `${formatReport(report)}\n${report.scenarios
          .filter((s) => s.status === "failed")
          .map((s) => formatScenarioFailure(s))
          .join("\n")}`;
        // The restart happened while the lifecycles ran.
        expect(restarted, text).toBeDefined();
        expect(report.soak!.durationMs, text).toBeGreaterThan(KILL_AFTER_MS + restarted!.tookMs);
        expect(report.passed, text).toBe(true);
        expect(report.soak, text).toMatchObject({
          lifecycles: LIFECYCLES,
          completed: LIFECYCLES,
          duplicates: 0,
          overlaps: 0,
          orphans: 0,
          stuck: 0,
          wrongVersions: 0,
          lateCalls: 0,
        });
        expect(
          Object.keys(report.soak!.faults).some((k) => k.startsWith("kube-")),
          text,
        ).toBe(false);
        console.log(
          `API server killed at ${KILL_AFTER_MS} ms, ready again ${restarted!.tookMs} ms later\n${text}`,
        );
      },
    );
  },
);
