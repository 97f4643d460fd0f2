/**
 * The `ansible.eda.webhook` source's HTTP server (research §10): `POST /{endpoint:.*}`,
 * token and HMAC middlewares, the event queued before the 200 is sent.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { tooDeepForPython } from "../json-depth.js";
import { LoopbackService } from "../loopback-server.js";
import type { Activation } from "./activation.js";
import { WEBHOOK_SOURCE_TYPE } from "./constants.js";
import { webhookEvent } from "./event-shape.js";
import type { FaultRegistry } from "./faults.js";
import { rawHeader, webhookHeaders } from "./headers.js";
import { arrivalRecord, serveReply, textReply, type Reply } from "./http-io.js";
import type { Intake } from "./intake.js";
import type { ResolvedWebhook } from "./options.js";
import type { EdaRequestRecord } from "./records.js";
import { checkWebhookAuth } from "./webhook-auth.js";

/** What the webhook server needs. */
export interface WebhookDeps {
  /** Plugin options. */
  readonly settings: ResolvedWebhook;
  /** The activation (is it up?). */
  readonly activation: Activation;
  /** Where accepted and refused events go. */
  readonly intake: Intake;
  /** Injected faults, checked before anything else. */
  readonly faults: FaultRegistry;
  /** Receives each request record; updated when the answer is sent. */
  readonly record: (record: EdaRequestRecord) => void;
}

/**
 * What a client sees while the activation is not running. Modelling choice: the plugin's
 * port is then closed, and the OpenShift route in front of it answers 503 (its "Application
 * is not available" page, HTML in reality, plain text here).
 */
const UNAVAILABLE = textReply(503, "Application is not available");

function endpointOf(path: string): string {
  const raw = path.slice(1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The webhook server. */
export class WebhookServer extends LoopbackService<WebhookDeps> {
  /** Abandons held events (before open connections are destroyed). */
  protected override beforeStop(): void {
    this.deps.faults.abandonHeld();
  }

  /** Records the request and answers it. */
  protected async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { settings, intake } = this.deps;
    const at = intake.now();
    const path = new URL(req.url ?? "/", "http://webhook").pathname;
    const credentialsPresented =
      req.headers.authorization !== undefined ||
      (settings.hmac !== undefined &&
        rawHeader(req.rawHeaders, settings.hmac.header) !== undefined);
    const record = arrivalRecord("webhook", req, path, at, credentialsPresented);
    this.deps.record(record);
    let dropped = false;
    await serveReply(req, res, record, async (body) => {
      // Test control (EdaHoldRule), not ansible-rulebook behaviour: nothing to cite.
      const held = await this.deps.faults.holdEvent(record.method, endpointOf(path));
      if (held === "abandon") {
        req.socket.destroy();
        return undefined;
      }
      // A released event is handled as if it had just arrived.
      const when = held === "release" ? intake.now() : at;
      const reply = this.#handle(record.method, path, req.rawHeaders, body, when);
      if (reply.status === 200 && record.method === "POST") {
        // The event is queued: a drop-after-accept rule loses its answer (see
        // EdaDropAfterAcceptRule). Writes to the destroyed socket are dropped by Node.
        dropped = this.deps.faults.dropsAnswer(endpointOf(path));
        if (dropped) req.socket.destroy();
      }
      return reply;
    });
    // Never answered.
    if (dropped) record.status = 0;
  }

  #handle(method: string, path: string, raw: string[], body: Buffer, at: number): Reply {
    const { settings, activation, intake } = this.deps;
    const endpoint = endpointOf(path);
    const origin = { source: "webhook" as const, endpoint };
    const refuse = (reply: Reply): Reply => {
      if (method === "POST") intake.reject(origin, at, reply.status, reply.body ?? "");
      return reply;
    };
    const fault = this.deps.faults.matchWebhook(method, endpoint);
    if (fault) return refuse(fault);
    if (activation.status() !== "running") return refuse(UNAVAILABLE);
    // aiohttp runs the middlewares around its 405 handler too, so credentials are checked
    // before the method (unverified).
    const denied = checkWebhookAuth(settings, raw, body);
    if (denied) return refuse(denied);
    if (method !== "POST") {
      return { ...textReply(405, "405: Method Not Allowed"), headers: { Allow: "POST" } };
    }
    const parsed = parseJson(body);
    if (!parsed.ok) return refuse(textReply(400, "Invalid JSON payload"));
    // ansible.eda.webhook catches json.JSONDecodeError only (ansible/event-driven-ansible
    // extensions/eda/plugins/event_source/webhook.py, commit 002b3057, `webhook()`): Python's
    // RecursionError on JSON nested PYTHON_JSON_MAX_DEPTH deep reaches aiohttp, whose
    // handle_error answers 500 text/plain "500 Internal Server Error\n\nServer got itself in
    // trouble" and closes the connection (aio-libs/aiohttp aiohttp/web_protocol.py, commit
    // 000ffb62, `handle_error`).
    if (tooDeepForPython(parsed.value)) {
      return refuse({
        ...textReply(500, "500 Internal Server Error\n\nServer got itself in trouble"),
        headers: { Connection: "close" },
      });
    }
    const source = { name: settings.sourceName, type: WEBHOOK_SOURCE_TYPE };
    const event = webhookEvent(parsed.value, endpoint, webhookHeaders(raw), source, at);
    intake.accept(origin, at, event);
    return textReply(200, endpoint);
  }
}
