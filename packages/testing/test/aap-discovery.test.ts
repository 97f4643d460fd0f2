import { afterEach, describe, expect, it } from "vitest";
import { AapSimulator, VirtualClock } from "@provisionkit/testing";
import { body, call, GW, V2 } from "./aap-support.js";

let aap: AapSimulator | undefined;
afterEach(() => aap?.stop());

async function started(discovery?: "gateway" | "controller"): Promise<string> {
  aap = new AapSimulator({ clock: new VirtualClock(), ...(discovery ? { discovery } : {}) });
  return aap.start();
}

describe("AAP simulator: lifecycle of the server", () => {
  it("listens on loopback, exposes its url only while started, and stops idempotently", async () => {
    aap = new AapSimulator();
    expect(() => aap?.url).toThrow(/not started/);
    const url = await aap.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(aap.url).toBe(url);
    await aap.stop();
    await aap.stop();
    expect(() => aap?.url).toThrow(/not started/);
  });
});

describe("AAP simulator: discovery and ping (research §1)", () => {
  it("answers GET /api/ as the platform gateway by default, then the controller root", async () => {
    const url = await started();
    const root = await call(url, "/api/", { token: null });
    expect(root.status).toBe(200);
    expect(body(root).apis).toEqual({
      gateway: "/api/gateway/",
      controller: "/api/controller/",
      eda: "/api/eda/",
    });
    expect(body(root)).not.toHaveProperty("current_version");
    const controller = await call(url, "/api/controller/", { token: null });
    expect(controller.status).toBe(200);
    expect(body(controller)).toMatchObject({
      current_version: "/api/controller/v2/",
      available_versions: { v2: "/api/controller/v2/" },
    });
  });

  it("answers GET /api/ as a direct controller in controller mode", async () => {
    const url = await started("controller");
    const root = await call(url, "/api/", { token: null });
    expect(root.status).toBe(200);
    expect(body(root)).toMatchObject({
      description: "AWX REST API",
      current_version: "/api/v2/",
      available_versions: { v2: "/api/v2/" },
    });
    expect(body(root)).not.toHaveProperty("apis");
  });

  it("serves ping without authentication under both prefixes, with AWX's shape", async () => {
    const url = await started();
    for (const base of [V2, GW]) {
      const reply = await call(url, `${base}ping/`, { token: null });
      expect(reply.status).toBe(200);
      const ping = body(reply);
      expect(ping).toMatchObject({ ha: false, version: expect.any(String) as unknown });
      expect(typeof ping.active_node).toBe("string");
      expect(typeof ping.install_uuid).toBe("string");
      expect(ping.instances).toEqual([
        expect.objectContaining({
          node: ping.active_node,
          node_type: "hybrid",
          uuid: expect.any(String) as unknown,
          heartbeat: "2026-01-01T00:00:00.000Z",
          capacity: expect.any(Number) as unknown,
          version: ping.version,
        }),
      ]);
      expect(ping.instance_groups).toEqual(
        expect.arrayContaining([
          {
            name: "default",
            capacity: expect.any(Number) as unknown,
            instances: [ping.active_node],
          },
        ]),
      );
    }
  });

  it("lists the endpoints at the version roots, with the request's prefix", async () => {
    const url = await started();
    expect(body(await call(url, V2, { token: null })).jobs).toBe("/api/v2/jobs/");
    expect(body(await call(url, GW, { token: null })).workflow_jobs).toBe(
      "/api/controller/v2/workflow_jobs/",
    );
  });

  it("sends X-API-Node, X-API-Time and a JSON content type; product headers only when authenticated", async () => {
    const url = await started();
    const anonymous = await call(url, `${V2}ping/`, { token: null });
    expect(anonymous.headers["x-api-node"]).toBe(body(anonymous).active_node);
    expect(anonymous.headers["x-api-time"]).toMatch(/^\d+\.\d{3}s$/);
    expect(anonymous.headers["content-type"]).toBe("application/json");
    expect(anonymous.headers["x-api-product-name"]).toBeUndefined();
    const authenticated = await call(url, `${V2}jobs/`);
    expect(authenticated.headers["x-api-product-name"]).toBe("AWX");
    expect(authenticated.headers["x-api-product-version"]).toBe(body(anonymous).version);
  });
});

describe("AAP simulator: paths", () => {
  it("answers 404 'could not be found' for unknown paths, with or without credentials", async () => {
    const url = await started();
    for (const path of ["/api/v2/nothing/", "/api/v3/jobs/", "/elsewhere", "/api/v2/jobs/x/"]) {
      for (const token of [null, undefined]) {
        const reply = await call(url, path, { token });
        expect(reply.status, path).toBe(404);
        expect(reply.json).toEqual({ detail: "The requested resource could not be found." });
      }
    }
  });

  it("redirects a slash-less path 301 like Django's APPEND_SLASH, any method, before auth", async () => {
    const url = await started();
    aap?.addJobTemplate({ name: "jt" });
    const list = await call(url, "/api/v2/job_templates?name=jt&page_size=5", { token: null });
    expect(list.status).toBe(301);
    expect(list.headers.location).toBe("/api/v2/job_templates/?name=jt&page_size=5");
    expect(list.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(list.text).toBe("");
    const launch = await call(url, `${GW}job_templates/1/launch`, { body: {} });
    expect(launch.status).toBe(301);
    expect(launch.headers.location).toBe(`${GW}job_templates/1/launch/`);
    expect(aap?.ledger()).toEqual([]);
    // A path that the slash does not help stays Django's 404.
    const unknown = await call(url, "/api/v2/nothing_here");
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ detail: "The requested resource could not be found." });
  });

  it("a client following the 301 replays a slash-less launch POST as a GET: nothing launched", async () => {
    const url = await started();
    aap?.addJobTemplate({ name: "jt" });
    const reply = await fetch(`${url}/api/v2/job_templates/1/launch`, {
      method: "POST",
      headers: { Authorization: "Bearer sim-token", "Content-Type": "application/json" },
      body: "{}",
    });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toMatchObject({ job_template_data: { name: "jt", id: 1 } });
    expect(aap?.ledger()).toEqual([]);
    expect(aap?.requests().map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", "/api/v2/job_templates/1/launch", 301],
      ["GET", "/api/v2/job_templates/1/launch/", 200],
    ]);
  });

  it("serves the same objects under both prefixes, with links in the request's own prefix", async () => {
    const url = await started();
    const id = aap?.addJobTemplate({ name: "jt" });
    for (const base of [V2, GW]) {
      const list = body(await call(url, `${base}job_templates/`));
      const [template] = list.results as Record<string, unknown>[];
      expect(template?.url).toBe(`${base}job_templates/${id}/`);
      expect((template?.related as Record<string, unknown>).launch).toBe(
        `${base}job_templates/${id}/launch/`,
      );
    }
  });

  it("answers 405 with DRF's message and an Allow header for a method a path does not take", async () => {
    const url = await started();
    const reply = await call(url, `${V2}jobs/`, { method: "PUT", body: {} });
    expect(reply.status).toBe(405);
    expect(reply.json).toEqual({ detail: 'Method "PUT" not allowed.' });
    expect(reply.headers.allow).toBe("GET");
    expect(aap?.requests().at(-1)?.operation).toBeUndefined();
  });
});
