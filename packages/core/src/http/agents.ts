/**
 * The connection agents of `HttpTransport`: TLS settings, keep-alive or not, and the
 * tracking of whether a fresh connection was ever established.
 *
 * @module
 */
import { Agent as HttpAgent, type ClientRequestArgs } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Duplex } from "node:stream";

/** TLS settings of https requests. */
export interface HttpTlsSettings {
  /** Extra trusted CA certificates (PEM), in addition to Node's defaults. */
  ca?: string | Buffer | (string | Buffer)[] | undefined;
  /** Skip certificate verification (insecure). */
  insecure?: boolean;
}

type CreateConnection = (
  options: ClientRequestArgs,
  callback?: (err: Error | null, stream: Duplex) => void,
) => Duplex | null | undefined;

/**
 * A new agent for `https` or `http` with the TLS settings. `idleTimeoutMs` (with
 * `keepAlive`) closes a pooled connection idle that long; Node also closes it 1 s before a
 * server's announced `Keep-Alive: timeout=N` when that is sooner (it ignores the hint when
 * the agent has no timeout).
 */
export function createAgent(
  https: boolean,
  tls: HttpTlsSettings,
  keepAlive: boolean,
  idleTimeoutMs?: number,
): HttpAgent | HttpsAgent {
  const common = { keepAlive, ...(keepAlive && idleTimeoutMs ? { timeout: idleTimeoutMs } : {}) };
  if (!https) return new HttpAgent(common);
  return new HttpsAgent({ ...common, ca: tls.ca, rejectUnauthorized: tls.insecure !== true });
}

/**
 * Makes `agent` add each connection it opens to `connected` once established (for TLS after
 * the handshake, since a request is written only then), so a failed request can tell
 * whether its connection ever reached the server. Returns `agent`.
 */
export function trackConnections<A extends HttpAgent>(
  agent: A,
  https: boolean,
  connected: WeakSet<object>,
): A {
  const create: CreateConnection = agent.createConnection.bind(agent);
  const tracked: CreateConnection = (options, callback) => {
    const socket = create(options, callback);
    socket?.once(https ? "secureConnect" : "connect", () => connected.add(socket));
    return socket;
  };
  agent.createConnection = tracked;
  return agent;
}

/**
 * A one-request agent that calls `onConnected` once its connection is established: for
 * TLS after the handshake, since the request is written only then.
 */
export function trackedAgent(
  https: boolean,
  tls: HttpTlsSettings,
  onConnected: () => void,
): HttpAgent | HttpsAgent {
  const agent = createAgent(https, tls, false);
  const create: CreateConnection = agent.createConnection.bind(agent);
  const tracked: CreateConnection = (options, callback) => {
    const socket = create(options, callback);
    socket?.once(https ? "secureConnect" : "connect", onConnected);
    return socket;
  };
  agent.createConnection = tracked;
  return agent;
}
