import type { JobRecord } from "@provisionkit/core";
import type { AapLedgerJob } from "@provisionkit/testing";
import { describe, expect, it } from "vitest";
import {
  edaSummaryRows,
  eventFates,
  eventNote,
  eventResourceKey,
  type EdaResourceOutcome,
  type EdaSummaryInput,
  type EventRecord,
} from "../src/eda-summary.ts";
import type { ComputeInstance } from "../src/operator.ts";

// The EDA story's table and its expected-events check read the simulator's event log: each
// event must be attributed to its resource, joined to the job its rule launched, and its
// fate explained.

const V1 = "sha256:1111111111111111";
const T0 = 1_000_000;

function event(
  seq: number,
  name: string,
  operation: "provision" | "deprovision",
  fate: EventRecord["fate"],
  extra: Partial<EventRecord> = {},
): EventRecord {
  const annotations: Record<string, string> = {
    "provisionkit.io/operation": operation,
    "provisionkit.io/correlation-id": `c-${seq}`,
  };
  if (operation === "provision") annotations["provisionkit.io/config-version"] = V1;
  return {
    seq,
    endpoint: `${operation === "provision" ? "create" : "delete"}-compute-instance`,
    receivedAt: T0 + seq * 1000,
    status: 200,
    fate,
    correlationId: `c-${seq}`,
    operation,
    event: { payload: { metadata: { name, namespace: "default", annotations } }, meta: {} },
    ...extra,
  };
}

function ledgerJob(
  id: number,
  operation: "provision" | "deprovision",
  status: AapLedgerJob["status"],
  createdAt: number,
  finishedAt?: number,
): AapLedgerJob {
  const job: AapLedgerJob = {
    id,
    kind: "job",
    templateId: operation === "provision" ? 1 : 2,
    templateName: `${operation === "provision" ? "create" : "delete"}-compute-instance`,
    organization: "Default",
    resourceKey: "default/web-1",
    extraVars: {},
    ignoredFields: {},
    status,
    createdAt,
    transitions: [],
  };
  if (finishedAt !== undefined) job.finishedAt = finishedAt;
  return job;
}

const launched = (id: number) => ({
  job: { kind: "job" as const, id, templateId: 1, templateName: "create-compute-instance" },
});

function instance(jobs: Partial<JobRecord>[]): ComputeInstance {
  return {
    apiVersion: "demo.provisionkit.io/v1alpha1",
    kind: "ComputeInstance",
    metadata: { name: "web-1", namespace: "default", generation: 1 },
    spec: { image: "rhel-9.4", cores: 2, memoryGiB: 4 },
    status: { provisioning: { jobs }, conditions: [] },
  };
}

function input(
  outcome: EdaResourceOutcome,
  events: EventRecord[],
  rest: Partial<EdaSummaryInput> = {},
): EdaSummaryInput {
  return { outcomes: [outcome], events, effects: [], milestones: { startedAt: T0 }, ...rest };
}

