/**
 * Decoding request bodies into objects, and metadata helpers.
 *
 * @module
 */
import { badRequest, fieldInvalid, goQuote, type FieldError } from "./errors.js";
import { clone, isObject, type JsonObject } from "./json.js";
import { apiVersionOf, isTyped, type ResourceType } from "./resource-type.js";
import type { KubeObject } from "./types.js";

/**
 * Checks the shape of an object body (POST or PUT), as the real decoder does: a JSON
 * object with a kind and the resource's apiVersion. Custom resources (unstructured) must
 * carry both; core resources (typed) default them from the path.
 *
 * @returns A copy with a `metadata` object.
 * @throws KubeStatusError 400.
 */
export function decodeObject(type: ResourceType, body: unknown, text: string): KubeObject {
  if (!isObject(body)) {
    throw badRequest(
      `the object provided is unrecognized (must be a JSON object): ${text.slice(0, 200)}`,
    );
  }
  const object: JsonObject = isTyped(type)
    ? // Typed (core) resources are decoded with the path's group/version/kind as defaults.
      { ...body, kind: body.kind ?? type.kind, apiVersion: body.apiVersion ?? apiVersionOf(type) }
    : body;
  if (isTyped(type) && object.kind !== type.kind) {
    throw badRequest(
      `${String(object.kind)} in version "${type.version}" cannot be handled as a ${type.kind}`,
    );
  }
  if (typeof object.kind !== "string" || object.kind === "") {
    throw badRequest(`Object 'Kind' is missing in '${text}'`);
  }
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  if (apiVersion !== apiVersionOf(type)) {
    throw badRequest(
      `the API version in the data (${apiVersion}) does not match the expected API version (${apiVersionOf(type)})`,
    );
  }
  return asObject(object);
}

/**
 * A copy of a JSON object as a KubeObject, with a `metadata` object.
 *
 * @throws KubeStatusError 400 when `metadata` is not an object.
 */
export function asObject(body: Record<string, unknown>): KubeObject {
  const copy = clone(body);
  if (copy.metadata === undefined || copy.metadata === null) copy.metadata = {};
  if (!isObject(copy.metadata)) throw badRequest("metadata must be a JSON object");
  return copy as KubeObject;
}

/** The kind/apiVersion checks of custom resource validation (422 when violated). */
export function validateTypeMeta(type: ResourceType, object: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  if (object.kind !== type.kind) {
    errors.push(fieldInvalid("kind", goQuote(String(object.kind)), `must be ${type.kind}`));
  }
  if (object.apiVersion !== apiVersionOf(type)) {
    errors.push(
      fieldInvalid(
        "apiVersion",
        goQuote(String(object.apiVersion)),
        `must be ${apiVersionOf(type)}`,
      ),
    );
  }
  if (type.validate) errors.push(...type.validate(object));
  return errors;
}

/** A metadata string field, or undefined when absent or not a string. */
export function metaString(object: KubeObject, key: string): string | undefined {
  const value = object.metadata[key];
  return typeof value === "string" ? value : undefined;
}

/** The finalizers of an object (strings only). */
export function finalizersOf(object: KubeObject): string[] {
  const value = object.metadata.finalizers as unknown;
  return Array.isArray(value) ? value.filter((f): f is string => typeof f === "string") : [];
}

/** Go's `%#v` of a `[]string`: `[]string{"a", "b"}`. */
export function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map(goQuote).join(", ")}}`;
}

/**
 * The real server's name check of updates and patches (400 BadRequest).
 *
 * @throws KubeStatusError when the body names another object.
 */
export function checkName(object: KubeObject, name: string, namespace: string | undefined): void {
  const objectName = metaString(object, "name") ?? "";
  if (objectName !== name) {
    throw badRequest(
      `the name of the object (${objectName}) does not match the name on the URL (${name})`,
    );
  }
  const objectNamespace = metaString(object, "namespace") ?? "";
  if (namespace !== undefined && objectNamespace !== "" && objectNamespace !== namespace) {
    throw badRequest(
      `the namespace of the object (${objectNamespace}) does not match the namespace on the request (${namespace})`,
    );
  }
}
