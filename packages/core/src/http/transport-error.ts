/**
 * The failure of a request that got no complete response.
 *
 * @module
 */

/** Why a request got no complete response. */
export type TransportFailureKind = "aborted" | "timeout" | "network";

/**
 * A request that got no complete response (aborted, timed out, refused, reset, TLS, a body
 * over the size limit). Holds no request configuration, no headers and no secrets: unlike
 * an axios error, it may be logged or wrapped as it is.
 */
export class TransportError extends Error {
  /** The kind of failure. */
  readonly kind: TransportFailureKind;
  /** A Node or axios error code such as `ECONNRESET`, or `TIMEOUT` / `ABORTED`. */
  readonly code: string;
  /**
   * Whether a connection was established (for a request on a pooled connection: whether one
   * may have been), so the request may have reached the server.
   */
  readonly connected: boolean;
  /** The HTTP status, when the failure happened while reading the body. */
  readonly status: number | undefined;

  /**
   * @param kind - the kind of failure.
   * @param code - the error code.
   * @param message - a scrubbed description.
   * @param connected - whether the request may have reached the server.
   * @param status - the HTTP status when headers were received.
   */
  constructor(
    kind: TransportFailureKind,
    code: string,
    message: string,
    connected: boolean,
    status?: number,
  ) {
    super(message);
    this.name = "TransportError";
    this.kind = kind;
    this.code = code;
    this.connected = connected;
    this.status = status;
  }
}
