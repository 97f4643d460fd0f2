/**
 * Patching objects: JSON merge patch, JSON patch, and (for core Events) strategic merge
 * patch, which for Events is a merge patch.
 *
 * @module
 */
import { MAX_JSON_PATCH_OPERATIONS, patchDepthError, requestEntityTooLarge } from "./limits.js";
import { commitUpdate } from "./commit-update.js";
import {
  badRequest,
  conflict,
  notFound,
  patchNotApplicable,
  unsupportedMediaType,
} from "./errors.js";
import { isObject } from "./json.js";
import { applyJsonPatch, JsonPatchApplyError, JsonPatchFormatError } from "./json-patch.js";
import { applyMergePatch } from "./merge-patch.js";
import { asObject, checkName } from "./meta.js";
import type { ResourceType } from "./resource-type.js";
import type { KubeState, WriteContext } from "./state.js";
import type { KubeObject } from "./types.js";

/** `application/json-patch+json`. */
export const JSON_PATCH = "application/json-patch+json";
/** `application/merge-patch+json`. */
export const MERGE_PATCH = "application/merge-patch+json";
/** `application/strategic-merge-patch+json` (core resources only). */
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";

/** The patch media types a resource accepts. Server-side apply is not supported (415). */
export function patchTypes(type: ResourceType): string[] {
  return type.core ? [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH] : [JSON_PATCH, MERGE_PATCH];
}

function applyPatch(existing: KubeObject, mediaType: string, text: string): KubeObject {
  const tooDeep = patchDepthError(text);
  if (tooDeep) throw tooDeep;
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch (error) {
    if (mediaType === JSON_PATCH) throw badRequest((error as Error).message);
    throw badRequest("Invalid JSON Patch");
  }
  let patched: unknown;
  if (mediaType === JSON_PATCH) {
    if (Array.isArray(patch) && patch.length > MAX_JSON_PATCH_OPERATIONS) {
      throw requestEntityTooLarge(
        `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
      );
    }
    try {
      patched = applyJsonPatch(existing, patch);
    } catch (error) {
      if (error instanceof JsonPatchFormatError) throw badRequest(error.message);
      if (error instanceof JsonPatchApplyError) throw patchNotApplicable();
      throw error;
    }
  } else {
    if (!isObject(patch)) throw badRequest("Invalid JSON Patch");
    patched = applyMergePatch(existing, patch);
  }
  if (!isObject(patched)) throw patchNotApplicable();
  return asObject(patched);
}

/**
 * Whether a patch sets `metadata.resourceVersion`, the only precondition a patch can carry
 * that a concurrent write makes fail with 409. The API server applies a patch to the object
 * it reads and, when its write then conflicts with another, reads again and re-applies the
 * patch, up to `MaxRetryWhenPatchConflicts` (5) times (kubernetes
 * `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go`, the retry loop around
 * `patcher.Update`; the constant in `handlers/rest.go`; `test/integration/apiserver/patch_test.go`:
 * "a patch API call retries up to MaxRetryWhenPatchConflicts times if the resource version of
 * the object has changed"). A patch without a resourceVersion therefore never answers 409
 * for a concurrent write; one that sets it fails each retry alike and answers 409. A JSON
 * patch's `test` of another field is re-checked on each retry: it answers 422 if the field
 * changed, and succeeds when only something else did.
 */
export function carriesResourceVersion(mediaType: string, text: string): boolean {
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch {
    return false;
  }
  if (mediaType === JSON_PATCH) {
    return (
      Array.isArray(patch) &&
      patch.some(
        (op) =>
          isObject(op) &&
          (op.op === "add" || op.op === "replace") &&
          op.path === "/metadata/resourceVersion",
      )
    );
  }
  if (!isObject(patch) || !isObject(patch.metadata)) return false;
  const version = patch.metadata.resourceVersion;
  return version !== undefined && version !== null;
}

/**
 * Patches an object.
 *
 * @param contentType - The request's Content-Type (parameters such as charset ignored).
 * @throws KubeStatusError 415, 404, 400 (malformed patch, name), 409 (stale resourceVersion
 *   in the patch, injected conflict on a patch that carries a resourceVersion), 422 (failed
 *   JSON patch `test`, validation).
 */
export function patchObject(
  state: KubeState,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  contentType: string | undefined,
  text: string,
  scope: "main" | "status",
  ctx: WriteContext,
): KubeObject {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const accepted = patchTypes(type);
  if (!accepted.includes(mediaType)) throw unsupportedMediaType(accepted);
  const existing = state.store.peek(type, namespace, name);
  if (!existing) throw notFound(type, name);
  const candidate = applyPatch(existing, mediaType, text);
  // An injected conflict only where the patch carries a precondition (see
  // `carriesResourceVersion`): the real server retries a patch's conflicts itself.
  if (carriesResourceVersion(mediaType, text) && ctx.conflictFault?.(scope, name)) {
    throw conflict(type, name);
  }
  checkName(candidate, name, namespace);
  return commitUpdate(state, type, existing, candidate, {
    scope,
    verb: "patch",
    checkVersion: true,
    ctx,
  });
}
