/**
 * Small helpers for asserting what an HTTP client throws and logs.
 *
 * @module
 */
import type { Logger } from "@provisionkit/core";

/** One log line. */
export interface LogLine {
  /** The level. */
  level: "debug" | "info" | "warn" | "error";
  /** The structured fields. */
  fields: Record<string, unknown>;
  /** The message. */
  message: string;
}

/** A logger that records every line: `lines`, and `dump()` as one JSON text for leak checks. */
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

/** Awaits `promise` and returns what it threw (throws when it resolved). */
export async function thrown(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/**
 * Everything about an error as text — message, stack, own properties (details, codes),
 * cause — to check that no secret is in any of it.
 */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const own: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(error)) {
    own[key] = (error as unknown as Record<string, unknown>)[key];
  }
  return `${error.message} ${error.stack ?? ""} ${JSON.stringify(own)} ${String(error.cause)}`;
}
