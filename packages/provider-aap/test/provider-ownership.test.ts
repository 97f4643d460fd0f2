import {
  ErrorCode,
  JobOwnershipError,
  JobState,
  RESOURCE_UID_ANNOTATION,
  configVersion,
  type JobRecord,
  type ResourceObject,
} from "@provisionkit/core";
import { describe, expect, it } from "vitest";
import {
  call,
  computeInstance,
  failure,
  hostPool,
  startAap,
  type AapFixture,
} from "./support/fixture.ts";

const V1 = configVersion({ cores: 2 });
const signal = () => ({ signal: new AbortController().signal });

/** Job templates and workflow job templates: ownership is checked the same on both. */
const KINDS = [
  {
    kind: "job",
    provisionTemplate: "create-compute-instance",
    make: (name: string): ResourceObject => computeInstance(name),
  },
  {
    kind: "workflow_job",
    provisionTemplate: "create-host-pool",
    make: (name: string): ResourceObject => hostPool(name),
  },
] as const;

function record(jobId: string, correlationId: string): JobRecord {
  return {
    jobId,
    type: "provision",
    state: JobState.Running,
    message: "",
    provider: "aap",
    correlationId,
    launchedAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    attempt: 1,
  };
}

function cancelPosts(fx: AapFixture): number {
  return fx.sim.requests().filter((r) => r.operation === "cancel").length;
}

/** Launches `template` directly through the client, with exactly `extraVars` (a hand launch). */
async function handLaunch(
  fx: AapFixture,
  template: string,
  extraVars: Record<string, unknown>,
): Promise<string> {
  const found = await fx.provider.client.findTemplate(template, undefined);
  if (!found) throw new Error(`no template ${template}`);
  const { job } = await fx.provider.client.launch(found, { extra_vars: extraVars });
  return `${job.kind}:${job.id}`;
}

