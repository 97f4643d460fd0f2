/**
 * Reading request bodies and writing responses for the EDA simulator's servers.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBodyOrCut } from "../loopback-server.js";
import type { EdaRequestRecord } from "./records.js";

/** A response to send. */
export interface Reply {
  /** HTTP status. */
  readonly status: number;
  /** Reason phrase, when not the standard one. */
  readonly statusMessage?: string;
  /** Content type; omitted for an empty body. */
  readonly contentType?: string;
  /** Body text (default empty). */
  readonly body?: string;
  /** Extra headers. */
  readonly headers?: Record<string, string>;
}

/** A `text/plain` reply, as aiohttp's `web.Response(text=…)` sends it. */
export function textReply(status: number, body: string, statusMessage?: string): Reply {
  return {
    status,
    body,
    contentType: "text/plain; charset=utf-8",
    ...(statusMessage === undefined ? {} : { statusMessage }),
  };
}

/** A JSON reply, as Django REST framework sends it. */
export function jsonReply(status: number, body: unknown): Reply {
  return { status, body: JSON.stringify(body), contentType: "application/json" };
}

/** Writes a reply. Does nothing when the connection is already gone. */
export function sendReply(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  const body = Buffer.from(reply.body ?? "", "utf8");
  const headers: Record<string, string | number> = {
    ...reply.headers,
    "Content-Length": body.length,
  };
  if (reply.contentType !== undefined) headers["Content-Type"] = reply.contentType;
  if (reply.statusMessage === undefined) res.writeHead(reply.status, headers);
  else res.writeHead(reply.status, reply.statusMessage, headers);
  res.end(body);
}

/**
 * Reads the request body and sends the reply `handle` makes of it, noting its status on the
 * request's record. A client gone mid-body gets its connection cut and no reply; so does a
 * request `handle` makes no reply for (it cut the connection itself).
 */
export async function serveReply(
  req: IncomingMessage,
  res: ServerResponse,
  record: { status: number },
  handle: (body: Buffer) => Reply | undefined | Promise<Reply | undefined>,
): Promise<void> {
  const body = await readBodyOrCut(req);
  if (body === undefined) return;
  const reply = await handle(body);
  if (reply === undefined) return;
  sendReply(res, reply);
  record.status = reply.status;
}

/**
 * The record of a request as it arrives (status 0 until answered): its method, `path`
 * (without the query string), content type and arrival time.
 */
export function arrivalRecord(
  server: EdaRequestRecord["server"],
  req: IncomingMessage,
  path: string,
  at: number,
  credentialsPresented: boolean,
): EdaRequestRecord {
  const contentType = req.headers["content-type"];
  return {
    server,
    method: (req.method ?? "GET").toUpperCase(),
    path,
    ...(contentType === undefined ? {} : { contentType }),
    at,
    status: 0,
    credentialsPresented,
  };
}
