/**
 * The typed errors of the standalone simulator server (`provisionkit-sim`) and of its
 * control API: each has a stable `code`, the HTTP status the control API answers it with,
 * and, when one field is at fault, that field's path (e.g. `aap.jobTemplates[0].name`).
 *
 * @module
 */

/** The stable codes of {@link SimServerError}; docs/simulator-protocol.md lists each. */
export type SimServerErrorCode =
  /** A command-line argument is unknown, missing its value or malformed (exit code 2). */
  | "usage"
  /** The configuration (file or flags) is invalid; `field` names the bad field (exit code 2). */
  | "invalid-config"
  /** The configuration file cannot be read or is not JSON (exit code 2). */
  | "config-unreadable"
  /** A port could not be listened on (exit code 1). */
  | "listen-failed"
  /** The control request has no valid `Authorization: Bearer <control token>` (401). */
  | "unauthorized"
  /** No control endpoint at this path (404). */
  | "not-found"
  /** The endpoint exists but not with this method (405). */
  | "method-not-allowed"
  /** The request body is not JSON, or larger than the limit (400, 413). */
  | "invalid-json"
  /** A body field is missing or wrong; `field` names it (400). */
  | "invalid-request"
  /** The simulator the endpoint addresses is not running in this server (409). */
  | "simulator-not-running"
  /** No template of that name (404). */
  | "unknown-template"
  /** No job of that id in the ledger (404). */
  | "unknown-job"
  /** No fault rule of that id (404). */
  | "unknown-fault"
  /** The job is already terminal (409). */
  | "job-terminal"
  /** The clock is the system clock: it cannot be advanced (409). */
  | "real-time-clock"
  /** The server is shutting down (503). */
  | "shutting-down"
  /** An unexpected failure inside the server (500). */
  | "internal";

/** Options of a {@link SimServerError}. */
export interface SimServerErrorOptions {
  /** The field at fault, as a path from the document's root. */
  field?: string;
  /** The HTTP status the control API answers with (default from the code). */
  status?: number;
}

const STATUS: Readonly<Record<SimServerErrorCode, number>> = {
  usage: 400,
  "invalid-config": 400,
  "config-unreadable": 400,
  "listen-failed": 500,
  unauthorized: 401,
  "not-found": 404,
  "method-not-allowed": 405,
  "invalid-json": 400,
  "invalid-request": 400,
  "simulator-not-running": 409,
  "unknown-template": 404,
  "unknown-job": 404,
  "unknown-fault": 404,
  "job-terminal": 409,
  "real-time-clock": 409,
  "shutting-down": 503,
  internal: 500,
};

/** The JSON body of every control API error, and of the CLI's error line on stderr. */
export interface SimErrorBody {
  /** The error. */
  error: {
    /** Its stable code. */
    code: SimServerErrorCode;
    /** What went wrong, for a person (never a secret's value). */
    message: string;
    /** The field at fault, when one is. */
    field?: string;
  };
}

/** An error of the simulator server or its control API, with a stable code. */
export class SimServerError extends Error {
  /** Stable code. */
  readonly code: SimServerErrorCode;
  /** The field at fault, as a path from the document's root, when one is. */
  readonly field: string | undefined;
  /** The HTTP status the control API answers with. */
  readonly status: number;

  /**
   * @param code - Stable code.
   * @param message - What went wrong (never a secret's value).
   * @param options - The field at fault and the HTTP status.
   */
  constructor(code: SimServerErrorCode, message: string, options: SimServerErrorOptions = {}) {
    super(message);
    this.name = "SimServerError";
    this.code = code;
    this.field = options.field;
    this.status = options.status ?? STATUS[code];
  }

  /** The error as the control API's JSON body. */
  toBody(): SimErrorBody {
    const error: SimErrorBody["error"] = { code: this.code, message: this.message };
    if (this.field !== undefined) error.field = this.field;
    return { error };
  }
}
