/**
 * Test harness: a scripted HTTP(S) server on loopback, a capturing logger, an in-test
 * SecretSource, resources and job records.
 */
import { createHmac } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import {
  ConfigurationError,
  JobState,
  type JobRecord,
  type Logger,
  type ResourceObject,
  type SecretReadOptions,
  type SecretReference,
  type SecretSource,
} from "@provisionkit/core";

/** Secrets used by the tests; none may ever show up in errors, logs, details or results. */
export const TOKEN = "tok-SECRET-0123456789abcdefXYZ";
export const PASSWORD = "pw-SECRET-hunter2:x";
export const USERNAME = "eda-user";
export const HMAC_SECRET = "hmac-SECRET-s3cr3t-key";
export const ROTATED_TOKEN = "tok-ROTATED-9876543210zyxwvu";

/** Every secret string (and derived form) that must never leak. */
export function secretStrings(): string[] {
  const basic = Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64");
  return [TOKEN, PASSWORD, HMAC_SECRET, ROTATED_TOKEN, basic, "hunter2", "s3cr3t"];
}

/** The secrets found in `text` (empty when none). */
export function leakedSecrets(text: string): string[] {
  return secretStrings().filter((secret) => text.includes(secret));
}

/** A request as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The exact body bytes. */
  raw: Buffer;
  /** The body as text. */
  body: string;
}

/** Answers one request. */
export type Reply = (request: RecordedRequest, response: ServerResponse) => void;

/** A plain-text answer. */
export function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
    response.end(body);
  };
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(JSON.stringify(body));
  };
}

/** An answer with no body. */
export function empty(status: number, headers: Record<string, string> = {}): Reply {
  return (_request, response) => {
    response.writeHead(status, headers);
    response.end();
  };
}

/** What an `ansible.eda.webhook` source answers for a queued event: 200, the path as text. */
export const webhookOk: Reply = (request, response) =>
  text(200, request.path.slice(1))(request, response);

/** Never answers (the server cuts the connection on close()). */
export const hang: Reply = () => {};

/** Drops the connection after reading the request (ECONNRESET / socket hang up). */
export const reset: Reply = (_request, response) => {
  response.socket?.destroy();
};

/** Answers by a function of the request. */
export function decide(build: (request: RecordedRequest) => Reply): Reply {
  return (request, response) => build(request)(request, response);
}

/** An HTTP(S) server answering scripted replies per path (default: {@link webhookOk}). */
export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  readonly #routes = new Map<string, Reply[]>();
  readonly #server: Server;
  readonly #scheme: string;
  #fallback: Reply = webhookOk;

  private constructor(server: Server, scheme: string) {
    this.#server = server;
    this.#scheme = scheme;
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const raw = Buffer.concat(chunks);
        const recorded: RecordedRequest = {
          method: req.method ?? "",
          path: url.pathname,
          headers: req.headers,
          raw,
          body: raw.toString("utf8"),
        };
        this.requests.push(recorded);
        const queue = this.#routes.get(recorded.path);
        const reply =
          queue === undefined || queue.length === 0
            ? this.#fallback
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

  /** Scripts replies for `path`: one per request, the last one repeating. */
  on(path: string, ...replies: Reply[]): this {
    this.#routes.set(path, replies);
    return this;
  }

  /** The reply for unscripted paths. */
  otherwise(reply: Reply): this {
    this.#fallback = reply;
    return this;
  }

  /** The last request (fails when none). */
  last(): RecordedRequest {
    const request = this.requests.at(-1);
    if (request === undefined) throw new Error("no request was received");
    return request;
  }

  /** Closes every connection (hanging ones too) and the server. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A URL on which nothing listens (a server started and stopped). */
export async function refusedUrl(): Promise<string> {
  const closed = await ScriptedServer.start();
  const { url } = closed;
  await closed.close();
  return url;
}

/** The HMAC of `raw` as a receiver computes it. */
export function hmacOf(
  raw: Buffer,
  secret: string,
  algorithm = "sha256",
  encoding: "hex" | "base64" = "hex",
): string {
  return createHmac(algorithm, secret).update(raw).digest(encoding);
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

/**
 * A SecretSource over an in-memory map of `namespace/name#key` → value, with a cache that
 * `fresh` bypasses (like a real source that caches Secrets), recording every read.
 */
export class FakeSecretSource implements SecretSource {
  /** What the "API server" holds now. */
  readonly store = new Map<string, string>();
  /** Every read: the reference and whether it was fresh. */
  readonly reads: { ref: string; fresh: boolean }[] = [];
  readonly #cache = new Map<string, string>();

  /** Sets a value in the store (the cache keeps the old one until a fresh read). */
  set(ref: SecretReference, value: string): this {
    this.store.set(FakeSecretSource.key(ref), value);
    return this;
  }

  /** `namespace/name#key`. */
  static key(ref: SecretReference): string {
    return `${ref.namespace ?? "default"}/${ref.name}#${ref.key}`;
  }

  read(reference: SecretReference, options: SecretReadOptions = {}): Promise<string> {
    const key = FakeSecretSource.key(reference);
    this.reads.push({ ref: key, fresh: options.fresh === true });
    if (options.fresh !== true) {
      const cached = this.#cache.get(key);
      if (cached !== undefined) return Promise.resolve(cached);
    }
    const value = this.store.get(key);
    if (value === undefined) {
      return Promise.reject(new ConfigurationError(`secret ${key} not found`));
    }
    this.#cache.set(key, value);
    return Promise.resolve(value);
  }
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

/** Everything about an error, as text, for leak checks. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const own: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(error)) {
    own[key] = (error as unknown as Record<string, unknown>)[key];
  }
  return `${error.message} ${error.stack ?? ""} ${JSON.stringify(own)} ${String(error.cause)}`;
}

/** A ComputeInstance resource. */
export function computeInstance(
  name = "vm-1",
  metadata: Partial<ResourceObject["metadata"]> = {},
): ResourceObject {
  return {
    apiVersion: "example.com/v1",
    kind: "ComputeInstance",
    metadata: { name, namespace: "tenant-a", uid: `uid-${name}`, ...metadata },
    spec: { cores: 2, image: "fedora" },
    status: { phase: "Provisioning" },
  };
}

/** A copy of `resource` with more annotations and/or finalizers. */
export function withMeta(
  resource: ResourceObject,
  annotations: Record<string, string>,
  finalizers?: string[],
): ResourceObject {
  return {
    ...resource,
    metadata: {
      ...resource.metadata,
      annotations: { ...resource.metadata.annotations, ...annotations },
      ...(finalizers ? { finalizers } : {}),
    },
  };
}

/** A job record as the engine keeps it. */
export function record(jobId: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId,
    type: "provision",
    state: JobState.Pending,
    message: "",
    provider: "eda",
    correlationId: "corr",
    launchedAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    attempt: 1,
    ...overrides,
  };
}

/** A controllable clock. */
export class TestClock {
  value: number;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.value = start;
  }
  readonly now = (): number => this.value;
  advance(ms: number): void {
    this.value += ms;
  }
}

/** Call options with a live signal. */
export function call(correlationId = "corr"): { signal: AbortSignal; correlationId: string } {
  return { signal: new AbortController().signal, correlationId };
}
