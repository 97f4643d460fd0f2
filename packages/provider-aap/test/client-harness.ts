/**
 * Test harness of the client tests: a scripted HTTP(S) server on loopback, a capturing
 * logger, a recording sleep and AWX-shaped fixtures.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "@provisionkit/core";
import { AapClient, type AapClientOptions } from "../src/client/index.js";

/** The bearer token used by the tests; must never show up in errors or logs. */
export const TOKEN = "tok-SECRET-0123456789abcdefXYZ";
/** The basic-auth password used by the tests. */
export const PASSWORD = "pw-SECRET-hunter2:x";
/** The basic-auth user. */
export const USERNAME = "admin";

/** A request as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path without query. */
  path: string;
  /** The raw URL (path and query). */
  url: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers one request. */
export type Reply = (request: RecordedRequest, response: ServerResponse) => void;

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(typeof body === "string" ? body : JSON.stringify(body));
  };
}

/** A plain-text answer. */
export function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "text/plain", ...headers });
    response.end(body);
  };
}

/** An answer with no body. */
export function empty(status: number, headers: Record<string, string> = {}): Reply {
  return (_request, response) => {
    response.writeHead(status, headers);
    response.end();
  };
}

/** Never answers (the server closes the connection on close()). */
export const hang: Reply = () => {};

/** Drops the connection without answering ("socket hang up" / ECONNRESET on the client). */
export const reset: Reply = (_request, response) => {
  response.socket?.destroy();
};

/** Answers with a function of the request (e.g. echoing a header back). */
export function echo(build: (request: RecordedRequest) => Reply): Reply {
  return (request, response) => build(request)(request, response);
}

/** An HTTP or HTTPS server answering scripted replies, per method and path. */
export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  readonly #routes = new Map<string, Reply[]>();
  readonly #server: Server;
  readonly #scheme: string;
  #waiters: ((request: RecordedRequest) => void)[] = [];

  private constructor(server: Server, scheme: string) {
    this.#server = server;
    this.#scheme = scheme;
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const recorded: RecordedRequest = {
          method: req.method ?? "",
          path: url.pathname,
          url: req.url ?? "",
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        this.requests.push(recorded);
        const waiters = this.#waiters;
        this.#waiters = [];
        waiters.forEach((w) => w(recorded));
        const queue = this.#routes.get(`${recorded.method} ${recorded.path}`);
        const reply =
          queue === undefined || queue.length === 0
            ? json(418, { detail: `unscripted ${recorded.method} ${recorded.path}` })
            : queue.length === 1
              ? queue[0]!
              : queue.shift()!;
        reply(recorded, res);
      });
    });
  }

  /** Starts a server on 127.0.0.1 (HTTPS when `tls` is given). */
  static async start(tls?: { key: string; cert: string }): Promise<ScriptedServer> {
    const server = tls === undefined ? createServer() : createHttpsServer(tls);
    const scripted = new ScriptedServer(server, tls === undefined ? "http" : "https");
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return scripted;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `${this.#scheme}://127.0.0.1:${port}`;
  }

  /** Scripts replies for `method path`: one per request, the last one repeating. */
  on(method: string, path: string, ...replies: Reply[]): this {
    this.#routes.set(`${method} ${path}`, replies);
    return this;
  }

  /** Requests to `method path`. */
  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length;
  }

  /** Resolves when the next request arrives. */
  nextRequest(): Promise<RecordedRequest> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Closes every connection (hanging ones too) and the server. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** One log line. */
export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that records every line. */
export function captureLogger(): { logger: Logger; lines: LogLine[]; dump: () => string } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  return {
    logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
    lines,
    dump: () => JSON.stringify(lines),
  };
}

/** A sleep that records delays and returns at once (optionally running a hook). */
export function recordSleeps(hook?: (ms: number) => void): {
  delays: number[];
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
} {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms) => {
      delays.push(ms);
      hook?.(ms);
      return Promise.resolve();
    },
  };
}

/** A client of `server` with an explicit `/api/v2/` path, a bearer token and recorded sleeps. */
export function clientFor(
  server: ScriptedServer,
  overrides: Partial<AapClientOptions> = {},
): AapClient {
  return new AapClient({
    url: `${server.url}/api/v2/`,
    auth: { type: "bearer", token: TOKEN },
    sleep: recordSleeps().sleep,
    ...overrides,
  });
}

/** An AWX job detail body. */
export function jobBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 7,
    type: "job",
    url: "/api/v2/jobs/7/",
    related: { cancel: "/api/v2/jobs/7/cancel/" },
    summary_fields: { job_template: { id: 5, name: "deploy" } },
    created: "2024-10-01T10:00:00.000000Z",
    modified: "2024-10-01T10:00:05.000000Z",
    name: "deploy",
    description: "",
    job_type: "run",
    inventory: 1,
    project: 2,
    playbook: "site.yml",
    launch_type: "manual",
    status: "running",
    failed: false,
    started: "2024-10-01T10:00:02.000000Z",
    finished: null,
    canceled_on: null,
    elapsed: 3.25,
    job_explanation: "",
    execution_node: "awx-task-0",
    result_traceback: "",
    event_processing_finished: false,
    job_template: 5,
    unified_job_template: 5,
    extra_vars: '{"cluster": "c1", "size": 3}',
    artifacts: {},
    ...overrides,
  };
}

/** An AWX workflow job detail body. */
export function workflowJobBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 9,
    type: "workflow_job",
    url: "/api/v2/workflow_jobs/9/",
    name: "provision-flow",
    status: "pending",
    failed: false,
    created: "2024-10-01T10:00:00.000000Z",
    started: null,
    finished: null,
    elapsed: 0,
    job_explanation: "",
    result_traceback: "",
    workflow_job_template: 11,
    unified_job_template: 11,
    extra_vars: "{}",
    is_sliced_job: false,
    ...overrides,
  };
}

/** A paginated list body. */
export function page(results: unknown[], next: string | null = null): Record<string, unknown> {
  return { count: results.length, next, previous: null, results };
}

/** Asserts that `value` contains none of the test secrets (nor their Basic encoding). */
export function secretFree(value: string): boolean {
  const basic = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64");
  return ![TOKEN, PASSWORD, basic, "hunter2"].some((secret) => value.includes(secret));
}

/** Runs `promise` and returns what it threw (failing when it resolved). */
export async function thrown(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}
