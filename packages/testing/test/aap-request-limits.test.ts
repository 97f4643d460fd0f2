/**
 * `delay` faults on the simulator's clock, under AWX's request limits (uwsgi harakiri with
 * its graceful timeout, nginx's read timeout, ATOMIC_REQUESTS): src/aap/request-limits.ts.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { AapSimulator, VirtualClock, type AapSimulatorOptions } from "@provisionkit/testing";
import { request as httpRequest } from "node:http";
import { call, TOKEN, V2, type Reply } from "./aap-support.js";

let aap: AapSimulator | undefined;
afterEach(() => aap?.stop());

async function start(options: Omit<AapSimulatorOptions, "clock"> = {}) {
  const clock = new VirtualClock();
  const sim = new AapSimulator({ clock, ...options });
  aap = sim;
  const url = await sim.start();
  const launchPath = `${V2}job_templates/${sim.addJobTemplate({ name: "jt" })}/launch/`;
  /** Posts a launch held by a delay of `ms`; resolves once the simulator has it. */
  const delayedLaunch = async (ms: number): Promise<{ reply: Promise<Reply> }> => {
    sim.faults.inject({ operation: "launch", action: { type: "delay", ms } });
    const reply = call(url, launchPath, { body: {} });
    await vi.waitFor(() => expect(sim.requests().at(-1)?.operation).toBe("launch"), {
      interval: 2,
    });
    return { reply };
  };
  return { clock, sim, url, launchPath, t0: clock.now(), delayedLaunch };
}

/** The status the simulator recorded for its first request (0: not answered yet). */
function firstStatus(sim: AapSimulator): number | undefined {
  return sim.requests()[0]?.status;
}

