import { describe, expect, it } from "vitest";
import {
  EXTERNAL_EFFECTS,
  type AapLedgerJob,
  type EdaPlaybookEffects,
  type EdaWriteBackFault,
} from "@provisionkit/testing";
import {
  A_APPLIED_CORRELATION,
  A_APPLIED_VERSION,
  computeInstance,
  payload,
  post,
  vmRef,
  withEda,
  type HarnessOptions,
} from "./eda-support.js";

// Late and lost write-backs (EdaPlaybookOptions.writeBack): the AAP job reports its outcome
// on time, the playbook's write onto the resource lands later, or never.

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

/** Starts the harness with vm-1, and a write-back fault for every job. */
async function startWith(fault: EdaWriteBackFault | undefined) {
  const asked: number[] = [];
  const harness = await start({
    playbook: {
      writeBack: (job: AapLedgerJob) => {
        asked.push(job.id);
        return fault;
      },
    },
  });
  const kube = harness.kube!;
  kube.createObject(computeInstance("vm-1"));
  const sent = await post(
    `${harness.webhookUrl}/create-compute-instance`,
    payload("vm-1", "provision", "c-1", "v1"),
  );
  expect(sent.status).toBe(200);
  await harness.eda.pump(); // launches
  harness.clock.advance(RUN_MS);
  await harness.eda.pump(); // the job ended
  const applied = () => kube.getObject(vmRef("vm-1"))?.metadata.annotations?.[A_APPLIED_VERSION];
  return { harness, asked, applied };
}

describe("EDA simulator: late and lost write-backs", () => {
  it("a late write-back lands at the first pump past the job's end plus the delay, once", async () => {
    const { harness, asked, applied } = await startWith({ delayMs: 5_000 });
    const [job] = harness.aap.ledger();
    expect(job?.status).toBe("successful");
    expect(applied()).toBeUndefined();
    expect(harness.eda.effects()).toEqual([]);
    harness.clock.advance(4_999);
    await harness.eda.pump();
    expect(applied()).toBeUndefined();
    harness.clock.advance(1);
    await harness.eda.pump();
    expect(applied()).toBe("v1");
    expect(harness.eda.effects()).toMatchObject([
      { jobId: job!.id, outcome: "applied", jobFinishedAt: job!.finishedAt },
    ]);
    expect(harness.eda.effects()[0]!.at - job!.finishedAt!).toBe(5_000);
    await harness.eda.pump();
    expect(harness.eda.effects()).toHaveLength(1);
    // The fault is asked for once per job, not at every pump.
    expect(asked).toEqual([job!.id]);
  });

  it("a lost write-back never lands and is recorded skipped", async () => {
    const { harness, applied } = await startWith({ lost: true });
    harness.clock.advance(60_000);
    await harness.eda.pump();
    expect(applied()).toBeUndefined();
    expect(
      harness.kube!.getObject(vmRef("vm-1"))?.metadata.annotations?.[A_APPLIED_CORRELATION],
    ).toBeUndefined();
    expect(harness.eda.effects()).toMatchObject([
      { outcome: "skipped", reason: "write-back lost (injected fault)", changes: [] },
    ]);
  });

  it("without a fault the write-back lands when the job ends", async () => {
    const { harness, applied } = await startWith(undefined);
    expect(applied()).toBe("v1");
    expect(harness.eda.effects()).toMatchObject([{ outcome: "applied" }]);
  });

  it("refuses a negative delay", async () => {
    await expect(startWith({ delayMs: -1 })).rejects.toThrow(RangeError);
  });
});

describe('EDA simulator: playbook.effects "external" (a real playbook writes)', () => {
  it("writes nothing for an ended job, records it skipped at once, and never asks for a write-back fault", async () => {
    const { harness, asked, applied } = await startWithEffects("external");
    const [job] = harness.aap.ledger();
    expect(job?.status).toBe("successful");
    const object = harness.kube!.getObject(vmRef("vm-1"))!;
    expect(applied()).toBeUndefined();
    expect(object.metadata.finalizers ?? []).toEqual([]);
    expect(harness.eda.effects()).toMatchObject([
      {
        jobId: job!.id,
        outcome: "skipped",
        reason: EXTERNAL_EFFECTS,
        changes: [],
        attempts: 0,
        jobStatus: "successful",
        at: job!.finishedAt,
      },
    ]);
    await harness.eda.pump();
    expect(harness.eda.effects()).toHaveLength(1);
    expect(asked).toEqual([]);
  });

  it('"modelled" (the default) writes, as before', async () => {
    const { harness, applied } = await startWithEffects("modelled");
    expect(applied()).toBe("v1");
    expect(harness.eda.effects()).toMatchObject([{ outcome: "applied" }]);
  });

  it("refuses an unknown value", async () => {
    await expect(startWithEffects("real" as EdaPlaybookEffects)).rejects.toThrow(
      /playbook.effects must be/,
    );
  });
});

/** startWith, with `playbook.effects` set and a write-back fault that records who asked. */
async function startWithEffects(effects: EdaPlaybookEffects) {
  const asked: number[] = [];
  const harness = await start({
    playbook: {
      effects,
      writeBack: (job: AapLedgerJob) => {
        asked.push(job.id);
        return undefined;
      },
    },
  });
  const kube = harness.kube!;
  kube.createObject(computeInstance("vm-1"));
  const sent = await post(
    `${harness.webhookUrl}/create-compute-instance`,
    payload("vm-1", "provision", "c-1", "v1"),
  );
  expect(sent.status).toBe(200);
  await harness.eda.pump();
  harness.clock.advance(RUN_MS);
  await harness.eda.pump();
  const applied = () => kube.getObject(vmRef("vm-1"))?.metadata.annotations?.[A_APPLIED_VERSION];
  return { harness, asked, applied };
}
