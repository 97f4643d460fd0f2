/**
 * The receiving end of AAP (AWX) webhook notifications: an HTTP request handler that
 * authenticates a notification, reads the job id out of AWX's payload and turns it into a
 * {@link JobSignal} for the Kubernetes runtime.
 *
 * What AWX sends (github:ansible/awx e21dd0a0933fd544d1fe2513c54fe41203775eb5):
 * - `awx/main/notifications/webhook_backend.py:50-116`: a `POST` (or `PUT`, the
 *   template's `http_method`) of `json.dumps(body)` with `Content-Type: application/json`
 *   and `User-Agent: AWX <version> (<license>)` (`awx/main/utils/common.py:239-245`), the
 *   template's `headers`, and HTTP Basic auth when `username` or `password` is set
 *   (`requests` `auth=(username, password)`). A 301/307 is followed up to 5 times; any
 *   other answer ends the attempt: there is no retry on a failure and no timeout is passed
 *   to `requests`, and a status >= 400 marks the Notification `failed`
 *   (`awx/main/tasks/system.py:337-365`). A lost notification is therefore lost: the
 *   engine's poll stays on as the safety net.
 * - The default body of a webhook is `{{ job_metadata }}`
 *   (`webhook_backend.py:29-30`, `custom_notification_base.py:36-39`): `json.dumps` of the
 *   job's `notification_data()` (`awx/main/models/notifications.py:432`):
 *   `id, name, url, created_by, started, finished, status, traceback`
 *   (`awx/main/models/unified_jobs.py:1353-1363`), plus for a job `inventory, project,
 *   playbook, credential, limit, extra_vars, hosts` (`awx/main/models/jobs.py:740-775`) and
 *   for a workflow job `body, inventory, limit, extra_vars`
 *   (`awx/main/models/workflow.py:697-715`). `url` is the UI link,
 *   `<TOWER_URL_BASE>/#/jobs/playbook/<id>` or `/#/jobs/workflow/<id>`
 *   (`jobs.py:630-631`, `workflow.py:693-694`). `extra_vars` hides survey passwords only:
 *   the body can carry secrets, so this receiver never logs or keeps it.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  ConfigurationError,
  JobState,
  silentLogger,
  type JobSignal,
  type JobSignalListener,
  type JobSignalSubscription,
  type Logger,
} from "@provisionkit/core";
import { encodeJobId } from "../provider/job-id.js";
import { toJobState } from "../provider/status-map.js";

/** Default of {@link AapNotificationReceiverOptions.maxBodyBytes}: 1 MiB. */
export const DEFAULT_NOTIFICATION_MAX_BODY_BYTES = 1024 * 1024;

/** The HTTP Basic credentials the notification template sends (its `username`/`password`). */
export interface AapNotificationCredentials {
  /** `notification_configuration.username`. */
  readonly username: string;
  /** `notification_configuration.password` (AWX stores it encrypted and shows `$encrypted$`). */
  readonly password: string;
}

/** Options of {@link AapNotificationReceiver}. */
export interface AapNotificationReceiverOptions {
  /**
   * The credentials a notification must carry. A function is called for every request, so
   * that a rotated Secret is honoured; it may return several (old and new, during a
   * rotation). Required: an unauthenticated receiver would let anyone trigger reads.
   */
  readonly credentials:
    | AapNotificationCredentials
    | (() => readonly AapNotificationCredentials[] | AapNotificationCredentials);
  /** Largest body read, bytes; a larger one is answered 413. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Secret-free log lines (job ids, statuses, why a request was refused). */
  readonly logger?: Logger;
}

/** Counters of a {@link AapNotificationReceiver}. */
export interface AapNotificationCounts {
  /** Authenticated notifications that named a job (signals delivered). */
  accepted: number;
  /** Requests refused: unauthenticated (401), wrong method (405), too large (413), not JSON (400). */
  rejected: number;
  /** Authenticated notifications that named no job (e.g. the template's test message). */
  ignored: number;
}

