/**
 * The standalone simulator server in-process: configuration validation (typed errors naming
 * the field), and the control API on the EDA and Kubernetes simulators behind their
 * forwarding listeners. The CLI as a child process, from Python and curl, is tested in
 * integration/test/sim-server.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseSimServerConfig } from "../src/sim-server/config.js";
import { SimServerError } from "../src/sim-server/errors.js";
import { SimServer, type SimServerInfo } from "../src/sim-server/server.js";

function configError(document: unknown): { code: string; field?: string; message: string } {
  try {
    parseSimServerConfig(document);
  } catch (error) {
    if (error instanceof SimServerError) {
      return { code: error.code, field: error.field, message: error.message };
    }
    throw error;
  }
  throw new Error("accepted");
}

describe("parseSimServerConfig", () => {
  it("accepts a full document and refuses each bad field by its path", () => {
    expect(
      parseSimServerConfig({
        clock: "virtual",
        aap: { jobTemplates: [{ name: "a", script: { runMs: 1, outcome: "failed" } }] },
        kubernetes: { crds: [{ group: "g.io", version: "v1", plural: "things", kind: "Thing" }] },
        eda: { rules: [{ endpoint: "e", template: "a" }] },
      }),
    ).toMatchObject({ clock: "virtual", eda: { rules: [{ endpoint: "e" }] } });
    expect(configError([])).toMatchObject({ code: "invalid-config", field: undefined });
    expect(configError({ aap: { port: 70000 } })).toEqual({
      code: "invalid-config",
      field: "aap.port",
      message: "aap.port: must be <= 65535, got 70000",
    });
    expect(
      configError({ kubernetes: { crds: [{ group: "g", version: "v1", plural: "p" }] } }),
    ).toEqual({
      code: "invalid-config",
      field: "kubernetes.crds[0].kind",
      message: "kubernetes.crds[0].kind: required",
    });
    expect(configError({ aap: { tokens: [{ token: 42, scope: "write" }] } })).toMatchObject({
      field: "aap.tokens[0].token",
      message: "aap.tokens[0].token: expected a string, got a number",
    });
    expect(configError({ eda: { rules: [] } })).toMatchObject({ field: "eda" });
    expect(configError({ aap: {}, eda: { rules: [{ template: "a" }] } })).toMatchObject({
      field: "eda.rules[0]",
      message: "eda.rules[0]: needs exactly one of endpoint and eventStream",
    });
    expect(
      configError({
        aap: {},
        eda: { rules: [{ eventStream: "s", template: "a" }], eventStreams: [] },
      }),
    ).toMatchObject({ field: "eda.rules[0].eventStream" });
    expect(
      configError({
        aap: {},
        eda: { rules: [], eventStreams: [{ name: "s", auth: { type: "oauth" } }] },
      }),
    ).toMatchObject({ field: "eda.eventStreams[0].auth.type" });
    expect(
      configError({ aap: { jobTemplates: [{ name: "a" }, { name: "b" }, { name: "a" }] } }),
    ).toMatchObject({
      field: "aap.jobTemplates[2].name",
    });
    expect(configError({ control: { port: 4000 }, aap: { port: 4000 } })).toMatchObject({
      field: "aap.port",
      message: "aap.port: port 4000 is also control.port",
    });
  });

  it("never quotes a string value in its messages (it may be a token)", () => {
    const { message } = configError({
      kubernetes: { token: "" },
      control: { token: "s3cret-value", port: "s3cret-value" },
    });
    expect(message).not.toContain("s3cret-value");
    expect(configError({ clock: "s3cret-value" }).message).not.toContain("s3cret-value");
  });
});

describe("SimServer in-process", () => {
  let server: SimServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function start(config: ConstructorParameters<typeof SimServer>[0]): Promise<SimServerInfo> {
    server = new SimServer({ control: { token: "ctl" }, ...config });
    return server.start();
  }

  /** Resolves once `check` holds, asking again after each turn of the event loop. */
  async function eventually(check: () => Promise<boolean>): Promise<void> {
    while (!(await check())) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Whether the first listed fault rule has fired (the request it holds has arrived). */
  function firstRuleFired(call: ReturnType<typeof control>): () => Promise<boolean> {
    return async () => {
      const { body } = await call("GET", "/v1/faults");
      return (body as { faults: { fired: number }[] }).faults[0]?.fired === 1;
    };
  }

  function control(info: SimServerInfo) {
    return async (
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: unknown }> => {
      const response = await fetch(`${info.control.url}${path}`, {
        method,
        headers: { authorization: "Bearer ctl" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
  }

  /**
   * A server on virtual time with an EDA rule `create-thing` launching the AAP template of
   * that name: its control calls and the webhook URL of that endpoint.
   */
  async function startEdaThing() {
    const info = await start({
      clock: "virtual",
      aap: { jobTemplates: [{ name: "create-thing", allowSimultaneous: true }] },
      eda: { rules: [{ endpoint: "create-thing", template: "create-thing" }] },
    });
    return { call: control(info), webhook: `${info.eda?.webhookUrl ?? ""}/create-thing` };
  }

  it("EDA: an event launches its job on virtual time; a webhook fault is seen, listed and removed", async () => {
    const { call, webhook } = await startEdaThing();
    expect((await fetch(webhook, { method: "POST", body: "{}" })).status).toBe(200);
    expect(await call("POST", "/v1/clock/advance", { ms: 0 })).toMatchObject({ status: 200 });
    expect(await call("GET", "/v1/aap/ledger")).toMatchObject({
      body: { jobs: [{ templateName: "create-thing" }] },
    });
    expect(await call("POST", "/v1/eda/faults", { type: "webhook", status: 503 })).toMatchObject({
      status: 201,
      body: { fault: { id: "eda-1", simulator: "eda" } },
    });
    expect((await fetch(webhook, { method: "POST", body: "{}" })).status).toBe(503);
    expect(await call("GET", "/v1/eda/events")).toMatchObject({
      body: { events: [{ fate: "launched" }, { fate: "rejected", status: 503 }] },
    });
    expect(await call("DELETE", "/v1/faults/eda-1")).toMatchObject({
      body: { fault: { fired: 1 } },
    });
    expect(await call("DELETE", "/v1/faults/eda-1")).toMatchObject({
      status: 404,
      body: { error: { code: "unknown-fault" } },
    });
  });

  it("EDA: a held event gets no answer until /v1/eda/faults/release; abandoned, it launches nothing", async () => {
    const { call, webhook } = await startEdaThing();
    expect(
      await call("POST", "/v1/eda/faults", { type: "hold", release: "abandon", times: 1 }),
    ).toMatchObject({ status: 201, body: { fault: { simulator: "eda", fired: 0 } } });
    expect(await call("POST", "/v1/eda/faults", { type: "hold", release: "later" })).toMatchObject({
      status: 400,
    });
    let settled = false;
    const held = fetch(webhook, { method: "POST", body: "{}" }).finally(() => (settled = true));
    // Held once the listed rule fired: the event is then neither answered nor launched.
    await eventually(firstRuleFired(call));
    expect(await call("POST", "/v1/clock/advance", { ms: 0 })).toMatchObject({ status: 200 });
    expect(settled).toBe(false);
    expect(await call("POST", "/v1/eda/faults/release")).toEqual({
      status: 200,
      body: { released: true },
    });
    await expect(held).rejects.toThrow();
    expect(await call("POST", "/v1/clock/advance", { ms: 0 })).toMatchObject({ status: 200 });
    expect(await call("GET", "/v1/aap/ledger")).toMatchObject({ body: { jobs: [] } });
    expect(await call("GET", "/v1/eda/events")).toMatchObject({ body: { events: [] } });
  });

  it("EDA: a queue-delay fault keeps a taken event in the activation's queue until the clock reaches it", async () => {
    const { call, webhook } = await startEdaThing();
    for (const bad of [{ delayMs: -1 }, {}, { delayMs: 5, times: 0 }]) {
      expect(await call("POST", "/v1/eda/faults", { type: "queue-delay", ...bad })).toMatchObject({
        status: 400,
      });
    }
    expect(
      await call("POST", "/v1/eda/faults", {
        type: "queue-delay",
        endpoint: "create-thing",
        delayMs: 60_000,
      }),
    ).toMatchObject({ status: 201, body: { fault: { simulator: "eda", fired: 0 } } });
    expect((await fetch(webhook, { method: "POST", body: "{}" })).status).toBe(200);
    expect(await call("POST", "/v1/clock/advance", { ms: 59_999 })).toMatchObject({ status: 200 });
    expect(await call("GET", "/v1/aap/ledger")).toMatchObject({ body: { jobs: [] } });
    expect(await call("GET", "/v1/eda/events")).toMatchObject({
      body: { events: [{ fate: "queued" }] },
    });
    expect(await call("POST", "/v1/clock/advance", { ms: 1 })).toMatchObject({ status: 200 });
    expect(await call("GET", "/v1/eda/events")).toMatchObject({
      body: { events: [{ fate: "launched" }] },
    });
  });

  it("Kubernetes: a status fault through the forwarding listener; reset keeps the URL and clears objects and faults", async () => {
    const info = await start({
      kubernetes: { crds: [{ group: "g.io", version: "v1", plural: "things", kind: "Thing" }] },
    });
    const call = control(info);
    const things = `${info.kubernetes?.url ?? ""}/apis/g.io/v1/namespaces/default/things`;
    const create = () =>
      fetch(things, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ apiVersion: "g.io/v1", kind: "Thing", metadata: { name: "a" } }),
      });
    expect((await create()).status).toBe(201);
    expect(
      await call("POST", "/v1/kubernetes/faults", {
        type: "status",
        code: 500,
        times: "Infinity",
        method: "GET",
      }),
    ).toMatchObject({
      status: 201,
      body: { fault: { rule: { times: "Infinity" } } },
    });
    expect((await fetch(things)).status).toBe(500);
    expect(await call("POST", "/v1/reset")).toMatchObject({ status: 200 });
    expect(await call("GET", "/v1/faults")).toEqual({ status: 200, body: { faults: [] } });
    const list = (await (await fetch(things)).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
    expect(await call("POST", "/v1/kubernetes/faults", { type: "status", code: 500 })).toEqual({
      status: 400,
      body: { error: { code: "invalid-request", field: "times", message: "times: required" } },
    });
  });

  it("a delayed AAP request is answered once the virtual clock reaches its end, not before", async () => {
    const info = await start({ clock: "virtual", aap: {} });
    const call = control(info);
    await call("POST", "/v1/aap/faults", {
      operation: "ping",
      action: { type: "delay", ms: 1000 },
    });
    let answered = false;
    const ping = fetch(`${info.aap?.url ?? ""}/api/v2/ping/`).then((response) => {
      answered = true;
      return response.status;
    });
    // The delay runs from the request's arrival: wait until the simulator holds it.
    const held = async (): Promise<boolean> => {
      const { body } = await call("GET", "/v1/aap/requests");
      return (body as { requests: unknown[] }).requests.length === 1;
    };
    await eventually(held);
    await call("POST", "/v1/clock/advance", { ms: 999 });
    expect(answered).toBe(false);
    await call("POST", "/v1/clock/advance", { ms: 1 });
    expect(await ping).toBe(200);
    expect(await call("GET", "/v1/aap/requests")).toMatchObject({
      body: { requests: [{ operation: "ping", status: 200, fault: "delay" }] },
    });
  });

  it("an AAP reset fault reaches the client through the listener as a cut connection", async () => {
    const info = await start({ aap: {} });
    const call = control(info);
    await call("POST", "/v1/aap/faults", { operation: "ping", action: { type: "reset" } });
    await expect(fetch(`${info.aap?.url ?? ""}/api/v2/ping/`)).rejects.toThrow();
    expect((await fetch(`${info.aap?.url ?? ""}/api/v2/ping/`)).status).toBe(200);
    expect(await call("GET", "/v1/faults")).toMatchObject({ body: { faults: [{ fired: 1 }] } });
  });

  it("an AAP hang with release 'abandon' is cut on /v1/aap/faults/release, not answered", async () => {
    const info = await start({ aap: {} });
    const call = control(info);
    const hang = (release: string) =>
      call("POST", "/v1/aap/faults", { operation: "ping", action: { type: "hang", release } });
    expect(await hang("later")).toMatchObject({ status: 400 });
    expect(await hang("abandon")).toMatchObject({ status: 201 });
    const ping = fetch(`${info.aap?.url ?? ""}/api/v2/ping/`);
    await eventually(firstRuleFired(call));
    expect(await call("POST", "/v1/aap/faults/release")).toMatchObject({ status: 200 });
    await expect(ping).rejects.toThrow();
    expect((await fetch(`${info.aap?.url ?? ""}/api/v2/ping/`)).status).toBe(200);
  });
});
