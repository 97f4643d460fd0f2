/**
 * Which objects a list or watch selects: namespace, labels and fields.
 *
 * @module
 */
import { badRequest } from "./errors.js";
import { parseFieldSelector } from "./fields.js";
import { parseLabelSelector, SelectorParseError } from "./labels.js";
import type { ResourceType } from "./resource-type.js";
import type { KubeObject } from "./types.js";

/** A predicate over the objects of one resource. */
export interface ObjectFilter {
  /** The namespace selected by the path; undefined for cluster-wide requests. */
  readonly namespace: string | undefined;
  /** Whether the object is selected. */
  matches(object: KubeObject): boolean;
}

/**
 * Builds the filter of a request.
 *
 * @throws KubeStatusError 400 for malformed or unsupported selectors.
 */
export function makeFilter(
  type: ResourceType,
  namespace: string | undefined,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): ObjectFilter {
  try {
    const labels = parseLabelSelector(labelSelector);
    const fields = parseFieldSelector(type, fieldSelector);
    return {
      namespace,
      matches: (object) =>
        (namespace === undefined || object.metadata.namespace === namespace) &&
        labels.matches(object.metadata.labels ?? {}) &&
        fields.matches(object),
    };
  } catch (error) {
    if (error instanceof SelectorParseError) throw badRequest(error.message);
    throw error;
  }
}