/** A receiver started with {@link AapNotificationReceiver.listen}. */
export interface AapNotificationListener {
  /** The base URL, e.g. `http://127.0.0.1:40123` (give AWX a URL it can reach). */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const REALM = 'Basic realm="provisionkit-notifications", charset="UTF-8"';

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Turns authenticated AWX webhook notifications into {@link JobSignal}s.
 *
 * Mount {@link AapNotificationReceiver.handle} on any Node HTTP server (or use
 * {@link AapNotificationReceiver.listen}); give it to `AapProvider` (option
 * `notifications`) so that the provider's `jobSignals` capability delivers what it receives.
 *
 * Answers: 200 for an authenticated notification (whether or not it named a job), 401
 * with `WWW-Authenticate: Basic` when the Basic credentials are missing or wrong (compared
 * in constant time, as SHA-256 digests), 405 for a method other than POST or PUT, 413 past
 * `maxBodyBytes`, 400 for a body that is not a JSON object. The body is never logged; log
 * lines carry the job id and status only.
 */
export class AapNotificationReceiver {
  readonly #credentials: AapNotificationReceiverOptions["credentials"];
  readonly #maxBodyBytes: number;
  readonly #logger: Logger;
  readonly #listeners = new Set<JobSignalListener>();
  readonly #counts: AapNotificationCounts = { accepted: 0, rejected: 0, ignored: 0 };

  /**
   * @param options - see {@link AapNotificationReceiverOptions}.
   * @throws ConfigurationError for missing credentials or a bad `maxBodyBytes`.
   */
  constructor(options: AapNotificationReceiverOptions) {
    const credentials: unknown = options?.credentials;
    if (typeof credentials !== "function") checkCredentials(credentials);
    const max = options.maxBodyBytes ?? DEFAULT_NOTIFICATION_MAX_BODY_BYTES;
    if (!(Number.isSafeInteger(max) && max > 0)) {
      throw new ConfigurationError(
        `AapNotificationReceiver: maxBodyBytes must be a positive integer, got ${String(max)}`,
      );
    }
    this.#credentials = options.credentials;
    this.#maxBodyBytes = max;
    this.#logger = options.logger ?? silentLogger;
  }

