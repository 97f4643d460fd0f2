/**
 * Loading what `provisionkit-conformance` tests from a user's module.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ConformanceBackend, ConformanceCapabilities } from "../conformance/types.js";
import { UsageError } from "./args.js";

/** What a conformance module describes: a backend harness and what to call the run. */
export interface ConformanceSubject {
  /** Shown in reports, e.g. `AapProvider on the AAP simulator`. */
  subject?: string;
  /** A fresh backend harness for each scenario. */
  backend: () => ConformanceBackend;
  /** Capabilities to assume instead of detecting them. */
  capabilities?: Partial<ConformanceCapabilities>;
}

function isSubject(value: unknown): value is ConformanceSubject {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { backend?: unknown }).backend === "function"
  );
}

/**
 * Imports `path` (relative to the working directory) and returns the subjects of its
 * default export: a subject, a list of them, or a (possibly async) function returning
 * either.
 *
 * @throws UsageError when the module cannot be loaded or exports nothing usable.
 */
export async function loadSubjects(path: string): Promise<ConformanceSubject[]> {
  const url = pathToFileURL(isAbsolute(path) ? path : resolve(process.cwd(), path)).href;
  let loaded: { default?: unknown };
  try {
    loaded = (await import(url)) as { default?: unknown };
  } catch (error) {
    throw new UsageError(
      `cannot load ${path}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
    );
  }
  let value = loaded.default;
  if (typeof value === "function") value = await (value as () => unknown)();
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0 || !list.every(isSubject)) {
    throw new UsageError(
      `${path} must export by default { backend: () => ConformanceBackend, subject?, capabilities? }, ` +
        "a list of them, or a function returning either",
    );
  }
  return list;
}
