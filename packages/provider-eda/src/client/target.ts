/**
 * Where an event goes: the webhook endpoint or the event-stream URL of a resource kind and
 * an operation.
 *
 * @module
 */
import { ConfigurationError, type JobType } from "@provisionkit/core";
import { kebabCase } from "@provisionkit/core";
import { isRecord, optionChecks } from "@provisionkit/core/http";

/** A value per operation. */
export interface EdaOperationValues {
  /** For provision events. */
  provision?: string;
  /** For deprovision events. */
  deprovision?: string;
}

/**
 * Webhook endpoint names (the path after the base URL; the rulebook's
 * `event.meta.endpoint`). For a resource of kind `K`, the first of:
 * 1. `kinds[K].provision` / `kinds[K].deprovision`;
 * 2. `provision` / `deprovision` (one endpoint for every kind);
 * 3. `${verb}-${kebab-case(K)}` with `verbs` (default `create` / `delete`), e.g.
 *    `create-compute-instance`.
 *
 * Names are path segments of `A-Z a-z 0-9 . _ ~ -`, separated by `/`.
 */
export interface EdaWebhookEndpoints extends EdaOperationValues {
  /** Verbs of conventional names. Default `create` and `delete`. */
  verbs?: EdaOperationValues;
  /** Per-kind endpoints, keyed by the resource's `kind`. */
  kinds?: Readonly<Record<string, EdaOperationValues>>;
}

/** An `ansible.eda.webhook` (`eda.builtin.webhook`) source of a rulebook activation. */
export interface EdaWebhookTarget {
  /** Discriminant. */
  type: "webhook";
  /** Base URL of the source, e.g. `http://my-activation.eda.svc:5000`; endpoints are appended. */
  url: string;
  /** Endpoint names; see {@link EdaWebhookEndpoints}. */
  endpoints?: EdaWebhookEndpoints;
}

/**
 * Event-stream URLs (AAP 2.5+, each stream has its own full `…/post/` URL). For a resource
 * of kind `K`: `kinds[K].provision` / `kinds[K].deprovision`, else the default pair
 * `provision` / `deprovision`. One URL may serve both operations: the event says which in
 * its `provisionkit.io/operation` annotation.
 */
export interface EdaEventStreamUrls extends EdaOperationValues {
  /** Per-kind URLs, keyed by the resource's `kind`. */
  kinds?: Readonly<Record<string, EdaOperationValues>>;
}

/** AAP event streams. */
export interface EdaEventStreamTarget {
  /** Discriminant. */
  type: "event-stream";
  /** The stream URLs; see {@link EdaEventStreamUrls}. */
  urls: EdaEventStreamUrls;
}

/** Where events go. */
export type EdaTarget = EdaWebhookTarget | EdaEventStreamTarget;

/** The resolved destination of one event. */
export interface EdaDestination {
  /** The target type. */
  type: EdaTarget["type"];
  /** The full URL the event is posted to. */
  url: string;
  /** Its path, for messages and logs. */
  path: string;
  /**
   * For a webhook: the text a webhook source answers a queued event with (the path without
   * its leading slash).
   */
  echo?: string;
}

/** A validated target. */
export type ResolvedTarget =
  | {
      /** Discriminant. */
      type: "webhook";
      /** The base URL, with a trailing slash. */
      base: URL;
      /** Verbs of conventional endpoint names. */
      verbs: Required<EdaOperationValues>;
      /** Endpoints for every kind. */
      all: EdaOperationValues;
      /** Endpoints per kind. */
      kinds: Record<string, EdaOperationValues>;
    }
  | {
      /** Discriminant. */
      type: "event-stream";
      /** The default URL pair. */
      all: EdaOperationValues;
      /** URLs per kind. */
      kinds: Record<string, EdaOperationValues>;
    };

const check = optionChecks("EDA client");
const OPERATIONS = ["provision", "deprovision"] as const;
const ENDPOINT = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;
const VERB = /^[A-Za-z0-9._~-]+$/;

function fail(option: string, problem: string): never {
  return check.fail(option, problem);
}

/** Parses an http(s) URL without credentials, query or fragment. The URL is never echoed. */
export function parseHttpUrl(value: unknown, option: string): URL {
  return check.url(option, value);
}

function operationValues(
  value: unknown,
  option: string,
  check: (v: unknown, option: string) => string,
): EdaOperationValues {
  if (value === undefined) return {};
  if (!isRecord(value)) fail(option, "must be an object");
  const out: EdaOperationValues = {};
  for (const op of OPERATIONS) {
    if (value[op] !== undefined) out[op] = check(value[op], `${option}.${op}`);
  }
  return out;
}

