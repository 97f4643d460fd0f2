/**
 * Small validation helpers shared by the option parsers. Every failure is a
 * `ConfigurationError` naming the option; values are never echoed (they may be secrets).
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import { ConfigurationError, silentLogger, type Logger } from "@provisionkit/core";

/** Largest delay Node timers accept, in milliseconds. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Throws a `ConfigurationError` naming `option`. */
export function fail(scope: string, option: string, problem: string): never {
  throw new ConfigurationError(`${scope} option ${option} ${problem}`, { details: { option } });
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A number of milliseconds: `fallback` when undefined, else finite, >= `min`, <= {@link MAX_TIMER_MS}. */
export function milliseconds(
  scope: string,
  option: string,
  value: unknown,
  fallback: number,
  min: 0 | 1,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    fail(scope, option, min === 0 ? "must be a non-negative number" : "must be a positive number");
  }
  if (value > MAX_TIMER_MS) fail(scope, option, `must be at most ${MAX_TIMER_MS}`);
  return value;
}

/** A logger with the four methods, or the silent one when undefined. */
export function loggerOption(scope: string, value: unknown): Logger {
  if (value === undefined) return silentLogger;
  const candidate = value as Record<string, unknown>;
  if (
    (!isRecord(value) && typeof value !== "function") ||
    !["debug", "info", "warn", "error"].every((m) => typeof candidate[m] === "function")
  ) {
    fail(scope, "logger", "must have debug, info, warn and error methods");
  }
  return value as unknown as Logger;
}

/** A function option, or `fallback` when undefined. */
export function functionOption<F>(scope: string, option: string, value: unknown, fallback: F): F {
  if (value === undefined) return fallback;
  if (typeof value !== "function") fail(scope, option, "must be a function");
  return value as F;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Whether `pem` holds at least one certificate and every certificate in it parses. */
export function isValidPemBundle(pem: string | Buffer): boolean {
  const blocks = pem.toString("utf8").match(PEM_BLOCK);
  if (blocks === null) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}
