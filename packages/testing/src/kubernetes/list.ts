/**
 * Lists: selectors, `limit` and `continue`.
 *
 * @module
 */
import { badRequest, expired } from "./errors.js";
import type { ObjectFilter } from "./filter.js";
import { clone, isObject } from "./json.js";
import { apiVersionOf, isTyped, type ResourceType } from "./resource-type.js";
import { objectKey } from "./store.js";
import type { KubeState } from "./state.js";
import type { KubeObject } from "./types.js";

/** A list response body. */
export interface KubeList {
  /** The resource's apiVersion. */
  apiVersion: string;
  /** The list kind, e.g. `ComputeInstanceList`. */
  kind: string;
  /** List metadata. */
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  /** The objects. */
  items: KubeObject[];
}

interface ContinueToken {
  readonly rv: number;
  readonly start: string;
}

const EXPIRED_CONTINUE =
  "The provided continue parameter is too old to display a consistent list result. You can " +
  "start a new list without the continue parameter, or use the continue token in this " +
  "response to retrieve the remainder of the results. Continuing with the provided token " +
  "results in an inconsistent list - objects that were created, modified, or deleted between " +
  "the time the first chunk was returned and now may show up in the list.";

/** Encodes a continue token as the real server does (base64 JSON). */
function encodeContinue(token: ContinueToken): string {
  return Buffer.from(
    JSON.stringify({ v: "meta.k8s.io/v1", rv: token.rv, start: token.start }),
  ).toString("base64");
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, "base64").toString("utf8"));
    if (isObject(parsed) && typeof parsed.rv === "number" && typeof parsed.start === "string") {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through
  }
  throw badRequest(`continue key is not valid: ${text}`);
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  if (!/^[0-9]+$/.test(text)) throw badRequest(`invalid limit: ${text}`);
  const limit = Number(text);
  return limit > 0 ? limit : undefined;
}

/**
 * Lists the objects a filter selects, sorted by namespace and name, in pages of `limit`.
 * Later pages show the objects as they are when asked for (the real server serves them
 * from its snapshot), with the first page's resourceVersion; a continue token older than
 * the last `compact()` has expired (410).
 *
 * @throws KubeStatusError 400 (bad limit or token), 410 (expired token).
 */
export function listObjects(
  state: KubeState,
  type: ResourceType,
  filter: ObjectFilter,
  limitText: string | undefined,
  continueText: string | undefined,
  selectors: boolean,
): KubeList {
  const limit = parseLimit(limitText);
  const token = continueText ? decodeContinue(continueText) : undefined;
  if (token && token.rv < state.store.compactedRevision) throw expired(EXPIRED_CONTINUE);
  const revision = token?.rv ?? state.store.revision;
  const keyed = state.store
    .peekAll(type, filter.namespace)
    .filter((object) => filter.matches(object))
    .map((object) => ({ key: objectKey(object.metadata.namespace, object.metadata.name), object }))
    .filter(({ key }) => token === undefined || key >= token.start);
  const page = limit === undefined ? keyed : keyed.slice(0, limit);
  const metadata: KubeList["metadata"] = { resourceVersion: String(revision) };
  const last = page.at(-1);
  if (limit !== undefined && keyed.length > limit && last) {
    metadata.continue = encodeContinue({ rv: revision, start: `${last.key}\u0000` });
    if (!selectors) metadata.remainingItemCount = keyed.length - limit;
  } else if (!isTyped(type)) {
    metadata.continue = "";
  }
  return {
    apiVersion: apiVersionOf(type),
    kind: type.listKind,
    metadata,
    items: page.map(({ object }) => clone(object)),
  };
}
