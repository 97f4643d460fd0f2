import { describe, expect, it } from "vitest";
import type { AapSimulator } from "@provisionkit/testing";
import { post, withEda } from "./eda-support.js";

const { start, current } = withEda({
  rules: [
    { endpoint: "create-thing", template: "provision", name: "create" },
    { endpoint: "create-flow", template: "flow", templateKind: "workflow_job_template" },
  ],
  setup: (aap) => {
    aap.addJobTemplate({
      name: "provision",
      script: { pendingMs: 0, waitingMs: 0, runMs: 15_000 },
    });
    aap.addWorkflowTemplate({ name: "flow" });
  },
});

const fire = (endpoint: string, body: unknown = { n: 1 }) =>
  post(`${current()?.webhookUrl}/${endpoint}`, body);

/** Fires one event at `endpoint` and lets the rule engine take what is due. */
async function deliver(endpoint: string, body?: unknown): Promise<void> {
  await fire(endpoint, body);
  await current()!.eda.pump();
}

/** Delivers one event at `endpoint` and returns the job of the first event. */
async function firstJob(endpoint: string) {
  await deliver(endpoint);
  const { eda, aap } = current()!;
  return aap.job(eda.events()[0]?.job?.id ?? 0);
}

describe("EDA simulator: rules and launches", () => {
  it("launches a job template over HTTP with ansible_eda.{ruleset, rule, event}", async () => {
    const { eda, aap, clock } = await start();
    await deliver("create-thing", { spec: 1 });
    const [event] = eda.events();
    expect(event).toMatchObject({
      fate: "launched",
      rule: "create",
      launchedAt: clock.now(),
      job: { kind: "job", templateName: "provision" },
    });
    const job = aap.job(event?.job?.id ?? 0);
    expect(job).toMatchObject({ kind: "job", templateName: "provision", createdAt: clock.now() });
    expect(job?.extraVars).toEqual({
      ansible_eda: { ruleset: "provisionkit", rule: "create", event: event?.event },
    });
    expect((job?.extraVars.ansible_eda as { event: { payload: unknown } }).event.payload).toEqual({
      spec: 1,
    });
    // The rulebook sends limit "all" whatever the job template prompts for.
    expect(job?.ignoredFields).toEqual({ limit: "all" });
    const launches = aap.requests().filter((r) => r.operation === "launch");
    expect(launches.map((r) => [r.method, r.path, r.auth])).toEqual([
      ["POST", `/api/controller/v2/job_templates/${event?.job?.templateId}/launch/`, "bearer"],
    ]);
    expect(aap.requests().some((r) => r.path === "/api/controller/v2/unified_job_templates/")).toBe(
      true,
    );
  });

  it("launches a workflow job template; limit is dropped by the rulebook", async () => {
    const { eda, aap } = await start();
    await deliver("create-flow");
    const [event] = eda.events();
    expect(event).toMatchObject({ fate: "launched", job: { kind: "workflow_job" } });
    const job = aap.job(event?.job?.id ?? 0);
    expect(job?.kind).toBe("workflow_job");
    expect(job?.extraVars).toMatchObject({ ansible_eda: { rule: "create-flow → flow" } });
    expect(job?.ignoredFields).toEqual({});
  });

  it.each([
    {
      title: "sends no extra_vars to a workflow template that does not prompt for them",
      endpoint: "create-flow",
      setup: (sim: AapSimulator) =>
        void sim.addWorkflowTemplate({ name: "flow", askVariablesOnLaunch: false }),
      ignored: [],
    },
    {
      title: "sends extra_vars to a job template that does not prompt: AAP ignores them",
      endpoint: "create-thing",
      setup: (sim: AapSimulator) =>
        void sim.addJobTemplate({ name: "provision", askVariablesOnLaunch: false }),
      ignored: ["extra_vars", "limit"],
    },
  ])("$title", async ({ endpoint, setup, ignored }) => {
    await start({ setup });
    const job = await firstJob(endpoint);
    expect(job?.extraVars).toEqual({});
    expect(Object.keys(job?.ignoredFields ?? {}).sort()).toEqual(ignored);
  });

  it("finds the template in the rule's organization", async () => {
    await start({
      rules: [{ endpoint: "create-thing", template: "provision", organization: "Other" }],
      setup: (sim) => {
        sim.addJobTemplate({ name: "provision" });
        sim.addJobTemplate({ name: "provision", organization: "Other" });
      },
    });
    expect((await firstJob("create-thing"))?.organization).toBe("Other");
  });

  it("records launch failures: unknown template, non-201 answer", async () => {
    const { eda, aap } = await start({
      rules: [
        { endpoint: "missing", template: "nowhere" },
        { endpoint: "create-thing", template: "provision" },
      ],
    });
    await fire("missing");
    aap.faults.inject({ operation: "launch", action: { type: "status", status: 500 } });
    await deliver("create-thing");
    expect(eda.events()).toMatchObject([
      {
        fate: "launch-failed",
        reason: "Job template nowhere in organization Default does not exist",
      },
      { fate: "launch-failed", launchStatus: 500 },
    ]);
    expect(aap.ledger()).toEqual([]);
  });

  it("authenticates to AAP with Basic credentials when told to", async () => {
    const { eda, aap } = await start({ aapAuth: { username: "admin", password: "password" } });
    await deliver("create-thing");
    expect(eda.events()[0]?.fate).toBe("launched");
    expect(aap.requests().every((r) => r.auth === "basic")).toBe(true);
  });

  it("matches event-stream events by stream name", async () => {
    const { eda, aap } = await start({
      rules: [{ eventStream: "orders", template: "provision" }],
      eventStreams: [{ name: "orders", auth: { type: "token", token: "t" } }],
    });
    await post(eda.eventStreamUrl("orders"), { order: 7 }, { Authorization: "Bearer t" });
    await eda.pump();
    const job = aap.job(eda.events()[0]?.job?.id ?? 0);
    expect(job?.extraVars).toMatchObject({
      ansible_eda: { event: { payload: { order: 7 }, meta: { eda_event_stream_name: "orders" } } },
    });
  });

  it("waits eventLatencyMs between receipt and launch", async () => {
    const { eda, aap, clock } = await start({ activation: { eventLatencyMs: 3_000 } });
    const t0 = clock.now();
    await deliver("create-thing");
    expect(eda.events()[0]).toMatchObject({ fate: "queued", dueAt: t0 + 3_000 });
    clock.advance(2_999);
    await eda.pump();
    expect(aap.ledger()).toEqual([]);
    clock.advance(1);
    await eda.pump();
    expect(aap.ledger().map((j) => j.createdAt)).toEqual([t0 + 3_000]);
  });

  describe("execution strategy", () => {
    it("is sequential by default, as ansible-rulebook is", async () => {
      const { eda, aap } = await start();
      await deliver("create-thing");
      await deliver("create-thing");
      expect(aap.ledger()).toHaveLength(1);
      expect(eda.events().map((e) => e.fate)).toEqual(["launched", "queued"]);
    });

    it("parallel launches every due event at once", async () => {
      const { aap, clock } = await start({ activation: { executionStrategy: "parallel" } });
      const t0 = clock.now();
      await deliver("create-thing");
      clock.advance(1_000);
      await deliver("create-thing");
      expect(aap.ledger().map((j) => j.createdAt)).toEqual([t0, t0 + 1_000]);
    });

    it("sequential waits for the job poll that sees the previous job terminal", async () => {
      const { eda, aap, clock } = await start({
        activation: { executionStrategy: "sequential", jobPollMs: 10_000 },
      });
      const t0 = clock.now();
      await deliver("create-thing");
      clock.advance(1_000);
      await deliver("create-thing");
      expect(eda.events().map((e) => e.fate)).toEqual(["launched", "queued"]);
      // The job ends at t0 + 15 s; the polls come at t0, t0 + 10 s, t0 + 20 s.
      clock.set(t0 + 15_000);
      await eda.pump();
      expect(aap.ledger()[0]?.finishedAt).toBe(t0 + 15_000);
      expect(aap.ledger()).toHaveLength(1);
      clock.set(t0 + 19_999);
      await eda.pump();
      expect(aap.ledger()).toHaveLength(1);
      clock.set(t0 + 20_000);
      await eda.pump();
      expect(aap.ledger().map((j) => j.createdAt)).toEqual([t0, t0 + 20_000]);
      expect(eda.events()[0]).toMatchObject({ completedAt: t0 + 20_000, jobStatus: "successful" });
    });

    it("sequential lets unmatched events through while an action is in flight", async () => {
      const { eda } = await start({ activation: { executionStrategy: "sequential" } });
      await deliver("create-thing");
      await fire("create-thing");
      await deliver("unknown");
      expect(eda.events().map((e) => e.fate)).toEqual(["launched", "queued", "unmatched"]);
    });
  });

  describe("activation restart", () => {
    it("loses queued events", async () => {
      const { eda, aap, clock } = await start({
        activation: { eventLatencyMs: 5_000, startupMs: 1_000 },
      });
      clock.advance(1_000);
      await fire("create-thing");
      eda.restartActivation();
      expect(eda.events()[0]).toMatchObject({ fate: "lost", reason: "activation restarted" });
      clock.advance(10_000);
      await eda.pump();
      expect(aap.ledger()).toEqual([]);
    });

    it("keeps queued events with keepQueueOnRestart; they launch once running", async () => {
      const { eda, aap, clock } = await start({
        activation: { eventLatencyMs: 5_000, keepQueueOnRestart: true, startupMs: 10_000 },
      });
      clock.advance(10_000);
      const t1 = clock.now();
      await fire("create-thing");
      eda.restartActivation();
      clock.set(t1 + 5_000);
      await eda.pump();
      expect(eda.events()[0]?.fate).toBe("queued");
      clock.set(t1 + 10_000);
      await eda.pump();
      expect(aap.ledger().map((j) => j.createdAt)).toEqual([t1 + 10_000]);
    });

    it("forgets in-flight actions: sequential no longer waits for them", async () => {
      const { eda, aap, clock } = await start({ activation: { executionStrategy: "sequential" } });
      const t0 = clock.now();
      await deliver("create-thing");
      clock.advance(1_000);
      eda.restartActivation();
      await deliver("create-thing");
      expect(aap.ledger().map((j) => j.createdAt)).toEqual([t0, t0 + 1_000]);
      expect(eda.events()[0]?.completedAt).toBeUndefined();
    });
  });
});
