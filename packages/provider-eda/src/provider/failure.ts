import type { JobType } from "@provisionkit/core";

/** What a failed playbook writes into the failure annotation (JSON). */
export interface PlaybookFailure {
  /** The correlation id of the event whose job failed. */
  correlationId: string;
  /** The operation, when given. */
  operation?: JobType;
  /** What went wrong (may be empty). */
  message: string;
}

/** Longest failure message kept, in characters. */
export const MAX_FAILURE_MESSAGE = 2000;

/**
 * Parses the failure annotation. `undefined` when absent; `{ malformed }` (a short reason,
 * never the text itself) when it is not the JSON the protocol describes.
 */
export function parseFailure(
  raw: string | undefined,
): { failure: PlaybookFailure } | { malformed: string } | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { malformed: "not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { malformed: "not a JSON object" };
  }
  const { correlationId, operation, message } = value as Record<string, unknown>;
  if (typeof correlationId !== "string" || correlationId === "") {
    return { malformed: "correlationId is not a non-empty string" };
  }
  if (operation !== undefined && operation !== "provision" && operation !== "deprovision") {
    return { malformed: 'operation is not "provision" or "deprovision"' };
  }
  if (message !== undefined && typeof message !== "string") {
    return { malformed: "message is not a string" };
  }
  const text = (message ?? "").trim();
  const failure: PlaybookFailure = {
    correlationId,
    message: text.length > MAX_FAILURE_MESSAGE ? `${text.slice(0, MAX_FAILURE_MESSAGE)}…` : text,
  };
  if (operation !== undefined) failure.operation = operation;
  return { failure };
}
