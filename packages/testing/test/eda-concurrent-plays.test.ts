import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { EdaSimulator } from "@provisionkit/testing";
import {
  A_APPLIED_VERSION,
  computeInstance,
  payload,
  post,
  vmRef,
  withEda,
  type HarnessOptions,
} from "./eda-support.js";

// Each AAP job runs its own playbook (AWX starts every job that fits the capacity, each its
// own ansible-playbook process): the write-backs of jobs that ended together are made
// together. Before, the EdaSimulator played them one after the other in one pump, so one
// slow write-back held every other (about 0.9 s of lag measured in the EdaProvider soak).

const RUN_MS = 1_000;
const RULES: HarnessOptions["rules"] = [
  { endpoint: "create-compute-instance", template: "provision" },
];

const { start } = withEda({
  kube: true,
  rules: RULES,
  setup: (aap) => {
    const script = { pendingMs: 0, waitingMs: 0, runMs: RUN_MS };
    aap.addJobTemplate({ name: "provision", script, allowSimultaneous: true });
  },
  activation: { executionStrategy: "parallel" },
});

/** How long the proxy holds vm-1's requests at most when nothing releases them, ms. */
const HOLD_MS = 5_000;

describe("EDA simulator: playbooks of different jobs run at once", () => {
  it("a write-back held up does not hold up another job's: vm-2's lands while vm-1's waits", async () => {
    const harness = await start();
    const kube = harness.kube!;
    kube.createObject(computeInstance("vm-1"));
    kube.createObject(computeInstance("vm-2"));
    // A proxy in front of the API server holds vm-1's requests until vm-2's write-back is
    // recorded (or HOLD_MS passed: only when the plays are serial, which this test refuses).
    const held: { eda?: EdaSimulator } = {};
    const vm2Played = () =>
      held.eda?.effects().some((e) => e.resourceKey === "default/vm-2") === true;
    const release = async (req: IncomingMessage) => {
      if (!(req.url ?? "").includes("/vm-1")) return;
      const until = Date.now() + HOLD_MS;
      while (!vm2Played() && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const proxy = createServer((req, res) => {
      void release(req).then(() => {
        const upstream = httpRequest(
          `${kube.url}${req.url ?? "/"}`,
          { method: req.method, headers: req.headers, agent: false },
          (reply) => {
            res.writeHead(reply.statusCode ?? 502, reply.headers);
            reply.pipe(res);
          },
        );
        req.pipe(upstream);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const eda = new EdaSimulator({
      clock: harness.clock,
      aap: harness.aap,
      kubernetes: { server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` },
      rules: RULES,
      activation: { executionStrategy: "parallel" },
    });
    held.eda = eda;
    const { webhookUrl } = await eda.start();
    try {
      for (const [name, correlation] of [
        ["vm-1", "c-1"],
        ["vm-2", "c-2"],
      ] as const) {
        const sent = await post(
          `${webhookUrl}/create-compute-instance`,
          payload(name, "provision", correlation, "v1"),
        );
        expect(sent.status).toBe(200);
      }
      await eda.pump(); // both launch
      const jobs = harness.aap.ledger();
      expect(jobs.map((j) => j.resourceKey)).toEqual(["default/vm-1", "default/vm-2"]);
      harness.clock.advance(RUN_MS);
      const started = Date.now();
      await eda.pump(); // both ended: both playbooks write
      // The serial runner played vm-1's job first (lower id), held for HOLD_MS.
      expect(eda.effects().map((e) => [e.resourceKey, e.outcome])).toEqual([
        ["default/vm-2", "applied"],
        ["default/vm-1", "applied"],
      ]);
      expect(Date.now() - started).toBeLessThan(HOLD_MS);
      for (const name of ["vm-1", "vm-2"]) {
        expect(kube.getObject(vmRef(name))?.metadata.annotations?.[A_APPLIED_VERSION]).toBe("v1");
      }
    } finally {
      await eda.stop();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it("plays each job once when pumps overlap", async () => {
    const harness = await start();
    const kube = harness.kube!;
    kube.createObject(computeInstance("vm-1"));
    const sent = await post(
      `${harness.webhookUrl}/create-compute-instance`,
      payload("vm-1", "provision", "c-1", "v1"),
    );
    expect(sent.status).toBe(200);
    await harness.eda.pump();
    harness.clock.advance(RUN_MS);
    // Three pumps at once: the job's playbook is started by the first only.
    await Promise.all([harness.eda.pump(), harness.eda.pump(), harness.eda.pump()]);
    expect(harness.eda.effects()).toHaveLength(1);
    expect(kube.requests().filter((r) => r.method === "PATCH")).toHaveLength(2);
  });
});
