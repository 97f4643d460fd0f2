/**
 * Scripted answers of a `ScriptedHttpServer`.
 *
 * @module
 */
import type { ServerResponse } from "node:http";
import type { RecordedRequest } from "./recorded-request.js";

/** Answers one request. */
export type Reply = (request: RecordedRequest, response: ServerResponse) => void;

/** A JSON answer (a string body is sent as it is, so a test can send broken JSON). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(typeof body === "string" ? body : JSON.stringify(body));
  };
}

/** A plain-text answer. */
export function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
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

/** Never answers (the server cuts the connection when it closes): a client time-out. */
export const hang: Reply = () => {};

/** Drops the connection after reading the request: `ECONNRESET` / "socket hang up". */
export const reset: Reply = (_request, response) => {
  response.socket?.destroy();
};

/** Answers with the reply `build` chooses for the request (e.g. by its headers). */
export function respond(build: (request: RecordedRequest) => Reply): Reply {
  return (request, response) => build(request)(request, response);
}
