import { describe, expect, it } from "vitest";
import type { AapLedgerJob } from "../src/aap/records.js";
import { VirtualClock } from "../src/clock.js";
import type { AapClient } from "../src/eda/aap-client.js";
import type { ClientResponse } from "../src/eda/http-client.js";
import type { KubeClient, ObjectLocation } from "../src/eda/kube-client.js";
import { resolveOptions } from "../src/eda/options.js";
import { PLAYBOOK_CONCURRENCY, PlaybookRunner } from "../src/eda/playbook.js";
import type { EdaEffectRecord, EdaSimulatorOptions } from "../src/eda/index.js";
import { payload } from "./eda-support.js";

// The EdaSimulator plays at most PLAYBOOK_CONCURRENCY (32) jobs' write-backs at once; the jobs
// past it wait for a later pump, and start as others end (src/eda/playbook.ts; the bound is an
// assumption standing for AWX's instance capacity). Every Kubernetes call of the fake client
// below waits until the test releases it, so what is in flight is counted exactly.

const JOBS = 40;

/** A Kubernetes client whose GETs wait for the test; its patches answer 200 at once. */
class HeldKube {
  readonly held: { name: string; release: () => void }[] = [];
  gets = 0;

  get(location: ObjectLocation): Promise<ClientResponse> {
    this.gets++;
    return new Promise((resolve) => {
      this.held.push({
        name: location.name,
        release: () => resolve(answer({ metadata: { name: location.name, resourceVersion: "1" } })),
      });
    });
  }

  mergePatch(): Promise<ClientResponse> {
    return Promise.resolve(answer({}));
  }

  jsonPatch(): Promise<ClientResponse> {
    return Promise.resolve(answer({}));
  }
}

function answer(json: unknown): ClientResponse {
  return { status: 200, text: JSON.stringify(json), json };
}

function job(id: number, finishedAt: number): AapLedgerJob {
  return {
    id,
    kind: "job",
    templateId: 1,
    templateName: "provision",
    organization: "Default",
    extraVars: {
      ansible_eda: { event: { payload: payload(`vm-${id}`, "provision", `c-${id}`, "v1") } },
    },
    ignoredFields: {},
    status: "successful",
    createdAt: 0,
    startedAt: 0,
    finishedAt,
    transitions: [],
  };
}

/** Lets every promise chain the runner started run as far as it can without I/O. */
function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe("EDA simulator: the bound on write-backs at once", () => {
  it(`plays at most ${PLAYBOOK_CONCURRENCY} jobs at once; the rest start as plays end, each once`, async () => {
    expect(PLAYBOOK_CONCURRENCY).toBe(32);
    const clock = new VirtualClock(1_000_000);
    const settings = resolveOptions(
      { clock, aap: { clock }, rules: [] } as unknown as EdaSimulatorOptions,
      new Set(),
    ).playbook;
    const kube = new HeldKube();
    const records: EdaEffectRecord[] = [];
    const runner = new PlaybookRunner({
      settings: { ...settings, plurals: { ComputeInstance: "computeinstances" } },
      covers: () => true,
      kube: kube as unknown as KubeClient,
      aap: {} as AapClient,
      clock,
      record: (effect) => records.push(effect),
    });
    const jobs = Array.from({ length: JOBS }, (_, i) => job(i + 1, clock.now()));

    const first = runner.run(jobs);
    await drain();
    // 32 plays under way, each in its first read; jobs 1..32 (the oldest first).
    expect(kube.held.map((h) => h.name)).toEqual(
      Array.from({ length: PLAYBOOK_CONCURRENCY }, (_, i) => `vm-${i + 1}`),
    );
    // Another pump while they are held starts nothing.
    await runner.run(jobs);
    await drain();
    expect(kube.gets).toBe(PLAYBOOK_CONCURRENCY);

    // Job 1's play ends (each of its tasks reads vm-1 first: release those reads until it is
    // recorded): one room, and the next pump starts job 33, and only it.
    while (records.length === 0) {
      const next = kube.held.findIndex((h) => h.name === "vm-1");
      expect(next, "job 1's play waits on a read of vm-1").toBeGreaterThanOrEqual(0);
      kube.held.splice(next, 1)[0]!.release();
      await drain();
    }
    expect(records.map((r) => [r.jobId, r.outcome])).toEqual([[1, "applied"]]);
    const pumps = [runner.run(jobs)];
    await drain();
    const names = new Set(kube.held.map((h) => h.name));
    expect(names.size).toBe(PLAYBOOK_CONCURRENCY);
    expect(names.has("vm-33")).toBe(true);
    expect(names.has("vm-34")).toBe(false);

    // Release everything: every job is played once, 40 records, never more than 32 at once.
    let peak = names.size;
    while (records.length < JOBS) {
      for (const h of kube.held.splice(0)) h.release();
      await drain();
      pumps.push(runner.run(jobs));
      await drain();
      peak = Math.max(peak, new Set(kube.held.map((h) => h.name)).size);
    }
    await Promise.all([first, ...pumps]);
    await runner.idle();
    expect(peak).toBeLessThanOrEqual(PLAYBOOK_CONCURRENCY);
    expect(records.map((r) => r.jobId).sort((a, b) => a - b)).toEqual(
      Array.from({ length: JOBS }, (_, i) => i + 1),
    );
    expect(records.every((r) => r.outcome === "applied")).toBe(true);
  });
});
