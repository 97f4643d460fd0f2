/** edaSimulatorBackend: the EDA simulator as a conformance backend (webhook, HMAC, playbook write-back, ledger, faults). */
import { configVersion } from "@provisionkit/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  call,
  cleanup,
  edaBackend,
  payload,
  ref,
  sendEvent,
  widget,
} from "./conformance/backends-support.js";

afterEach(cleanup);

describe("edaSimulatorBackend", () => {
  it("hands the provider the webhook, the HMAC secret and the AAP endpoint", async () => {
    const { backend, endpoint } = await edaBackend();
    expect(backend.name).toBe("EDA simulator");
    expect(endpoint.webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoint.aap.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoint.aap.token).toBe("sim-token");
    expect(endpoint.hmacSecret.length).toBeGreaterThan(16);
    expect(backend.secrets).toEqual([endpoint.hmacSecret, "sim-token"]);
    expect(Object.values(backend.controls).every(Boolean)).toBe(true);
    // Unsigned events are refused by the webhook's HMAC check.
    expect((await sendEvent(endpoint, "create-widget", {}, false)).status).toBe(400);
  });

  it("a signed event launches on settle, shows in the ledger, and the playbook writes back", async () => {
    const { backend, ctx, endpoint } = await edaBackend();
    ctx.kube.createObject(widget("w-1"));
    backend.scriptNext("provision", { durationMs: 1000 });
    const sent = await sendEvent(
      endpoint,
      "create-widget",
      payload("w-1", "provision", "c-1", "v1"),
    );
    expect(sent.status).toBe(200);
    expect(backend.ledger()).toEqual([]);
    await backend.settle!();
    const launchedAt = ctx.clock.now();
    expect(backend.ledger()).toEqual([
      {
        id: expect.any(String) as unknown,
        resourceKey: "default/w-1",
        operation: "provision",
        configVersion: "v1",
        // The spec the job received (the payload's Widget spec), for P4's old-spec check.
        appliedConfigVersion: configVersion({ size: 1 }),
        correlationId: "c-1",
        createdAt: launchedAt,
      },
    ]);
    ctx.clock.advance(1000);
    await backend.settle!();
    expect(backend.ledger()[0]).toMatchObject({
      outcome: "succeeded",
      finishedAt: launchedAt + 1000,
    });
    const object = ctx.kube.getObject(ref("w-1"));
    expect(object?.metadata.finalizers).toEqual(["provisionkit.io/aap"]);
    expect(object?.metadata.annotations).toMatchObject({
      "provisionkit.io/applied-config-version": "v1",
      "provisionkit.io/applied-correlation-id": "c-1",
    });

    backend.scriptNext("deprovision", { durationMs: 500 });
    await sendEvent(endpoint, "delete-widget", payload("w-1", "deprovision", "c-2"));
    await backend.settle!();
    ctx.clock.advance(500);
    await backend.settle!();
    expect(backend.ledger()[1]).toMatchObject({
      operation: "deprovision",
      correlationId: "c-2",
      outcome: "succeeded",
    });
    const after = ctx.kube.getObject(ref("w-1"));
    expect(after?.metadata.finalizers ?? []).toEqual([]);
    expect(after?.metadata.annotations?.["provisionkit.io/applied-correlation-id"]).toBe("c-2");
  });

  it("scriptNext queuedMs: the event waits in the activation's queue, and no AAP job exists until its rule launches it", async () => {
    const { backend, ctx, endpoint } = await edaBackend();
    ctx.kube.createObject(widget("w-4"));
    expect(() => backend.scriptNext("provision", { queuedMs: -1, durationMs: 1 })).toThrow(
      RangeError,
    );
    backend.scriptNext("provision", { queuedMs: 600_000, durationMs: 1000 });
    const start = ctx.clock.now();
    const sent = await sendEvent(
      endpoint,
      "create-widget",
      payload("w-4", "provision", "c-4", "v1"),
    );
    // Answered at once.
    expect(sent.status).toBe(200);
    ctx.clock.advance(599_999);
    await backend.settle!();
    expect(backend.ledger()).toEqual([]);
    expect((await call(endpoint.aap.url, endpoint.aap.token, "jobs/")).json).toMatchObject({
      count: 0,
    });
    ctx.clock.advance(1);
    await backend.settle!();
    expect(backend.ledger()).toMatchObject([{ correlationId: "c-4", createdAt: start + 600_000 }]);
    ctx.clock.advance(1000);
    await backend.settle!();
    // The AAP side had the duration only (the rejected script above scripted nothing).
    expect(backend.ledger()[0]).toMatchObject({
      outcome: "succeeded",
      finishedAt: start + 601_000,
    });
  });

  it("a scripted failure writes the failure annotation; purge is the AAP purge", async () => {
    const { backend, ctx, endpoint } = await edaBackend();
    ctx.kube.createObject(widget("w-2"));
    backend.scriptNext("provision", { outcome: "failed", durationMs: 200 });
    await sendEvent(endpoint, "create-widget", payload("w-2", "provision", "c-9", "v1"));
    await backend.settle!();
    ctx.clock.advance(200);
    await backend.settle!();
    const [job] = backend.ledger();
    expect(job).toMatchObject({ outcome: "failed" });
    const failure = ctx.kube.getObject(ref("w-2"))?.metadata.annotations?.[
      "provisionkit.io/playbook-failure"
    ];
    expect(JSON.parse(failure ?? "{}")).toMatchObject({
      correlationId: "c-9",
      operation: "provision",
    });
    backend.purge!(job!);
    expect(backend.ledger()[0]?.purgedAt).toBe(ctx.clock.now());
    const read = await call(endpoint.aap.url, endpoint.aap.token, `jobs/${job!.id}/`);
    expect(read.status).toBe(404);
  });

  it("a successful job whose playbook could not write (its rescue ran) is failed in the ledger, as the real job fails", async () => {
    const { backend, ctx, endpoint } = await edaBackend();
    ctx.kube.createObject(widget("w-3"));
    backend.scriptNext("provision", { durationMs: 200 });
    await sendEvent(endpoint, "create-widget", payload("w-3", "provision", "c-7", "v1"));
    await backend.settle!();
    // Every PATCH of the playbook is refused (a 500 the API server did not process).
    const refused = ctx.kube.faults.status({ code: 500, times: Infinity, method: "PATCH" });
    ctx.clock.advance(200);
    await backend.settle!();
    refused.remove();
    // AAP ended the job successful before its playbook wrote; the playbook's rescue fails it.
    expect(backend.ledger()[0]).toMatchObject({
      outcome: "failed",
      finishedAt: expect.any(Number) as unknown,
    });
    const annotations = ctx.kube.getObject(ref("w-3"))?.metadata.annotations ?? {};
    expect(annotations["provisionkit.io/applied-correlation-id"]).toBeUndefined();
  });

  it("rateLimitNext and failNext answer the next events with 429 (Retry-After) and 503", async () => {
    const { backend, endpoint } = await edaBackend();
    const event = payload("w", "provision", "c", "v1");
    backend.rateLimitNext!(2, 2500);
    for (let i = 0; i < 2; i++) {
      const answer = await sendEvent(endpoint, "create-widget", event);
      expect(answer.status).toBe(429);
      expect(answer.headers.get("retry-after")).toBe("3");
    }
    backend.failNext!(1);
    expect((await sendEvent(endpoint, "delete-widget", event)).status).toBe(503);
    await backend.settle!();
    expect(backend.ledger()).toEqual([]);
    expect((await sendEvent(endpoint, "create-widget", event)).status).toBe(200);
    await backend.settle!();
    expect(backend.ledger()).toHaveLength(1);
  });

  it("failNextReads: the next n job reads on the AAP simulator answer 503, events and the rules' launches go through", async () => {
    const { backend, endpoint } = await edaBackend();
    expect(backend.controls.readFailures).toBe(true);
    backend.failNextReads!(2);
    const event = payload("w", "provision", "c", "v1");
    expect((await sendEvent(endpoint, "create-widget", event)).status).toBe(200);
    await backend.settle!();
    // The rule's launch (with its template lookup) went through and did not use up the count.
    expect(backend.ledger()).toHaveLength(1);
    expect((await call(endpoint.aap.url, endpoint.aap.token, "job_templates/")).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      expect((await call(endpoint.aap.url, endpoint.aap.token, "jobs/")).status).toBe(503);
    }
    expect((await call(endpoint.aap.url, endpoint.aap.token, "jobs/")).status).toBe(200);
    expect(() => backend.failNextReads!(-1)).toThrow(RangeError);
  });

  it("holdNext holds job reads on the AAP simulator; a template hold leaves the rules' own launches alone", async () => {
    const { backend, endpoint } = await edaBackend();
    expect(backend.controls.holds).toBe(true);
    const held: string[] = [];
    backend.holdNext!("template", 1, () => held.push("template"));
    const event = payload("w", "provision", "c", "v1");
    expect((await sendEvent(endpoint, "create-widget", event)).status).toBe(200);
    await backend.settle!();
    // The rule looked its template up and launched: nothing was held.
    expect(backend.ledger()).toHaveLength(1);
    expect(held).toEqual([]);
    let tell = (): void => undefined;
    const once = new Promise<void>((resolve) => (tell = resolve));
    backend.holdNext!("read", 1, () => (held.push("read"), tell()));
    const read = call(endpoint.aap.url, endpoint.aap.token, "jobs/");
    await once;
    expect(held).toEqual(["read"]);
    backend.releaseHeld!();
    expect((await read).status).toBe(200);
  });

  it("holdNext('launch') holds the provider's next event on the webhook; released, it is dropped and launches nothing", async () => {
    const { backend, endpoint } = await edaBackend();
    const held: string[] = [];
    const holdOne = (name: string): Promise<void> =>
      new Promise<void>((resolve) =>
        backend.holdNext!("launch", 1, () => (held.push(name), resolve())),
      );
    const pending = (name: string, correlationId: string) => {
      const sent = sendEvent(
        endpoint,
        "create-widget",
        payload("w", "provision", correlationId, "v1"),
      );
      const state = { settled: false, sent };
      void sent.then(
        () => (state.settled = true),
        () => (state.settled = true),
      );
      return state;
    };
    // Each hold's listener is told of its own event only.
    const firstHeld = holdOne("first");
    const first = pending("first", "c-1");
    await firstHeld;
    const secondHeld = holdOne("second");
    const second = pending("second", "c-2");
    await secondHeld;
    await backend.settle!();
    expect(held).toEqual(["first", "second"]);
    expect([first.settled, second.settled]).toEqual([false, false]);
    expect(backend.ledger()).toEqual([]);
    // Later events go through while those are held.
    const third = payload("w", "provision", "c-3", "v1");
    expect((await sendEvent(endpoint, "create-widget", third)).status).toBe(200);
    backend.releaseHeld!();
    // Dropped unanswered: their connections are cut, and only the third event launched.
    await expect(first.sent).rejects.toThrow();
    await expect(second.sent).rejects.toThrow();
    await backend.settle!();
    expect(backend.ledger().map((j) => j.correlationId)).toEqual(["c-3"]);
    expect(() => backend.holdNext!("launch", -1, () => undefined)).toThrow(RangeError);
  });

  it("stop is idempotent; settle after stop does nothing", async () => {
    const { backend, ctx } = await edaBackend({ eda: { eventLatencyMs: 10 } });
    await backend.stop();
    await backend.stop();
    await backend.settle!();
    expect(() => backend.provider()).toThrow(/not started/);
    await backend.start(ctx);
    await backend.stop();
  });
});