describe.each(KINDS)("ownership of $kind jobs (issue 13)", ({ make, provisionTemplate }) => {
  it("getProvisionStatus refuses another resource's job of the same template, saying which uids differ", async () => {
    const fx = await startAap();
    const mine = make("mine");
    const other = make("other");
    const theirs = await fx.provider.triggerProvision(other, {
      ...call("corr-other"),
      configVersion: V1,
    });
    fx.clock.advance(60_000); // the other job succeeded: its status would make "mine" Ready

    const error = await failure(fx.provider.getProvisionStatus(mine, theirs.jobId, signal()));
    expect(error).toBeInstanceOf(JobOwnershipError);
    expect(error.code).toBe(ErrorCode.JobNotOwned);
    expect(error.retryable).toBe(false);
    expect((error as JobOwnershipError).jobId).toBe(theirs.jobId);
    expect(error.message).toContain('uid "uid-other"');
    expect(error.message).toContain('whose uid is "uid-mine"');
    // The owner still reads it.
    const status = await fx.provider.getProvisionStatus(other, theirs.jobId, signal());
    expect(status.state).toBe(JobState.Succeeded);
  });

  it("getDeprovisionStatus refuses the resource's own provision job (launched for the other operation)", async () => {
    const fx = await startAap();
    const mine = make("mine");
    const { jobId } = await fx.provider.triggerProvision(mine, { ...call(), configVersion: V1 });
    const error = await failure(fx.provider.getDeprovisionStatus(mine, jobId, signal()));
    expect(error).toBeInstanceOf(JobOwnershipError);
    expect(error.message).toContain("was launched to provision, not to deprovision");
  });

  it("cancelJob sends no cancel for another resource's job, and cancels the resource's own", async () => {
    const fx = await startAap({ simulator: { defaultScript: { runMs: 60_000 } } });
    const mine = make("mine");
    const other = make("other");
    const theirs = await fx.provider.triggerProvision(other, {
      ...call("corr-other"),
      configVersion: V1,
    });
    const own = await fx.provider.triggerProvision(mine, {
      ...call("corr-mine"),
      configVersion: V1,
    });
    fx.clock.advance(1000);

    const error = await failure(fx.provider.cancelJob(mine, theirs.jobId, "provision", signal()));
    expect(error).toBeInstanceOf(JobOwnershipError);
    expect(cancelPosts(fx)).toBe(0);
    expect(fx.sim.ledger().every((job) => job.cancelRequestedAt === undefined)).toBe(true);

    await fx.provider.cancelJob(mine, own.jobId, "provision", signal());
    expect(cancelPosts(fx)).toBe(1);
    const canceled = fx.sim.ledger().filter((job) => job.cancelRequestedAt !== undefined);
    expect(canceled.map((job) => `${job.kind}:${job.id}`)).toEqual([own.jobId]);
  });

  it("triggerDeprovision with a forged provision record never cancels or waits for the other resource's job", async () => {
    const fx = await startAap({ simulator: { defaultScript: { runMs: 60_000 } } });
    const mine = make("mine");
    const other = make("other");
    const theirs = await fx.provider.triggerProvision(other, {
      ...call("corr-other"),
      configVersion: V1,
    });
    fx.clock.advance(1000); // running
    const forged = record(theirs.jobId, "corr-other");

    const answer = await fx.provider.triggerDeprovision(mine, [forged], call("corr-teardown"));
    expect(answer.action).toBe("triggered");
    expect(answer).not.toHaveProperty("provisionJobStatus");
    expect(cancelPosts(fx)).toBe(0);
    const [theirJob, teardown] = fx.sim.ledger();
    expect(theirJob!.cancelRequestedAt).toBeUndefined();
    expect(teardown!.resource?.uid).toBe("uid-mine");
    expect(fx.logs.some((line) => line.includes("not this resource's"))).toBe(true);
  });

  it("triggerDeprovision leaves alone the resource's own running job when the record's correlation id differs", async () => {
    const fx = await startAap({ simulator: { defaultScript: { runMs: 60_000 } } });
    const mine = make("mine");
    const own = await fx.provider.triggerProvision(mine, { ...call("corr-1x"), configVersion: V1 });
    fx.clock.advance(1000);

    const answer = await fx.provider.triggerDeprovision(
      mine,
      [record(own.jobId, "corr-1")],
      call("corr-teardown"),
    );
    expect(answer.action).toBe("triggered");
    expect(cancelPosts(fx)).toBe(0);
    expect(fx.logs.some((line) => line.includes('correlation id "corr-1x", not "corr-1"'))).toBe(
      true,
    );
  });

  it("triggerDeprovision still cancels and waits for the resource's own job of the record's correlation id", async () => {
    const fx = await startAap({ simulator: { defaultScript: { runMs: 60_000 } } });
    const mine = make("mine");
    const own = await fx.provider.triggerProvision(mine, { ...call("corr-1"), configVersion: V1 });
    fx.clock.advance(1000);
    const answer = await fx.provider.triggerDeprovision(
      mine,
      [record(own.jobId, "corr-1")],
      call("corr-teardown"),
    );
    expect(answer.action).toBe("waiting");
    expect(cancelPosts(fx)).toBe(1);
  });

  it("findJob skips another resource's job with the same correlation id and answers the resource's own", async () => {
    const fx = await startAap();
    const mine = make("mine");
    const other = make("other");
    const own = await fx.provider.triggerProvision(mine, { ...call("corr-1"), configVersion: V1 });
    // Newer, same template, same correlation id: a copy of the id into another object.
    await fx.provider.triggerProvision(other, { ...call("corr-1"), configVersion: V1 });
    const query = { correlationId: "corr-1", type: "provision" as const };

    expect((await fx.provider.findJob(mine, query, signal()))?.jobId).toBe(own.jobId);
    const lonely = make("lonely");
    expect(await fx.provider.findJob(lonely, query, signal())).toBeUndefined();
    expect(fx.logs.some((line) => line.includes("findJob skipped a job"))).toBe(true);
  });

  it("findJob compares correlation ids exactly: corr-1 is not corr-1x", async () => {
    const fx = await startAap();
    const mine = make("mine");
    const exact = await fx.provider.triggerProvision(mine, {
      ...call("corr-1"),
      configVersion: V1,
    });
    await fx.provider.triggerProvision(mine, { ...call("corr-1x"), configVersion: V1 });
    const found = await fx.provider.findJob(
      mine,
      { correlationId: "corr-1", type: "provision" },
      signal(),
    );
    expect(found?.jobId).toBe(exact.jobId);
    const x = await fx.provider.findJob(
      mine,
      { correlationId: "corr-1x", type: "provision" },
      signal(),
    );
    expect(x?.jobId).not.toBe(exact.jobId);
    expect(
      await fx.provider.findJob(mine, { correlationId: "corr-", type: "provision" }, signal()),
    ).toBeUndefined();
  });

  it("the check costs no request on a poll (one GET) and one GET before a cancel", async () => {
    const fx = await startAap({ simulator: { defaultScript: { runMs: 60_000 } } });
    const mine = make("mine");
    const { jobId } = await fx.provider.triggerProvision(mine, { ...call(), configVersion: V1 });
    const before = fx.sim.requests().length;
    await fx.provider.getProvisionStatus(mine, jobId, signal());
    expect(
      fx.sim
        .requests()
        .slice(before)
        .map((r) => r.operation),
    ).toEqual(["job-get"]);
    const beforeCancel = fx.sim.requests().length;
    await fx.provider.cancelJob(mine, jobId, "provision", signal());
    expect(
      fx.sim
        .requests()
        .slice(beforeCancel)
        .map((r) => r.operation),
    ).toEqual(["job-get", "cancel"]);
  });

  it("a job with no launch record (launched by hand) is no resource's: not read, not cancelled", async () => {
    const fx = await startAap({ simulator: { defaultScript: { runMs: 60_000 } } });
    const mine = make("mine");
    const jobId = await handLaunch(fx, provisionTemplate, { size: "large" });
    const read = await failure(fx.provider.getProvisionStatus(mine, jobId, signal()));
    expect(read).toBeInstanceOf(JobOwnershipError);
    expect(read.message).toContain("carries no provisionkit launch record");
    const cancel = await failure(fx.provider.cancelJob(mine, jobId, "provision", signal()));
    expect(cancel).toBeInstanceOf(JobOwnershipError);
    expect(cancelPosts(fx)).toBe(0);
  });

  it("a record that names no resource (an EDA payload without metadata.uid) is accepted; one naming another uid is not", async () => {
    const fx = await startAap();
    const mine = make("mine");
    const event = (metadata: Record<string, unknown>) => ({
      ansible_eda: {
        event: {
          payload: {
            metadata: {
              ...metadata,
              annotations: {
                "provisionkit.io/correlation-id": "corr-eda",
                "provisionkit.io/operation": "provision",
                "provisionkit.io/config-version": V1,
              },
            },
          },
        },
      },
    });
    const anonymous = await handLaunch(fx, provisionTemplate, event({}));
    const status = await fx.provider.getProvisionStatus(mine, anonymous, signal());
    expect(status.jobId).toBe(anonymous);
    const found = await fx.provider.findJob(
      mine,
      { correlationId: "corr-eda", type: "provision" },
      signal(),
    );
    expect(found?.jobId).toBe(anonymous);

    const foreign = await handLaunch(fx, provisionTemplate, event({ uid: "uid-someone" }));
    const error = await failure(fx.provider.getProvisionStatus(mine, foreign, signal()));
    expect(error).toBeInstanceOf(JobOwnershipError);
    expect(error.message).toContain('uid "uid-someone"');
    const withUid = await handLaunch(fx, provisionTemplate, event({ uid: "uid-mine" }));
    expect((await fx.provider.getProvisionStatus(mine, withUid, signal())).jobId).toBe(withUid);
  });

  it("the provisionkit.io/resource-uid annotation names the resource when the payload carries no metadata.uid", async () => {
    const fx = await startAap();
    const mine = make("mine");
    const event = (uid: string) => ({
      ansible_eda: {
        event: {
          payload: {
            metadata: {
              annotations: {
                "provisionkit.io/correlation-id": "corr-eda",
                "provisionkit.io/operation": "provision",
                [RESOURCE_UID_ANNOTATION]: uid,
              },
            },
          },
        },
      },
    });
    const foreign = await handLaunch(fx, provisionTemplate, event("uid-someone"));
    const error = await failure(fx.provider.getProvisionStatus(mine, foreign, signal()));
    expect(error).toBeInstanceOf(JobOwnershipError);
    expect(error.message).toContain('uid "uid-someone"');
    expect(
      await fx.provider.findJob(mine, { correlationId: "corr-eda", type: "provision" }, signal()),
    ).toBeUndefined();
    const own = await handLaunch(fx, provisionTemplate, event("uid-mine"));
    expect((await fx.provider.getProvisionStatus(mine, own, signal())).jobId).toBe(own);
  });

  it("a provisionkit record without a uid is checked by its resource key", async () => {
    const fx = await startAap();
    const mine = make("mine");
    const launched = (key: string) => ({
      provisionkit: {
        correlation_id: "corr-old",
        operation: "provision",
        resource: { uid: null, key },
      },
    });
    const same = await handLaunch(fx, provisionTemplate, launched("default/mine"));
    expect((await fx.provider.getProvisionStatus(mine, same, signal())).jobId).toBe(same);
    const other = await handLaunch(fx, provisionTemplate, launched("default/other"));
    const error = await failure(fx.provider.getProvisionStatus(mine, other, signal()));
    expect(error.message).toContain(
      "was launched for resource default/other, not for default/mine",
    );
  });
});
