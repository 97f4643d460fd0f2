import { afterEach, describe, expect, it } from "vitest";
import type { ControllerHealth } from "../../src/kubernetes/health.ts";
import { startOperatorServer, type OperatorServer } from "../../src/kubernetes/metrics-server.ts";
import { createPrometheusMetrics } from "../../src/kubernetes/prometheus.ts";

/** A health source the test sets by hand. */
function source(initial: Partial<ControllerHealth> = {}) {
  const state: ControllerHealth = {
    name: "computeinstances.example.com",
    running: true,
    synced: true,
    watchDownForMs: undefined,
    watchRestarts: 0,
    ...initial,
  };
  return { state, health: () => ({ ...state }) };
}

describe("startOperatorServer", () => {
  let server: OperatorServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("serves /healthz, /readyz with each check, and /metrics from the registry", async () => {
    const controller = source({ synced: false });
    const prom = await createPrometheusMetrics({ controller: "ci", defaultMetrics: false });
    prom.hooks.jobLaunched!({ type: "provision", provider: "aap" });
    server = await startOperatorServer({
      controller,
      metrics: prom.registry,
      host: "127.0.0.1",
      port: 0,
      watchDownBoundMs: 5_000,
    });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);

    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, "ok\n"]);

    let ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toBe(
      [
        "[+]computeinstances.example.com:running ok",
        "[-]computeinstances.example.com:informer-synced failed: the informer has not listed the resources yet",
        "[+]computeinstances.example.com:watch ok",
        "readyz check failed",
        "",
      ].join("\n"),
    );
    controller.state.synced = true;
    ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, (await ready.text()).endsWith("readyz check passed\n")]).toEqual([
      200,
      true,
    ]);

    // Down within the bound: still ready; past it: not ready, saying for how long.
    controller.state.watchDownForMs = 5_000;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    controller.state.watchDownForMs = 5_001;
    controller.state.watchRestarts = 3;
    ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toContain(
      "[-]computeinstances.example.com:watch failed: the watch has been down for 5001 ms (bound 5000 ms; 3 restarts)",
    );
    controller.state.watchDownForMs = undefined;
    controller.state.running = false;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);

    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(await metrics.text()).toContain(
      'provisionkit_jobs_launched_total{controller="ci",type="provision",provider="aap"} 1',
    );
  });

  it("answers 404 for other paths (and /metrics without a registry), 405 for other methods; HEAD has no body", async () => {
    server = await startOperatorServer({ controller: [source()], host: "127.0.0.1", port: 0 });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${server.url}/other`)).status).toBe(404);
    const post = await fetch(`${server.url}/healthz`, { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    const head = await fetch(`${server.url}/readyz`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
  });

  it("uses the paths given, and stop() closes kept-alive connections and is idempotent", async () => {
    server = await startOperatorServer({
      controller: source(),
      host: "127.0.0.1",
      port: 0,
      healthzPath: "/live",
      readyzPath: "/ready",
    });
    expect((await fetch(`${server.url}/live`)).status).toBe(200);
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(404);
    const url = server.url;
    await Promise.all([server.stop(), server.stop()]);
    server = undefined;
    await expect(fetch(`${url}/live`)).rejects.toThrow();
  });

  it("rejects a bad port or bound", async () => {
    await expect(startOperatorServer({ controller: source(), port: 70_000 })).rejects.toThrow(
      RangeError,
    );
    await expect(
      startOperatorServer({ controller: source(), port: 0, watchDownBoundMs: -1 }),
    ).rejects.toThrow(RangeError);
  });
});
