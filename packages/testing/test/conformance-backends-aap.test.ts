/** aapSimulatorBackend: the AAP simulator as a conformance backend (templates, ledger mapping, scripts, faults, life cycle). */
import { configVersion } from "@provisionkit/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  aapBackend,
  call,
  cleanup,
  eventVars,
  launch,
  payload,
} from "./conformance/backends-support.js";
import { aapSimulatorBackend } from "../src/conformance/backends/index.js";

afterEach(cleanup);

describe("aapSimulatorBackend", () => {
  it("starts an AAP simulator with the conventional templates and hands the provider its URL and token", async () => {
    const { backend, endpoint } = await aapBackend();
    expect(backend.name).toBe("AAP simulator");
    expect(backend.controls).toEqual({
      failures: true,
      failureKinds: ["error"],
      loseAnswers: true,
      neverFinishes: true,
      purge: true,
      rateLimit: true,
      readFailures: true,
      cancelFailures: true,
      holds: true,
      queuedJobs: true,
      strays: true,
      handLaunches: true,
      transientFailure: true,
    });
    expect(backend.secrets).toEqual(["sim-token"]);
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoint.token).toBe("sim-token");
    expect(backend.provider().name).toBe("stub");
    const list = await call(endpoint.url, endpoint.token, "job_templates/?order_by=name");
    const templates = list.json.results as Record<string, unknown>[];
    expect(templates.map((t) => [t.name, t.allow_simultaneous, t.ask_variables_on_launch])).toEqual(
      [
        ["create-widget", true, true],
        ["delete-widget", true, true],
      ],
    );
  });

  it("maps the ledger: operation, version and correlation id from the payload annotations", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    const t0 = ctx.clock.now();
    const provision = await launch(
      endpoint,
      "create-widget",
      eventVars(payload("w-1", "provision", "c-1", "v1")),
    );
    expect(provision.status).toBe(201);
    ctx.clock.advance(1000);
    const deprovision = await launch(
      endpoint,
      "delete-widget",
      eventVars(payload("w-1", "deprovision", "c-2")),
    );
    expect(deprovision.status).toBe(201);
    expect(backend.ledger()).toEqual([
      {
        id: String(provision.json.id),
        resourceKey: "default/w-1",
        operation: "provision",
        configVersion: "v1",
        // The spec the job received (the payload's Widget spec), for P4's old-spec check.
        appliedConfigVersion: configVersion({ size: 1 }),
        correlationId: "c-1",
        createdAt: t0,
      },
      {
        id: String(deprovision.json.id),
        resourceKey: "default/w-1",
        operation: "deprovision",
        correlationId: "c-2",
        createdAt: t0 + 1000,
      },
    ]);
    // The simulator's own timings: 500 pending + 500 waiting + 5000 running.
    ctx.clock.advance(5000);
    const [first, second] = backend.ledger();
    expect(first).toMatchObject({ outcome: "succeeded", finishedAt: t0 + 6000 });
    expect(second?.outcome).toBeUndefined();
    expect(second?.finishedAt).toBeUndefined();
    ctx.clock.advance(1000);
    expect(backend.ledger()[1]).toMatchObject({ outcome: "succeeded", finishedAt: t0 + 7000 });
  });

  it("falls back to AapProvider's provisionkit vars, then to the template", async () => {
    const { backend, endpoint } = await aapBackend();
    const own = {
      provisionkit: {
        operation: "provision",
        correlation_id: "c-own",
        config_version: "v-own",
        resource: { key: "ns/w-own" },
      },
    };
    await launch(endpoint, "create-widget", own);
    await launch(endpoint, "delete-widget", {});
    await launch(endpoint, "create-widget", {});
    const ledger = backend.ledger();
    expect(ledger[0]).toMatchObject({
      resourceKey: "ns/w-own",
      operation: "provision",
      correlationId: "c-own",
      configVersion: "v-own",
    });
    expect(ledger[1]).toMatchObject({ resourceKey: "", operation: "deprovision" });
    expect(ledger[1]?.correlationId).toBeUndefined();
    expect(ledger[2]).toMatchObject({ operation: "provision" });
  });

  it("scriptNext: outcome and duration from creation to the end, per operation", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    backend.scriptNext("provision", { outcome: "failed", durationMs: 2000 });
    backend.scriptNext("deprovision", { durationMs: 300 });
    const start = ctx.clock.now();
    await launch(endpoint, "create-widget", eventVars(payload("w", "provision", "c-1", "v1")));
    await launch(endpoint, "delete-widget", eventVars(payload("w", "deprovision", "c-2")));
    ctx.clock.advance(299);
    expect(backend.ledger().map((j) => j.outcome)).toEqual([undefined, undefined]);
    ctx.clock.advance(1);
    expect(backend.ledger().map((j) => j.outcome)).toEqual([undefined, "succeeded"]);
    ctx.clock.advance(1699);
    expect(backend.ledger()[0]?.outcome).toBeUndefined();
    ctx.clock.advance(1);
    expect(backend.ledger()[0]).toMatchObject({ outcome: "failed", finishedAt: start + 2000 });
    // Consumed: the next provision has the simulator's own timings again.
    await launch(endpoint, "create-widget", eventVars(payload("w", "provision", "c-3", "v2")));
    ctx.clock.advance(2000);
    expect(backend.ledger()[2]?.outcome).toBeUndefined();
  });

  it("scriptNext queuedMs: the job exists at once, pending (as AWX's waiting for capacity), and its duration starts after", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    expect(backend.controls.queuedJobs).toBe(true);
    expect(() => backend.scriptNext("provision", { queuedMs: -1 })).toThrow(RangeError);
    expect(() => backend.scriptNext("provision", { queuedMs: Number.NaN })).toThrow(RangeError);
    backend.scriptNext("provision", { queuedMs: 60_000, durationMs: 2000 });
    const start = ctx.clock.now();
    const launched = await launch(
      endpoint,
      "create-widget",
      eventVars(payload("w", "provision", "c-1", "v1")),
    );
    const read = () => call(endpoint.url, endpoint.token, `jobs/${String(launched.json.id)}/`);
    expect(backend.ledger()).toMatchObject([{ correlationId: "c-1", createdAt: start }]);
    ctx.clock.advance(60_000);
    expect((await read()).json.status).toBe("pending");
    ctx.clock.advance(1999);
    expect(backend.ledger()[0]?.outcome).toBeUndefined();
    expect((await read()).json.status).toBe("running");
    ctx.clock.advance(1);
    expect(backend.ledger()[0]).toMatchObject({
      outcome: "succeeded",
      finishedAt: start + 62_000,
    });
  });

  it("scriptNext neverFinishes: only a cancel ends the job", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    backend.scriptNext("provision", { neverFinishes: true });
    const launched = await launch(
      endpoint,
      "create-widget",
      eventVars(payload("w", "provision", "c-1", "v1")),
    );
    ctx.clock.advance(24 * 3600_000);
    const job = await call(endpoint.url, endpoint.token, `jobs/${String(launched.json.id)}/`);
    expect(job.json.status).toBe("running");
    const cancelAt = ctx.clock.now();
    const cancel = await call(
      endpoint.url,
      endpoint.token,
      `jobs/${String(launched.json.id)}/cancel/`,
      {},
    );
    expect(cancel.status).toBe(202);
    expect(backend.ledger()[0]).toMatchObject({ cancelRequestedAt: cancelAt });
    expect(backend.ledger()[0]?.outcome).toBeUndefined();
    ctx.clock.advance(1000);
    expect(backend.ledger()[0]).toMatchObject({ outcome: "canceled", finishedAt: cancelAt + 1000 });
  });

  it("purge: the job answers 404 and the ledger says when", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    const launched = await launch(
      endpoint,
      "create-widget",
      eventVars(payload("w", "provision", "c", "v")),
    );
    ctx.clock.advance(10);
    const [job] = backend.ledger();
    backend.purge!(job!);
    expect(backend.ledger()[0]?.purgedAt).toBe(ctx.clock.now());
    const read = await call(endpoint.url, endpoint.token, `jobs/${String(launched.json.id)}/`);
    expect(read.status).toBe(404);
  });

  it("rateLimitNext: the next n launches answer 429 with Retry-After, nothing is launched", async () => {
    const { backend, endpoint } = await aapBackend();
    backend.rateLimitNext!(2, 1500);
    const vars = eventVars(payload("w", "provision", "c", "v"));
    // Reads are not rate limited.
    expect((await call(endpoint.url, endpoint.token, "job_templates/")).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const answer = await launch(endpoint, "create-widget", vars);
      expect(answer.status).toBe(429);
      expect(answer.headers.get("retry-after")).toBe("2");
    }
    expect(backend.ledger()).toEqual([]);
    expect((await launch(endpoint, "create-widget", vars)).status).toBe(201);
    expect(backend.ledger()).toHaveLength(1);
    backend.rateLimitNext!(0, 1000);
    expect((await launch(endpoint, "create-widget", vars)).status).toBe(201);
    expect(() => backend.rateLimitNext!(-1, 1000)).toThrow(RangeError);
  });

  it("failNextReads: the next n job reads and lookups answer 503, launches go through", async () => {
    const { backend, endpoint } = await aapBackend();
    backend.failNextReads!(2);
    const vars = eventVars(payload("w", "provision", "c", "v"));
    // A launch (with its template reads) is not a job read: it goes through and does not
    // use up the count.
    expect((await launch(endpoint, "create-widget", vars)).status).toBe(201);
    expect((await call(endpoint.url, endpoint.token, "job_templates/")).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      expect((await call(endpoint.url, endpoint.token, "jobs/")).status).toBe(503);
    }
    expect((await call(endpoint.url, endpoint.token, "jobs/")).status).toBe(200);
    expect(backend.ledger()).toHaveLength(1);
    expect(() => backend.failNextReads!(-1)).toThrow(RangeError);
  });

  it("failNextCancels: the next n cancel POSTs answer 503, reads and launches go through", async () => {
    const { backend, endpoint } = await aapBackend();
    backend.failNextCancels!(2);
    const vars = eventVars(payload("w", "provision", "c", "v"));
    const launched = await launch(endpoint, "create-widget", vars);
    expect(launched.status).toBe(201);
    const id = String(launched.json.id);
    // A read is not a cancel: it goes through and does not use up the count.
    expect((await call(endpoint.url, endpoint.token, `jobs/${id}/`)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      expect((await call(endpoint.url, endpoint.token, `jobs/${id}/cancel/`, {})).status).toBe(503);
    }
    expect(backend.ledger()[0]?.cancelRequestedAt).toBeUndefined();
    expect((await call(endpoint.url, endpoint.token, `jobs/${id}/cancel/`, {})).status).toBe(202);
    expect(backend.ledger()[0]?.cancelRequestedAt).toBeDefined();
    expect(() => backend.failNextCancels!(-1)).toThrow(RangeError);
  });

  it("holdNext: the next n job reads (or cancels) are held unanswered, onHeld told as each is; releaseHeld answers them", async () => {
    const { backend, endpoint } = await aapBackend();
    const held: string[] = [];
    const told = (kind: string) => {
      let tell = (): void => undefined;
      const once = new Promise<void>((resolve) => (tell = resolve));
      return { once, tell: () => (held.push(kind), tell()) };
    };
    const readHeld = told("read");
    const cancelHeld = told("cancel");
    backend.holdNext!("read", 1, readHeld.tell);
    backend.holdNext!("cancel", 1, cancelHeld.tell);
    const vars = eventVars(payload("w", "provision", "c", "v"));
    // A launch and its template reads are neither: they go through.
    const launched = await launch(endpoint, "create-widget", vars);
    expect(launched.status).toBe(201);
    expect(held).toEqual([]);
    const id = String(launched.json.id);
    const read = call(endpoint.url, endpoint.token, `jobs/${id}/`);
    await readHeld.once;
    // The next read goes through while the first is held.
    expect((await call(endpoint.url, endpoint.token, `jobs/${id}/`)).status).toBe(200);
    const cancel = call(endpoint.url, endpoint.token, `jobs/${id}/cancel/`, {});
    await cancelHeld.once;
    // Each rule's onHeld is told of its own requests only.
    expect(held).toEqual(["read", "cancel"]);
    expect(backend.ledger()[0]?.cancelRequestedAt).toBeUndefined();
    backend.releaseHeld!();
    expect((await read).status).toBe(200);
    expect((await cancel).status).toBe(202);
    expect(backend.ledger()[0]?.cancelRequestedAt).toBeDefined();
    expect(() => backend.holdNext!("read", -1, () => undefined)).toThrow(RangeError);
  });

  it("holdNext: a held template read is answered on release; a held launch never is, and makes no job", async () => {
    const { backend, endpoint } = await aapBackend();
    let tell = (): void => undefined;
    const heldOnce = () => new Promise<void>((resolve) => (tell = resolve));
    const vars = eventVars(payload("w", "provision", "c", "v"));
    backend.holdNext!("template", 1, () => tell());
    let held = heldOnce();
    const read = call(endpoint.url, endpoint.token, "unified_job_templates/?name=create-widget");
    await held;
    backend.holdNext!("launch", 1, () => tell());
    held = heldOnce();
    const launched = launch(endpoint, "create-widget", vars).then(
      () => "answered",
      () => "cut",
    );
    await held;
    backend.releaseHeld!();
    expect((await read).status).toBe(200);
    expect(await launched).toBe("cut");
    expect(backend.ledger()).toEqual([]);
  });

  it("loseNextAnswer: the next launch creates its job, then its connection drops", async () => {
    const { backend, endpoint } = await aapBackend();
    backend.loseNextAnswer!("provision");
    const vars = eventVars(payload("w", "provision", "corr-lost", "v"));
    // Reads are untouched.
    expect((await call(endpoint.url, endpoint.token, "job_templates/")).status).toBe(200);
    await expect(launch(endpoint, "create-widget", vars)).rejects.toThrow();
    expect(backend.ledger().map((j) => j.correlationId)).toEqual(["corr-lost"]);
    expect((await launch(endpoint, "create-widget", vars)).status).toBe(201);
    expect(backend.ledger()).toHaveLength(2);
  });

  it("failNext: the next n requests of any kind answer 503", async () => {
    const { backend, endpoint } = await aapBackend();
    backend.failNext!(2);
    expect((await call(endpoint.url, endpoint.token, "job_templates/")).status).toBe(503);
    const vars = eventVars(payload("w", "provision", "c", "v"));
    expect((await launch(endpoint, "create-widget", vars)).status).toBe(503);
    expect(backend.ledger()).toEqual([]);
    expect((await launch(endpoint, "create-widget", vars)).status).toBe(201);
  });

  it("workflow templates and custom template names", async () => {
    const { backend, ctx, endpoint } = await aapBackend({
      workflow: true,
      templates: { provision: "build", deprovision: "teardown" },
    });
    expect(backend.name).toBe("AAP simulator (workflows)");
    const list = await call(endpoint.url, endpoint.token, "workflow_job_templates/?order_by=name");
    expect((list.json.results as { name: string }[]).map((t) => t.name)).toEqual([
      "build",
      "teardown",
    ]);
    backend.scriptNext("deprovision", { durationMs: 1000 });
    const vars = eventVars(payload("w", "deprovision", "c"));
    expect((await launch(endpoint, "teardown", vars, "workflow_job_templates")).status).toBe(201);
    ctx.clock.advance(999);
    expect(backend.ledger()[0]?.outcome).toBeUndefined();
    ctx.clock.advance(1);
    expect(backend.ledger()[0]).toMatchObject({ operation: "deprovision", outcome: "succeeded" });
  });

  it("stop is idempotent; the ledger stays readable; start again begins afresh", async () => {
    const { backend, ctx, endpoint } = await aapBackend();
    await launch(endpoint, "create-widget", eventVars(payload("w", "provision", "c", "v")));
    await backend.stop();
    await backend.stop();
    expect(() => backend.provider()).toThrow(/not started/);
    expect(backend.ledger()).toHaveLength(1);
    await backend.start(ctx);
    await expect(backend.start(ctx)).rejects.toThrow(/already started/);
    expect(backend.ledger()).toEqual([]);
    await backend.stop();
  });

  it("needs a provider factory", () => {
    expect(() => aapSimulatorBackend({} as Parameters<typeof aapSimulatorBackend>[0])).toThrow(
      TypeError,
    );
  });
});
