/**
 * HTTP helpers for the AAP simulator tests: one fresh connection per request (no
 * keep-alive) over node:http, so that socket-level faults are seen exactly.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { afterEach, beforeEach } from "vitest";
import { AapSimulator, VirtualClock } from "@provisionkit/testing";

export const TOKEN = "sim-token";
export const V2 = "/api/v2/";
export const GW = "/api/controller/v2/";

/** One test's started AAP simulator, on its own virtual clock. */
export interface AapFixture {
  readonly clock: VirtualClock;
  readonly aap: AapSimulator;
  /** The simulator's base URL. */
  readonly url: string;
  /** The clock's reading at the start, epoch ms. */
  readonly t0: number;
}

/**
 * Starts a fresh AAP simulator on a fresh virtual clock before each test of the file and
 * stops it after the test; `use` receives it (to assign the file's variables, add templates).
 */
export function withAap(use: (fixture: AapFixture) => void): void {
  let started: AapSimulator | undefined;
  beforeEach(async () => {
    const clock = new VirtualClock();
    const t0 = clock.now();
    const aap = new AapSimulator({ clock });
    started = aap;
    use({ clock, aap, url: await aap.start(), t0 });
  });
  afterEach(() => started?.stop());
}

export interface CallOptions {
  method?: string;
  /** JSON-encoded with `Content-Type: application/json` unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Bearer token (default TOKEN); null sends no Authorization header. */
  token?: string | null;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed JSON body, or undefined when empty. */
  json: unknown;
}

export function call(baseUrl: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.Authorization = `Bearer ${options.token ?? TOKEN}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    if (typeof options.body !== "string") headers["Content-Type"] = "application/json";
    // node:http neither chunks nor sizes a DELETE body by itself.
    headers["Content-Length"] = String(Buffer.byteLength(payload));
  }
  Object.assign(headers, options.headers);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${baseUrl}${path}`,
      { method: options.method ?? (payload === undefined ? "GET" : "POST"), headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text === "" ? undefined : (JSON.parse(text) as unknown);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** The JSON body as a record (fails the type, not the test, when it is not one). */
export function body(reply: Reply): Record<string, unknown> {
  return reply.json as Record<string, unknown>;
}

/** Calls and expects the connection to fail; resolves to the error. */
export async function callFails(
  baseUrl: string,
  path: string,
  options: CallOptions = {},
): Promise<NodeJS.ErrnoException> {
  try {
    const reply = await call(baseUrl, path, options);
    throw new Error(`expected a connection failure, got HTTP ${reply.status}`);
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
}

export function basic(username: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` };
}

/** An extra_vars payload the way ansible-rulebook and direct launches shape it. */
export function edaVars(
  name: string,
  namespace?: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ansible_eda: {
      event: {
        payload: {
          apiVersion: "osac.example/v1",
          kind: "ClusterOrder",
          metadata: { name, ...(namespace ? { namespace } : {}), uid: `uid-${name}` },
          ...extra,
        },
      },
    },
  };
}