  /** A copy of the counters. */
  get counts(): AapNotificationCounts {
    return { ...this.#counts };
  }

  /** Delivers every accepted notification's signal to `listener` until closed. */
  subscribe(listener: JobSignalListener): JobSignalSubscription {
    this.#listeners.add(listener);
    return {
      close: () => {
        this.#listeners.delete(listener);
        return Promise.resolve();
      },
    };
  }

  /**
   * The request handler: `http.createServer(receiver.handle)`, or call it from a route of
   * your own server. Never throws; always answers.
   */
  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    void this.#handle(request, response).catch(() => {
      if (!response.headersSent) answer(response, 500, "internal error");
      else response.destroy();
    });
  };

  /**
   * Starts a server of its own on `port` (default 0: a free one) and `host` (default
   * `127.0.0.1`). Serve it behind TLS (an ingress, a sidecar) when AWX reaches it over
   * a network: Basic credentials travel in the clear otherwise.
   */
  async listen(options: { port?: number; host?: string } = {}): Promise<AapNotificationListener> {
    const server: Server = createServer(this.handle);
    const host = options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return {
      url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== "POST" && request.method !== "PUT") {
      this.#reject(response, 405, "method not allowed", "method", { Allow: "POST, PUT" });
      request.resume();
      return;
    }
    // Authenticate before reading the body: an unauthenticated sender gets nothing read.
    if (!this.#authenticated(request.headers.authorization)) {
      this.#reject(response, 401, "authentication required", "credentials", {
        "WWW-Authenticate": REALM,
      });
      request.resume();
      return;
    }
    const declared = Number(request.headers["content-length"] ?? "0");
    const body =
      Number.isFinite(declared) && declared > this.#maxBodyBytes
        ? undefined
        : await readBody(request, this.#maxBodyBytes);
    if (body === undefined) {
      // Answer, then drop the connection rather than read the rest.
      response.once("finish", () => request.destroy());
      this.#reject(response, 413, "body too large", "size", { Connection: "close" });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(body.toString("utf8"));
    } catch {
      this.#reject(response, 400, "body is not JSON", "json");
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.#reject(response, 400, "body is not a JSON object", "json");
      return;
    }
    const signals = signalsOf(value as Record<string, unknown>);
    answer(response, 200, "ok");
    if (signals.length === 0) {
      this.#counts.ignored += 1;
      this.#logger.debug({}, "AAP notification names no job; ignored");
      return;
    }
    this.#counts.accepted += 1;
    for (const signal of signals) {
      this.#logger.debug(
        { jobId: signal.jobId, state: signal.stateHint ?? null },
        "AAP notification received",
      );
      for (const listener of [...this.#listeners]) {
        try {
          listener(signal);
        } catch {
          // A listener must not throw; one that does loses its own signal only.
        }
      }
    }
  }

  #reject(
    response: ServerResponse,
    status: number,
    text: string,
    reason: string,
    headers: Record<string, string> = {},
  ): void {
    this.#counts.rejected += 1;
    this.#logger.warn({ status, reason }, "AAP notification refused");
    answer(response, status, text, headers);
  }

  #authenticated(header: string | undefined): boolean {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
    // Compare something in every case, so that a missing header costs the same time.
    const received = digest(match ? Buffer.from(match[1] ?? "", "base64").toString("utf8") : "");
    const source = this.#credentials;
    const expected = typeof source === "function" ? source() : source;
    const list = Array.isArray(expected) ? expected : [expected as AapNotificationCredentials];
    let ok = false;
    for (const credentials of list) {
      if (!validCredentials(credentials)) continue;
      const wanted = digest(`${credentials.username}:${credentials.password}`);
      // No early exit: every configured credential is compared.
      if (timingSafeEqual(received, wanted)) ok = true;
    }
    return ok && match !== null;
  }
}

function validCredentials(value: unknown): value is AapNotificationCredentials {
  if (typeof value !== "object" || value === null) return false;
  const { username, password } = value as Record<string, unknown>;
  return typeof username === "string" && typeof password === "string" && password !== "";
}

function checkCredentials(value: unknown): void {
  if (!validCredentials(value)) {
    throw new ConfigurationError(
      "AapNotificationReceiver: credentials must be { username, password } with a non-empty password (the notification template's Basic credentials)",
    );
  }
}

function answer(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers });
  response.end(text);
}

function readBody(request: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    request.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        done = true;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    request.on("error", (error) => {
      if (!done) reject(error);
    });
  });
}

/**
 * The signals of one notification body: AWX's `job_metadata` (see the module comment).
 * The job's kind comes from the UI link (`/jobs/playbook/<id>` or `/jobs/workflow/<id>`);
 * when the link says neither (a custom body, an unexpected URL) both kinds are signaled:
 * jobs and workflow jobs share one id sequence, so at most one of them is a job in flight.
 */
export function signalsOf(body: Record<string, unknown>): JobSignal[] {
  const id = body["id"];
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) return [];
  const status = body["status"];
  const hint = typeof status === "string" ? toJobState(status) : undefined;
  const extra = hint === undefined || hint === JobState.Unknown ? {} : { stateHint: hint };
  const url = typeof body["url"] === "string" ? body["url"] : "";
  if (/\/jobs\/playbook\/[0-9]+\/?$/.test(url)) {
    return [{ jobId: encodeJobId({ kind: "job", id }), ...extra }];
  }
  if (/\/jobs\/workflow\/[0-9]+\/?$/.test(url)) {
    return [{ jobId: encodeJobId({ kind: "workflow_job", id }), ...extra }];
  }
  return [
    { jobId: encodeJobId({ kind: "job", id }), ...extra },
    { jobId: encodeJobId({ kind: "workflow_job", id }), ...extra },
  ];
}
