/**
 * The status map: reading an operator's own fields by dotted paths, with provisionkit's
 * mapping as the default, and checking a map read from JSON.
 *
 * @module
 */
import type { AapLedgerJob } from "../../aap/records.js";
import type { KubeObject } from "../../kubernetes/types.js";
import { toConformanceJob } from "../backends/ledger-map.js";
import type { OperationNames } from "../backends/names.js";
import type { ConformanceJob } from "../types.js";
import type { StatusMap } from "./types.js";

/** A status map with every default filled in. */
export type ResolvedStatusMap = Required<Omit<StatusMap, "phase" | "job">> &
  Pick<StatusMap, "phase" | "job">;

/** provisionkit's own mapping (the default of every field but `finalizer`). */
export const PROVISIONKIT_STATUS_MAP: Omit<ResolvedStatusMap, "finalizer"> = Object.freeze({
  reconciledVersion: "status.provisioning.reconciledConfigVersion",
  desiredVersion: "status.provisioning.desiredConfigVersion",
  observedGeneration: "status.observedGeneration",
  conditions: "status.conditions",
  readyCondition: "Ready",
  deletionBlockedCondition: "DeletionBlocked",
});

const PATH_FIELDS = [
  "reconciledVersion",
  "desiredVersion",
  "observedGeneration",
  "phase",
  "conditions",
] as const;
const JOB_FIELDS = ["resourceName", "resourceNamespace", "configVersion", "correlationId"] as const;
const TEXT_FIELDS = ["finalizer", "readyCondition", "deletionBlockedCondition"] as const;

/** Thrown for a status map that is not one: names the field at fault. */
export class StatusMapError extends Error {
  /** Stable code. */
  readonly code = "STATUS_MAP_INVALID";
  /** @param message - what is wrong, naming the field. */
  constructor(message: string) {
    super(`status map: ${message}`);
    this.name = "StatusMapError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a status map read from JSON and fills in the defaults.
 *
 * @throws StatusMapError naming the first field at fault (an unknown field too: a typo would
 *   otherwise silently fall back to a default).
 */
export function resolveStatusMap(input: unknown): ResolvedStatusMap {
  if (!isRecord(input)) throw new StatusMapError("must be a JSON object");
  const known = new Set<string>([...PATH_FIELDS, ...TEXT_FIELDS, "job"]);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new StatusMapError(`unknown field ${JSON.stringify(key)}`);
  }
  for (const key of [...PATH_FIELDS, ...TEXT_FIELDS]) {
    const value = input[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new StatusMapError(`${key} must be a non-empty string`);
    }
  }
  if (typeof input.finalizer !== "string") {
    throw new StatusMapError(
      "finalizer is required (the operator's finalizer, e.g. example.com/teardown)",
    );
  }
  const job = input.job;
  if (job !== undefined) {
    if (!isRecord(job)) throw new StatusMapError("job must be an object of paths into extra_vars");
    for (const key of Object.keys(job)) {
      if (!(JOB_FIELDS as readonly string[]).includes(key)) {
        throw new StatusMapError(`unknown field job.${key}`);
      }
      if (typeof job[key] !== "string" || job[key] === "") {
        throw new StatusMapError(`job.${key} must be a non-empty string`);
      }
    }
  }
  return { ...PROVISIONKIT_STATUS_MAP, ...(input as unknown as StatusMap) };
}

/** The value at a dotted path (`status.provisioning.x`), or undefined. */
export function readPath(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const part of path.split(".")) {
    if (!isRecord(at)) return undefined;
    at = at[part];
  }
  return at;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Reads an object's fields through a resolved status map. */
export class StatusReader {
  /** @param map - the resolved map. */
  constructor(readonly map: ResolvedStatusMap) {}

  /** The reconciled version the operator wrote, if any. */
  reconciled(object: KubeObject): string | undefined {
    return text(readPath(object, this.map.reconciledVersion));
  }

  /**
   * The operator's desired version while its status is of the object's current generation;
   * otherwise `generation <n> not yet observed` (equal to no reconciled version).
   */
  desired(object: KubeObject): string {
    const generation = object.metadata.generation;
    const observed = readPath(object, this.map.observedGeneration);
    const written = text(readPath(object, this.map.desiredVersion));
    if (generation !== undefined && observed === generation && written !== undefined)
      return written;
    return `(generation ${generation ?? "?"} not yet observed)`;
  }

  /** The phase, when the map names one. */
  phase(object: KubeObject): string | undefined {
    return this.map.phase === undefined ? undefined : text(readPath(object, this.map.phase));
  }

  /** The status (`True`, `False`, `Unknown`) of a condition type, or undefined. */
  condition(object: KubeObject, type: string): string | undefined {
    const list = readPath(object, this.map.conditions);
    if (!Array.isArray(list)) return undefined;
    const found = (list as unknown[]).find((c) => isRecord(c) && c.type === type);
    return isRecord(found) ? text(found.status) : undefined;
  }

  /** Whether the status says deletion is blocked. */
  blocked(object: KubeObject): boolean {
    return this.condition(object, this.map.deletionBlockedCondition) === "True";
  }

  /**
   * An AAP ledger job as the checks read it: AapProvider's conventions first, then the map's
   * `job` paths over them.
   */
  job(raw: AapLedgerJob, templates: OperationNames): ConformanceJob {
    const job = toConformanceJob(raw, templates);
    const paths = this.map.job;
    if (!paths) return job;
    const vars = raw.extraVars;
    const name = paths.resourceName ? text(readPath(vars, paths.resourceName)) : undefined;
    if (name !== undefined) {
      const namespace = paths.resourceNamespace
        ? text(readPath(vars, paths.resourceNamespace))
        : undefined;
      job.resourceKey = namespace ? `${namespace}/${name}` : name;
    }
    const version = paths.configVersion ? text(readPath(vars, paths.configVersion)) : undefined;
    if (version !== undefined && job.operation === "provision") job.configVersion = version;
    const correlation = paths.correlationId ? text(readPath(vars, paths.correlationId)) : undefined;
    if (correlation !== undefined) job.correlationId = correlation;
    return job;
  }
}
