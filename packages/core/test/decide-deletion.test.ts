import { describe, expect, it } from "vitest";
import { ConditionType, JobState, decide } from "@provisionkit/core";
import { T0, caps, cond, directory, input, iso, job, status } from "./support/fixtures.js";

const provisioned = job({ state: JobState.Succeeded, finishedAt: iso(T0) });

function launchFailure(type: "provision" | "deprovision") {
  return {
    type,
    code: "TRANSIENT",
    message: "502",
    count: 1,
    at: iso(T0),
    retryAt: iso(T0 + 10_000),
  };
}

describe("decide: deletion (E4), what holds a deprovision back", () => {
  it("waits for a failed deprovision launch's retryAt, keeping the finalizer, then launches again", () => {
    const s = status({ jobs: [provisioned], launchFailure: launchFailure("deprovision") });
    const waiting = decide(input({ status: s, deleting: true, now: T0 + 4_000 }));
    expect(waiting.action).toEqual({ kind: "none" });
    expect(waiting.requeueAfterMs).toBe(6_000);
    expect(waiting.finalizer).toBe("keep");
    const due = decide(input({ status: s, deleting: true, now: T0 + 10_000 }));
    expect(due.action).toMatchObject({ kind: "launch", type: "deprovision" });
  });

  it("is not held back by a failed provision launch", () => {
    const s = status({ jobs: [provisioned], launchFailure: launchFailure("provision") });
    const d = decide(input({ status: s, deleting: true, now: T0 + 4_000 }));
    expect(d.action).toMatchObject({ kind: "launch", type: "deprovision" });
  });

  it("after a failure that does not block deletion, does nothing more and names the job and its state", () => {
    const failed = job({
      jobId: "d1",
      type: "deprovision",
      configVersion: undefined,
      state: JobState.Failed,
      blockDeletionOnFailure: false,
      finishedAt: iso(T0),
    });
    const d = decide(input({ status: status({ jobs: [provisioned, failed] }), deleting: true }));
    expect(d.action).toEqual({ kind: "none" });
    expect(d.finalizer).toBe("release");
    const event = d.events.find((e) => e.reason === "DeletionAllowedAfterFailure");
    expect(event?.message).toContain("deprovision job d1");
    expect(event?.message).toContain(JobState.Failed);
  });

  it("keeps the finalizer and warns while a provision job of a provider no longer configured runs", () => {
    const d = decide(
      input({
        status: status({ jobs: [job({ provider: "old" })] }),
        deleting: true,
        providers: directory(caps("new")),
      }),
    );
    expect(d.action.kind).toBe("none");
    expect(d.finalizer).toBe("keep");
    expect(d.requeueAfterMs).toBe(10_000);
    expect(d.events[0]).toMatchObject({ type: "Warning", reason: "ProviderUnavailable" });
    expect(d.events[0]?.message).toContain("provider old");
    expect(cond(d, ConditionType.Deleting)?.status).toBe("True");
  });
});