function kindsOf(
  value: unknown,
  option: string,
  check: (v: unknown, option: string) => string,
): Record<string, EdaOperationValues> {
  if (value === undefined) return {};
  if (!isRecord(value)) fail(option, "must be an object keyed by resource kind");
  const out: Record<string, EdaOperationValues> = {};
  for (const [kind, values] of Object.entries(value)) {
    out[kind] = operationValues(values, `${option}.${kind}`, check);
  }
  return out;
}

function endpointName(value: unknown, option: string): string {
  if (typeof value !== "string" || !ENDPOINT.test(value)) {
    fail(
      option,
      "must be path segments of letters, digits, '.', '_', '~' and '-' separated by '/'",
    );
  }
  return value;
}

function verb(value: unknown, option: string): string {
  if (typeof value !== "string" || !VERB.test(value)) {
    fail(option, "must be letters, digits, '.', '_', '~' or '-'");
  }
  return value;
}

function streamUrl(value: unknown, option: string): string {
  return parseHttpUrl(value, option).href;
}

/** Validates the `target` option. */
export function parseTarget(value: unknown): ResolvedTarget {
  if (!isRecord(value)) fail("target", "must be an object");
  if (value.type === "webhook") {
    const base = parseHttpUrl(value.url, "target.url");
    if (!base.pathname.endsWith("/")) base.pathname = `${base.pathname}/`;
    const endpoints = value.endpoints;
    if (endpoints !== undefined && !isRecord(endpoints))
      fail("target.endpoints", "must be an object");
    const e = endpoints ?? {};
    const verbs = operationValues(e.verbs, "target.endpoints.verbs", verb);
    return {
      type: "webhook",
      base,
      verbs: { provision: verbs.provision ?? "create", deprovision: verbs.deprovision ?? "delete" },
      all: operationValues(
        { provision: e.provision, deprovision: e.deprovision },
        "target.endpoints",
        endpointName,
      ),
      kinds: kindsOf(e.kinds, "target.endpoints.kinds", endpointName),
    };
  }
  if (value.type === "event-stream") {
    if (!isRecord(value.urls)) fail("target.urls", "must be an object");
    const all = operationValues(
      { provision: value.urls.provision, deprovision: value.urls.deprovision },
      "target.urls",
      streamUrl,
    );
    const kinds = kindsOf(value.urls.kinds, "target.urls.kinds", streamUrl);
    const any =
      Object.keys(all).length > 0 || Object.values(kinds).some((k) => Object.keys(k).length > 0);
    if (!any) fail("target.urls", "must hold at least one URL");
    return { type: "event-stream", all, kinds };
  }
  fail("target.type", 'must be "webhook" or "event-stream"');
}

function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/**
 * The destination of the `operation` event of a resource of `kind`.
 *
 * @throws ConfigurationError when the target has none for this kind and operation.
 */
export function destinationFor(
  target: ResolvedTarget,
  kind: string | undefined,
  operation: JobType,
): EdaDestination {
  const perKind = kind === undefined ? undefined : own(target.kinds, kind);
  if (target.type === "event-stream") {
    const href = perKind?.[operation] ?? target.all[operation];
    if (href === undefined) {
      throw new ConfigurationError(
        `EDA client: no event-stream URL for ${operation} events of kind ${kind ?? "(none)"}: ` +
          `set target.urls.${operation} or target.urls.kinds.${kind ?? "<kind>"}.${operation}`,
        { details: { option: "target.urls", operation, kind: kind ?? null } },
      );
    }
    const url = new URL(href);
    return { type: "event-stream", url: url.href, path: url.pathname };
  }
  let endpoint = perKind?.[operation] ?? target.all[operation];
  if (endpoint === undefined) {
    const name = kind === undefined ? "" : kebabCase(kind);
    if (!ENDPOINT.test(name)) {
      throw new ConfigurationError(
        `EDA client: cannot derive a webhook endpoint for ${operation} events of kind ` +
          `${kind === undefined ? "(none)" : JSON.stringify(kind)}: set target.endpoints.${operation} ` +
          `or target.endpoints.kinds.<kind>.${operation}`,
        { details: { option: "target.endpoints", operation, kind: kind ?? null } },
      );
    }
    endpoint = `${target.verbs[operation]}-${name}`;
  }
  const url = new URL(endpoint, target.base);
  return { type: "webhook", url: url.href, path: url.pathname, echo: url.pathname.slice(1) };
}
