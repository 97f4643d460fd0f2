import type { Logger, ResourceObject } from "@provisionkit/core";
import { DEFAULT_EDA_ANNOTATIONS, FINALIZER_AAP, type EdaAnnotationNames } from "../constants.js";
import {
  fail as failIn,
  functionOption,
  isRecord,
  loggerOption,
  milliseconds,
} from "../client/validate.js";
import { aapJobSource, type EdaAapJobSource } from "./aap-source.js";
import type { EdaProviderOptions } from "./options.js";
import { defaultPayload } from "./payload.js";

/** Default of `EdaProviderOptions.provisionTimeoutMs`: 60 minutes. */
export const DEFAULT_PROVISION_TIMEOUT_MS = 60 * 60_000;
/** Default of `EdaProviderOptions.deprovisionTimeoutMs`: 30 minutes. */
export const DEFAULT_DEPROVISION_TIMEOUT_MS = 30 * 60_000;
/** Default of `EdaProviderOptions.minEventIntervalMs`: 15 seconds. */
export const DEFAULT_MIN_EVENT_INTERVAL_MS = 15_000;
/** Default of `EdaProviderOptions.pollIntervalMs`: 10 seconds. */
export const DEFAULT_POLL_INTERVAL_MS = 10_000;
/** Default of `EdaProviderOptions.name`. */
export const DEFAULT_PROVIDER_NAME = "eda";

/** The provider's own options, validated, with defaults. */
export interface ResolvedProviderOptions {
  /** Provider name. */
  name: string;
  /** Provision timeout, from the send. */
  provisionTimeoutMs: number;
  /** Deprovision timeout, from the send. */
  deprovisionTimeoutMs: number;
  /** The finalizer the playbooks manage. */
  finalizer: string;
  /** Annotation names. */
  annotations: EdaAnnotationNames;
  /** The payload function. */
  payload: (resource: ResourceObject) => unknown;
  /** Declared on deprovision results. */
  blockDeletionOnFailure: boolean;
  /** Minimum interval between identical events (0: off). */
  minEventIntervalMs: number;
  /** The AAP job source in AAP mode. */
  aap: EdaAapJobSource | undefined;
  /** Upper bound of `retryAfterMs` while waiting. */
  pollIntervalMs: number;
  /** The clock. */
  now: () => number;
  /** The logger. */
  logger: Logger;
}

const SCOPE = "EdaProvider";
// A Kubernetes qualified name with an optional DNS-subdomain prefix.
const QUALIFIED_NAME =
  /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function fail(option: string, problem: string): never {
  failIn(SCOPE, option, problem);
}

function qualifiedName(value: unknown, option: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !QUALIFIED_NAME.test(value)) {
    fail(option, "must be a Kubernetes qualified name such as example.com/name");
  }
  return value;
}

function annotationNames(value: unknown): EdaAnnotationNames {
  if (value === undefined) return { ...DEFAULT_EDA_ANNOTATIONS };
  if (!isRecord(value)) fail("annotations", "must be an object");
  const out = { ...DEFAULT_EDA_ANNOTATIONS };
  for (const key of Object.keys(value)) {
    if (!(key in DEFAULT_EDA_ANNOTATIONS)) fail(`annotations.${key}`, "is not a known annotation");
    const name = key as keyof EdaAnnotationNames;
    out[name] = qualifiedName(value[key], `annotations.${key}`, DEFAULT_EDA_ANNOTATIONS[name]);
  }
  if (new Set(Object.values(out)).size !== Object.keys(out).length) {
    fail("annotations", "must give each annotation a different name");
  }
  return out;
}

/**
 * Validates the provider's own options and applies defaults.
 *
 * @throws ConfigurationError naming the bad option.
 */
export function resolveProviderOptions(options: EdaProviderOptions): ResolvedProviderOptions {
  if (!isRecord(options)) fail("options", "must be an object");
  const name = options.name ?? DEFAULT_PROVIDER_NAME;
  if (typeof name !== "string" || name.trim() === "") fail("name", "must be a non-empty string");
  const block = options.blockDeletionOnFailure ?? false;
  if (typeof block !== "boolean") fail("blockDeletionOnFailure", "must be a boolean");
  const resolved: ResolvedProviderOptions = {
    name,
    provisionTimeoutMs: milliseconds(
      SCOPE,
      "provisionTimeoutMs",
      options.provisionTimeoutMs,
      DEFAULT_PROVISION_TIMEOUT_MS,
      1,
    ),
    deprovisionTimeoutMs: milliseconds(
      SCOPE,
      "deprovisionTimeoutMs",
      options.deprovisionTimeoutMs,
      DEFAULT_DEPROVISION_TIMEOUT_MS,
      1,
    ),
    finalizer: qualifiedName(options.finalizer, "finalizer", FINALIZER_AAP),
    annotations: annotationNames(options.annotations),
    payload: functionOption(SCOPE, "payload", options.payload, defaultPayload),
    blockDeletionOnFailure: block,
    minEventIntervalMs: milliseconds(
      SCOPE,
      "minEventIntervalMs",
      options.minEventIntervalMs,
      DEFAULT_MIN_EVENT_INTERVAL_MS,
      0,
    ),
    aap: aapJobSource(options.aap),
    pollIntervalMs: milliseconds(
      SCOPE,
      "pollIntervalMs",
      options.pollIntervalMs,
      DEFAULT_POLL_INTERVAL_MS,
      1,
    ),
    now: functionOption(SCOPE, "now", options.now, Date.now),
    logger: loggerOption(SCOPE, options.logger),
  };
  return resolved;
}