describe("AAP simulator: delayed requests on the simulator's clock", () => {
  it("a launch handled in 31 s creates its job at +31 s and is answered then", async () => {
    const { clock, sim, t0, delayedLaunch } = await start();
    const { reply } = await delayedLaunch(31_000);
    clock.advance(30_999);
    expect(sim.ledger()).toEqual([]);
    expect(firstStatus(sim)).toBe(0);
    clock.advance(1);
    expect(sim.ledger().map((job) => job.createdAt)).toEqual([t0 + 31_000]);
    const answer = await reply;
    expect(answer.status).toBe(201);
    expect((answer.json as { created: string }).created).toBe(new Date(t0 + 31_000).toISOString());
    expect(firstStatus(sim)).toBe(201);
  });

  it("the job appears even when the client gave up before the answer (timeout after accept)", async () => {
    const { clock, sim, url, launchPath, t0 } = await start();
    sim.faults.inject({ operation: "launch", action: { type: "delay", ms: 31_000 } });
    const payload = "{}";
    const req = httpRequest(`${url}${launchPath}`, {
      method: "POST",
      agent: false,
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        "Content-Type": "application/json",
        "Content-Length": "2",
      },
    });
    const gaveUp = new Promise<Error>((resolve) => req.on("error", resolve));
    req.end(payload);
    await vi.waitFor(() => expect(sim.requests()).toHaveLength(1), { interval: 2 });
    clock.advance(30_000);
    req.destroy(new Error("client timeout"));
    expect((await gaveUp).message).toBe("client timeout");
    clock.advance(1000);
    expect(sim.ledger().map((job) => job.createdAt)).toEqual([t0 + 31_000]);
  });

  it("a request arriving later sees the delayed launch's job, which has the lower id", async () => {
    const { clock, sim, url, launchPath, t0, delayedLaunch } = await start();
    const { reply: delayed } = await delayedLaunch(31_000);
    clock.advance(40_000);
    // No poller turn in between: the plain launch itself carries out the due one first.
    const plain = await call(url, launchPath, { body: {} });
    expect(plain.status).toBe(201);
    const ledger = sim.ledger();
    expect(ledger.map((job) => job.createdAt)).toEqual([t0 + 31_000, t0 + 40_000]);
    expect((await delayed).json).toMatchObject({ job: ledger[0]?.id });
  });

  it("past nginx's 120 s the client gets 504 and the launch is still carried out (200 s)", async () => {
    const { clock, sim, t0, delayedLaunch } = await start();
    const { reply } = await delayedLaunch(200_000);
    clock.advance(119_999);
    expect(firstStatus(sim)).toBe(0);
    clock.advance(1);
    const answer = await reply;
    expect(answer.status).toBe(504);
    expect(answer.headers["content-type"]).toBe("text/html");
    expect(answer.text).toContain("<title>504 Gateway Time-out</title>");
    expect(answer.headers["x-api-node"]).toBeUndefined();
    expect(sim.ledger()).toEqual([]);
    clock.advance(80_000);
    expect(sim.ledger().map((job) => job.createdAt)).toEqual([t0 + 200_000]);
    expect(firstStatus(sim)).toBe(504);
  });

  it("a launch still running at harakiri + graceful timeout (225 s) is killed: no job ever", async () => {
    const { clock, sim, delayedLaunch } = await start();
    const { reply } = await delayedLaunch(225_000);
    clock.advance(120_000);
    expect((await reply).status).toBe(504);
    clock.advance(1_000_000);
    expect(sim.ledger()).toEqual([]);
  });

  it("one that ends just before the kill is kept (224.999 s)", async () => {
    const { clock, sim, delayedLaunch } = await start();
    const { reply } = await delayedLaunch(224_999);
    clock.advance(224_999);
    expect((await reply).status).toBe(504);
    expect(sim.ledger()).toHaveLength(1);
  });

  it("harakiriGracefulMs 0 kills at harakiri (115 s): nginx answers 502, no job", async () => {
    const { clock, sim, delayedLaunch } = await start({ harakiriGracefulMs: 0 });
    const { reply } = await delayedLaunch(200_000);
    clock.advance(114_999);
    expect(firstStatus(sim)).toBe(0);
    clock.advance(1);
    const answer = await reply;
    expect(answer.status).toBe(502);
    expect(answer.text).toContain("<title>502 Bad Gateway</title>");
    clock.advance(1_000_000);
    expect(sim.ledger()).toEqual([]);
  });

  it("the operator's limits (harakiri 120 s, graceful 115 s, nginx 125 s)", async () => {
    const { clock, sim, delayedLaunch } = await start({
      harakiriMs: 120_000,
      harakiriGracefulMs: 115_000,
      proxyReadTimeoutMs: 125_000,
    });
    const { reply } = await delayedLaunch(234_999);
    clock.advance(124_999);
    expect(firstStatus(sim)).toBe(0);
    clock.advance(1);
    expect((await reply).status).toBe(504);
    clock.advance(110_000);
    expect(sim.ledger()).toHaveLength(1);
  });

  it("harakiriMs Infinity (AWX 24.6.1 and older): a launch of any length is carried out", async () => {
    const { clock, sim, t0, delayedLaunch } = await start({ harakiriMs: Infinity });
    const { reply } = await delayedLaunch(3_600_000);
    clock.advance(3_600_000);
    expect((await reply).status).toBe(504);
    expect(sim.ledger().map((job) => job.createdAt)).toEqual([t0 + 3_600_000]);
  });

  it("a delay on another operation is held the same way (a job list after 5 s)", async () => {
    const { clock, sim, url } = await start();
    sim.faults.inject({ operation: "job-list", action: { type: "delay", ms: 5000 } });
    const reply = call(url, `${V2}jobs/`);
    await vi.waitFor(() => expect(sim.requests()).toHaveLength(1), { interval: 2 });
    clock.advance(5000);
    expect((await reply).status).toBe(200);
    expect(sim.requests()[0]?.status).toBe(200);
  });

  it("stop() abandons a delayed request unprocessed", async () => {
    const { clock, sim, delayedLaunch } = await start();
    const { reply } = await delayedLaunch(31_000);
    const failed = reply.then(
      () => "answered",
      (error: NodeJS.ErrnoException) => error.code,
    );
    await sim.stop();
    expect(await failed).toBe("ECONNRESET");
    clock.advance(60_000);
    expect(sim.ledger()).toEqual([]);
  });

  it("validates the limits", () => {
    expect(() => new AapSimulator({ harakiriMs: -1 })).toThrow(RangeError);
    expect(() => new AapSimulator({ harakiriGracefulMs: Infinity })).toThrow(RangeError);
    expect(() => new AapSimulator({ proxyReadTimeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => new AapSimulator({ proxyReadTimeoutMs: Infinity })).not.toThrow();
  });
});
