/**
 * The client's connections (issue 17): one keep-alive pool per client for reads and launches,
 * counted on a loopback server; a launch reset on a reused connection is outcome-unknown and
 * never resent; idle connections closed by the client; `keepAlive: false`, an agent of one's
 * own, `close()`.
 */
import { createServer, Agent, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ConfigurationError, TransientError, type ProviderError } from "@provisionkit/core";
import { afterEach, describe, expect, it } from "vitest";
import { AapClient, type AapClientOptions } from "../src/client/index.js";
import { JOB, LAUNCH, TOKEN, jobBody, recordSleeps, thrown } from "./client-harness.js";

/** A loopback AAP stand-in that counts TCP connections and the requests on each. */
interface CountingServer {
  url: string;
  /** Connections accepted. */
  connections: number;
  /** Requests received, as `METHOD path`. */
  requests: string[];
  /** Resolves when every connection the server accepted so far is closed. */
  allClosed(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse, requestOnSocket: number) => void;

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function countingServer(route: Route): Promise<CountingServer> {
  const open = new Set<Socket>();
  const closed = new Map<Socket, Promise<void>>();
  const perSocket = new WeakMap<Socket, number>();
  const state = { connections: 0, requests: [] as string[] };
  const server = createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    state.requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => route(req, res, n));
  });
  // Only the client closes idle connections: the server keeps them as long as they last.
  server.keepAliveTimeout = 0;
  server.on("connection", (socket: Socket) => {
    state.connections++;
    open.add(socket);
    closed.set(socket, new Promise((resolve) => socket.once("close", () => resolve())));
    socket.once("close", () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stop = async () => {
    for (const socket of open) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return state.connections;
    },
    requests: state.requests,
    allClosed: async () => {
      await Promise.all(closed.values());
    },
  };
}

/** Answers a job read and a launch as AWX does. */
const answer: Route = (req, res) => {
  const launch = req.method === "POST" && req.url === LAUNCH;
  res.writeHead(launch ? 201 : 200, { "content-type": "application/json" });
  res.end(JSON.stringify(jobBody(launch ? { id: 8 } : {})));
};

function client(server: CountingServer, overrides: Partial<AapClientOptions> = {}): AapClient {
  return new AapClient({
    url: `${server.url}/api/v2/`,
    auth: { type: "bearer", token: TOKEN },
    sleep: recordSleeps().sleep,
    ...overrides,
  });
}

function thrownSync(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    return error as ConfigurationError;
  }
  throw new Error("nothing was thrown");
}

async function readsAndLaunches(aap: AapClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) await aap.getJob({ kind: "job", id: 7 });
    else await aap.launch({ kind: "job_template", id: 5 }, { extra_vars: { i } });
  }
}

describe("AapClient connections", () => {
  it("reads and launches share one kept-alive connection; keepAlive: false opens one per request", async () => {
    const pooled = await countingServer(answer);
    await readsAndLaunches(client(pooled), 20);
    expect(pooled.requests).toHaveLength(20);
    expect(pooled.connections).toBe(1);
    await stop?.();
    const fresh = await countingServer(answer);
    await readsAndLaunches(client(fresh, { keepAlive: false }), 20);
    expect(fresh.connections).toBe(20);
    // Each of them was closed after its request.
    await fresh.allClosed();
  });

  it("a launch reset on a reused connection is outcome-unknown and never resent", async () => {
    // The server closing a kept-alive connection as the request arrives: the launch may or
    // may not have been acted on, from the client's side.
    const server = await countingServer((req, res, n) => {
      if (n > 1) req.socket.destroy();
      else answer(req, res, n);
    });
    const aap = client(server);
    await aap.getJob({ kind: "job", id: 7 });
    const error = (await thrown(aap.launch({ kind: "job_template", id: 5 }, {}))) as ProviderError;
    expect(error).toBeInstanceOf(TransientError);
    expect(error.outcomeUnknown).toBe(true);
    expect(error.details.connected).toBe(true);
    expect(server.requests.filter((r) => r.startsWith("POST"))).toEqual([`POST ${LAUNCH}`]);
  });

  it("a read reset on a reused connection is retried on a new one", async () => {
    const server = await countingServer((req, res, n) => {
      if (n > 1) req.socket.destroy();
      else answer(req, res, n);
    });
    const aap = client(server);
    await aap.getJob({ kind: "job", id: 7 });
    const job = await aap.getJob({ kind: "job", id: 7 });
    expect(job.id).toBe(7);
    expect(server.requests).toEqual([`GET ${JOB}`, `GET ${JOB}`, `GET ${JOB}`]);
    expect(server.connections).toBe(2);
  });

  it("a launch whose new pooled connection is refused is known not sent", async () => {
    const server = await countingServer(answer);
    const url = server.url;
    await stop?.();
    stop = undefined;
    const aap = new AapClient({ url: `${url}/api/v2/`, auth: { type: "bearer", token: TOKEN } });
    const error = (await thrown(aap.launch({ kind: "job_template", id: 5 }, {}))) as ProviderError;
    expect(error.details.errorCode).toBe("ECONNREFUSED");
    expect(error.details.connected).toBe(false);
    expect(error.outcomeUnknown).toBe(false);
  });

  it("closes a connection idle for idleTimeoutMs (the server would keep it)", async () => {
    const server = await countingServer(answer);
    await client(server, { idleTimeoutMs: 20 }).getJob({ kind: "job", id: 7 });
    await server.allClosed();
    expect(server.connections).toBe(1);
  });

  it("close() ends the idle connections; a later call still works", async () => {
    const server = await countingServer(answer);
    const aap = client(server);
    await aap.getJob({ kind: "job", id: 7 });
    aap.close();
    await server.allClosed();
    await aap.getJob({ kind: "job", id: 7 });
    aap.close();
    await server.allClosed();
    expect(server.connections).toBe(2);
  });

  it("an agent of one's own carries every request and is left open by close()", async () => {
    const server = await countingServer(answer);
    const agent = new Agent({ keepAlive: true });
    let created = 0;
    const create = agent.createConnection.bind(agent);
    agent.createConnection = (...args: Parameters<typeof create>) => {
      created++;
      return create(...args);
    };
    try {
      const aap = client(server, { agent, keepAlive: false });
      await readsAndLaunches(aap, 6);
      aap.close();
      expect(created).toBe(1);
      expect(server.connections).toBe(1);
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);
    } finally {
      agent.destroy();
    }
  });

  it.each([
    [{ keepAlive: "yes" }, "keepAlive must be a boolean"],
    [{ idleTimeoutMs: 0 }, "idleTimeoutMs must be a positive number"],
    [{ agent: {} }, "agent must be an http.Agent or https.Agent"],
  ])("refuses %j", (bad, message) => {
    const error = thrownSync(
      () =>
        new AapClient({
          url: "http://127.0.0.1:1/api/v2/",
          auth: { type: "bearer", token: TOKEN },
          ...(bad as Partial<AapClientOptions>),
        }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(`AAP client option ${message}`);
    expect(error.details).toEqual({ option: Object.keys(bad)[0] });
  });
});
