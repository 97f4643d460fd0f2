import { describe, expect, it, vi } from "vitest";
import type { AapSimulator, VirtualClock } from "@provisionkit/testing";
import { request as httpRequest } from "node:http";
import { body, call, callFails, TOKEN, V2, withAap } from "./aap-support.js";

let clock: VirtualClock, aap: AapSimulator, url: string, launchPath: string;
withAap((sim) => {
  ({ clock, aap, url } = sim);
  launchPath = `${V2}job_templates/${aap.addJobTemplate({ name: "jt" })}/launch/`;
});

const launch = () => call(url, launchPath, { body: {} });

/** Waits until the simulator has received `count` requests (it records them on arrival). */
async function received(count: number): Promise<void> {
  await vi.waitFor(() => expect(aap.requests()).toHaveLength(count), { interval: 2 });
}

describe("AAP simulator: fault injection", () => {
  it("status: answers the given status instead, without processing, once by default", async () => {
    const handle = aap.faults.inject({
      operation: "launch",
      action: { type: "status", status: 503 },
    });
    const faulted = await launch();
    expect(faulted.status).toBe(503);
    expect(faulted.json).toEqual({ detail: "Service Unavailable" });
    expect(aap.ledger()).toEqual([]);
    expect(handle.fired).toBe(1);
    expect((await launch()).status).toBe(201);
    expect(handle.fired).toBe(1);
    expect(aap.requests().map((r) => [r.status, r.fault])).toEqual([
      [503, "status"],
      [201, undefined],
    ]);
  });

  it("status: sends a custom body and headers; 500 defaults to AWX's text", async () => {
    aap.faults.inject({
      action: {
        type: "status",
        status: 502,
        body: "<html>Bad Gateway</html>",
        headers: { "Content-Type": "text/html" },
      },
    });
    const gateway = await call(url, `${V2}jobs/`);
    expect(gateway.status).toBe(502);
    expect(gateway.text).toBe("<html>Bad Gateway</html>");
    expect(gateway.headers["content-type"]).toBe("text/html");
    aap.faults.inject({ action: { type: "status", status: 500 } });
    expect((await call(url, `${V2}jobs/`)).json).toEqual({
      detail: "A server error has occurred.",
    });
  });

  it("rate-limit: answers 429 with Retry-After and a detail, without processing", async () => {
    aap.faults.inject({
      operation: "launch",
      action: { type: "rate-limit", retryAfterSeconds: 7 },
    });
    const reply = await launch();
    expect(reply.status).toBe(429);
    expect(reply.headers["retry-after"]).toBe("7");
    expect(String(body(reply).detail)).toContain("7 seconds");
    expect(aap.ledger()).toEqual([]);
  });

  it("reset: destroys the connection before processing; nothing happened", async () => {
    aap.faults.inject({ operation: "launch", action: { type: "reset" } });
    const error = await callFails(url, launchPath, { body: {} });
    expect(error.code).toBe("ECONNRESET");
    expect(aap.ledger()).toEqual([]);
    expect(aap.requests()[0]).toMatchObject({ operation: "launch", status: 0, fault: "reset" });
  });

  it("drop-after-accept: the job exists but the client got no answer", async () => {
    aap.faults.inject({ operation: "launch", action: { type: "drop-after-accept" } });
    const error = await callFails(url, launchPath, { body: {} });
    expect(error.code).toBe("ECONNRESET");
    expect(error.message).toMatch(/socket hang up|ECONNRESET/);
    expect(aap.ledger()).toHaveLength(1);
    const jobs = body(await call(url, `${V2}jobs/`));
    expect(jobs.count).toBe(1);
    expect(aap.requests()[0]).toMatchObject({ status: 0, fault: "drop-after-accept" });
  });

  it("delay: stop() cuts it short and the request is never processed", async () => {
    aap.faults.inject({ operation: "launch", action: { type: "delay", ms: 60_000 } });
    const pending = callFails(url, launchPath, { body: {} });
    await received(1);
    const started = performance.now();
    await aap.stop();
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await pending).code).toBe("ECONNRESET");
    expect(aap.ledger()).toEqual([]);
  });

  it("hang: holds the request until faults.release(), then processes it at that time", async () => {
    aap.faults.inject({ operation: "launch", action: { type: "hang" } });
    const pending = launch();
    await received(1);
    clock.advance(5000);
    expect(aap.ledger()).toEqual([]);
    expect(aap.requests()[0]).toMatchObject({ status: 0, fault: "hang", at: clock.now() - 5000 });
    aap.faults.release();
    const reply = await pending;
    expect(reply.status).toBe(201);
    expect(aap.ledger()[0]?.createdAt).toBe(clock.now());
    expect(aap.requests()[0]?.status).toBe(201);
  });

  it("hang: a request released after its client gave up is still carried out (timeout after accept)", async () => {
    aap.faults.inject({ operation: "launch", action: { type: "hang" } });
    const payload = JSON.stringify({});
    const req = httpRequest(`${url}${launchPath}`, {
      method: "POST",
      agent: false,
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        "Content-Type": "application/json",
        "Content-Length": String(Buffer.byteLength(payload)),
      },
    });
    const gaveUp = new Promise<Error>((resolve) => req.on("error", resolve));
    req.end(payload);
    await received(1);
    req.destroy(new Error("client timeout"));
    expect((await gaveUp).message).toBe("client timeout");
    clock.advance(2000);
    aap.faults.release();
    await vi.waitFor(() => expect(aap.ledger()).toHaveLength(1), { interval: 2 });
    expect(aap.ledger()[0]?.createdAt).toBe(clock.now());
  });

  it("hang: onHold tells each listener of each held request, with the rule's label, as it is held", async () => {
    const told: unknown[] = [];
    const stop = aap.faults.onHold((held) => told.push(held));
    aap.faults.inject({ operation: "launch", action: { type: "hang", label: "first" } });
    aap.faults.inject({ operation: "launch", action: { type: "hang" } });
    const first = launch();
    await vi.waitFor(() => expect(told).toHaveLength(1), { interval: 2 });
    const second = launch();
    await vi.waitFor(() => expect(told).toHaveLength(2), { interval: 2 });
    expect(told).toEqual([
      { operation: "launch", method: "POST", label: "first" },
      { operation: "launch", method: "POST" },
    ]);
    // A removed listener is told nothing more; one still registered is.
    stop();
    const still: unknown[] = [];
    aap.faults.onHold((held) => still.push(held));
    aap.faults.inject({ operation: "launch", action: { type: "hang" } });
    const third = launch();
    await vi.waitFor(() => expect(still).toHaveLength(1), { interval: 2 });
    expect(told).toHaveLength(2);
    aap.faults.release();
    expect([(await first).status, (await second).status, (await third).status]).toEqual([
      201, 201, 201,
    ]);
  });

  it("hang with release abandon: faults.release() cuts the request unprocessed (lost before AWX)", async () => {
    aap.faults.inject({ operation: "launch", action: { type: "hang", release: "abandon" } });
    const pending = callFails(url, launchPath, { body: {} });
    await received(1);
    aap.faults.release();
    expect((await pending).code).toBe("ECONNRESET");
    expect(aap.ledger()).toEqual([]);
    expect((await launch()).status).toBe(201);
    expect(() =>
      aap.faults.inject({
        action: { type: "hang", release: "later" as unknown as "abandon" },
      }),
    ).toThrow(RangeError);
  });

  it("hang: stop() releases the held request without processing it", async () => {
    aap.faults.inject({ operation: "launch", action: { type: "hang" } });
    const pending = callFails(url, launchPath, { body: {} });
    await received(1);
    await aap.stop();
    expect((await pending).code).toBe("ECONNRESET");
    expect(aap.ledger()).toEqual([]);
  });

  it("malformed: processes the request, then answers 2xx with the given body", async () => {
    aap.faults.inject({ operation: "launch", action: { type: "malformed", body: '{"job": ' } });
    const raw = await launch();
    expect(raw.status).toBe(201);
    expect(raw.text).toBe('{"job": ');
    expect(raw.headers["content-type"]).toBe("application/json");
    aap.faults.inject({
      operation: "cancel",
      action: { type: "malformed", body: { surprise: true } },
    });
    const id = aap.ledger()[0]?.id ?? 0;
    const cancel = await call(url, `${V2}jobs/${id}/cancel/`, { method: "POST" });
    expect(cancel.status).toBe(202);
    expect(cancel.json).toEqual({ surprise: true });
    expect(aap.job(id)?.cancelRequestedAt).toBe(clock.now());
  });

  it("matches rules by operation and method, in insertion order, for their number of times", async () => {
    const getOnly = aap.faults.inject({
      operation: ["launch-get", "launch"],
      method: "get",
      times: 2,
      action: { type: "status", status: 500 },
    });
    const any = aap.faults.inject({ times: Infinity, action: { type: "status", status: 503 } });
    expect((await launch()).status).toBe(503);
    expect((await call(url, launchPath)).status).toBe(500);
    expect((await call(url, launchPath)).status).toBe(500);
    expect((await call(url, launchPath)).status).toBe(503);
    expect((await call(url, "/api/v2/unknown/")).status).toBe(503);
    expect([getOnly.fired, any.fired]).toEqual([2, 3]);
    any.remove();
    expect((await call(url, launchPath)).status).toBe(200);
  });

  it("does not apply operation rules to unknown paths; clear() removes every rule", async () => {
    aap.faults.inject({
      operation: "job-list",
      times: Infinity,
      action: { type: "status", status: 500 },
    });
    expect((await call(url, "/api/v2/unknown/")).status).toBe(404);
    expect((await call(url, `${V2}jobs/`)).status).toBe(500);
    aap.faults.clear();
    expect((await call(url, `${V2}jobs/`)).status).toBe(200);
  });

  it("validates rules", () => {
    expect(() => aap.faults.inject({ times: 0, action: { type: "reset" } })).toThrow(RangeError);
    expect(() => aap.faults.inject({ action: { type: "delay", ms: -1 } })).toThrow(RangeError);
    expect(() => aap.faults.inject({ action: { type: "status", status: 42 } })).toThrow(RangeError);
  });
});
