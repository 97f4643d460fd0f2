/**
 * Field selectors (`fieldSelector` query parameter) with the fields the real server
 * supports per resource: `metadata.name` and `metadata.namespace` for custom resources, and
 * the Event fields for core Events.
 *
 * @module
 */
import { isObject } from "./json.js";
import { SelectorParseError } from "./labels.js";
import type { ResourceType } from "./resource-type.js";
import type { KubeObject } from "./types.js";

/** A parsed field selector. */
export interface FieldSelector {
  /** Whether the object is selected. */
  matches(object: KubeObject): boolean;
}

const EVENT_FIELDS: Record<string, readonly string[]> = {
  "involvedObject.kind": ["involvedObject", "kind"],
  "involvedObject.namespace": ["involvedObject", "namespace"],
  "involvedObject.name": ["involvedObject", "name"],
  "involvedObject.uid": ["involvedObject", "uid"],
  "involvedObject.apiVersion": ["involvedObject", "apiVersion"],
  "involvedObject.resourceVersion": ["involvedObject", "resourceVersion"],
  "involvedObject.fieldPath": ["involvedObject", "fieldPath"],
  reason: ["reason"],
  reportingComponent: ["reportingComponent"],
  source: ["source", "component"],
  type: ["type"],
};

function fieldPath(type: ResourceType, field: string): readonly string[] | undefined {
  if (field === "metadata.name") return ["metadata", "name"];
  if (field === "metadata.namespace" && type.namespaced) return ["metadata", "namespace"];
  return type.core ? EVENT_FIELDS[field] : undefined;
}

function valueAt(object: unknown, path: readonly string[]): string {
  let current = object;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return typeof current === "string" ? current : "";
}

interface Term {
  readonly path: readonly string[];
  readonly negate: boolean;
  readonly value: string;
}

const TERM = /^([A-Za-z.]+)\s*(==|=|!=)\s*(.*)$/;

/**
 * Parses a field selector for a resource; empty or absent selects everything.
 *
 * @throws SelectorParseError for malformed terms or fields the resource does not support
 *   (`field label not supported: spec.x`).
 */
export function parseFieldSelector(
  type: ResourceType,
  selector: string | undefined,
): FieldSelector {
  const text = selector?.trim() ?? "";
  const terms: Term[] =
    text === ""
      ? []
      : text.split(",").map((raw) => {
          const m = TERM.exec(raw.trim());
          if (!m?.[1])
            throw new SelectorParseError(`invalid selector: '${raw}'; can't understand '${raw}'`);
          const path = fieldPath(type, m[1]);
          if (!path) throw new SelectorParseError(`field label not supported: ${m[1]}`);
          return { path, negate: m[2] === "!=", value: (m[3] ?? "").trim() };
        });
  return {
    matches: (object) => terms.every((t) => (valueAt(object, t.path) === t.value) !== t.negate),
  };
}
