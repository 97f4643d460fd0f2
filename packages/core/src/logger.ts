/**
 * A structured logger, shaped so that a pino logger (or anything with the same
 * `level(fields, message)` methods, such as a thin console adapter) can be passed as is.
 *
 * Callers in provisionkit log secret-free fields only: never tokens, passwords, HMAC keys
 * or request headers.
 */
export interface Logger {
  /** Fine-grained diagnostics: each request, each decision. */
  debug(fields: Record<string, unknown>, message: string): void;
  /** Noteworthy progress: a job launched, a resource ready. */
  info(fields: Record<string, unknown>, message: string): void;
  /** Something unexpected that was handled: a retry, an insecure TLS setting. */
  warn(fields: Record<string, unknown>, message: string): void;
  /** A failure the caller will see. */
  error(fields: Record<string, unknown>, message: string): void;
}

const ignore = (): void => {};

/** A logger that drops everything; the default wherever a logger is optional. */
export const silentLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
});