describe("the EDA story's event log", () => {
  it("attributes events to resources by their payload, and lists each one's fate in order", () => {
    const events = [
      event(3, "web-1", "provision", "launched"),
      event(1, "web-1", "provision", "lost"),
      event(2, "db-1", "provision", "launched"),
      { ...event(4, "x", "provision", "rejected"), event: undefined },
    ];
    expect(eventResourceKey(events[0]!)).toBe("default/web-1");
    expect(eventResourceKey(events[3]!)).toBeUndefined();
    expect(eventFates(events, "default/web-1")).toEqual(["provision lost", "provision launched"]);
    expect(eventFates(events, "default/db-1")).toEqual(["provision launched"]);
    expect(eventFates(events, "default/none")).toEqual([]);
  });

  it("explains a lost event that the provider's timeout failed", () => {
    const lost = event(1, "web-1", "provision", "lost", { reason: "activation restarted" });
    const object = instance([
      {
        jobId: "eda:provision:c-1:1",
        correlationId: "c-1",
        provider: "eda",
        type: "provision",
        attempt: 1,
        configVersion: "sha256:00000000000000000000000000000000",
        state: "Failed",
        message: "timed out after 8 s waiting for annotation …",
        launchedAt: new Date(T0).toISOString(),
        updatedAt: new Date(T0 + 8000).toISOString(),
        finishedAt: new Date(T0 + 8000).toISOString(),
      },
    ]);
    const outcome = { name: "web-1", key: "default/web-1", object, jobs: [] };
    expect(eventNote(outcome, lost, undefined, input(outcome, [lost]))).toBe(
      "lost: activation restarted; the provider timed it out after 8.0s (Failed); the engine sent it again",
    );
  });

  it("says what the playbook wrote back, or that its write failed", () => {
    const failedEvent = event(1, "web-1", "provision", "launched", launched(7));
    const job = ledgerJob(7, "provision", "failed", T0, T0 + 2000);
    const outcome = { name: "web-1", key: "default/web-1", object: undefined, jobs: [job] };
    const note = (effects: EdaSummaryInput["effects"]) =>
      eventNote(outcome, failedEvent, job, input(outcome, [failedEvent], { effects }));
    expect(note([{ jobId: 7, changes: ["failure"], outcome: "applied" }])).toBe(
      "the playbook wrote the failure annotation: Failed at once",
    );
    expect(
      note([{ jobId: 7, changes: ["finalizer-added"], outcome: "failed", reason: "HTTP 422" }]),
    ).toBe("write-back FAILED: HTTP 422");
    expect(note([{ jobId: 8, changes: ["failure"], outcome: "applied" }])).toBe("");
  });

  it("notes a delete event held back until the running provision job ended", () => {
    const provision = ledgerJob(1, "provision", "successful", T0 + 1000, T0 + 6000);
    const deprovision = ledgerJob(2, "deprovision", "successful", T0 + 7000, T0 + 9000);
    const deleteEvent = event(6, "web-1", "deprovision", "launched", launched(2));
    const outcome = {
      name: "web-1",
      key: "default/web-1",
      object: undefined,
      jobs: [provision, deprovision],
    };
    const milestones = { startedAt: T0, deletedAt: { "web-1": T0 + 3000 } };
    expect(
      eventNote(outcome, deleteEvent, deprovision, input(outcome, [deleteEvent], { milestones })),
    ).toBe("kubectl delete at +3.0s while job:1 ran; sent once it had ended (+6.0s)");
  });

  it("joins each event to the job its rule launched, and shows jobs no event launched", () => {
    const provision = ledgerJob(1, "provision", "successful", T0 + 1000, T0 + 4000);
    const stray = ledgerJob(9, "provision", "running", T0 + 5000);
    const events = [
      event(1, "web-1", "provision", "lost"),
      event(2, "web-1", "provision", "launched", launched(1)),
    ];
    const outcome = {
      name: "web-1",
      key: "default/web-1",
      object: undefined,
      jobs: [provision, stray],
    };
    const rows = edaSummaryRows(input(outcome, events)).map((row) => row.map((c) => c.text));
    expect(rows[0]?.join("|")).toBe(
      "RESOURCE|FINAL STATE|EVENT|KIND|SENT|FATE|JOB|STATUS|TOOK|CONFIG|NOTE",
    );
    expect(rows[1]?.slice(0, 8)).toEqual([
      "web-1",
      "deleted",
      "#1",
      "provision",
      "+1.0s",
      "lost",
      "-",
      "",
    ]);
    expect(rows[2]?.slice(2, 10)).toEqual([
      "#2",
      "provision",
      "+2.0s",
      "launched",
      "job:1",
      "successful",
      "3.0s",
      "sha256:11111111",
    ]);
    expect(rows[3]?.slice(5, 9)).toEqual(["no event", "job:9", "running", "running"]);
    expect(rows[3]?.at(-1)).toBe("launched by no event the webhook received");
  });
});
