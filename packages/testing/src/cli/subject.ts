/**
 * Loading what `provisionkit-conformance` tests from a user's module.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { operatorScenarios } from "../conformance/operator/run.js";
import type { OperatorConformanceOptions } from "../conformance/operator/types.js";
import { providerScenarios } from "../conformance/runner.js";
import type { ConformanceBackend, ConformanceCapabilities } from "../conformance/types.js";
import { UsageError } from "./args.js";

/** The conformance suites a subject can ask for. */
export type ConformanceSuite = "provider" | "operator";

/**
 * A provider subject: a backend harness whose provider the provider suite (rules P1–P8, P10,
 * E1–E6) runs on, and what to call the run.
 */
export interface ProviderSubject {
  /** The provider suite; the default when `suite` is left out. */
  suite?: "provider";
  /** Shown in reports, e.g. `AapProvider on the AAP simulator`. */
  subject?: string;
  /** A fresh backend harness for each scenario. */
  backend: () => ConformanceBackend;
  /** Capabilities to assume instead of detecting them. */
  capabilities?: Partial<ConformanceCapabilities>;
}

/**
 * An operator subject: an operator configuration the operator suite (rules E1–E5) runs on,
 * the options of `runOperatorConformance` with `suite: "operator"`. The command line's
 * `--scenario`, `--kubeconfig` / `--namespace` and progress lines replace the subject's own
 * `scenarios`, `cluster` and `onProgress` when given.
 */
export interface OperatorSubject extends OperatorConformanceOptions {
  /** The operator suite. */
  suite: "operator";
}

/**
 * What a conformance module describes: a {@link ProviderSubject} or an
 * {@link OperatorSubject}, told apart by `suite`.
 */
export type ConformanceSubject = ProviderSubject | OperatorSubject;

/** The suite `subject` asks for. */
export function suiteOf(subject: ConformanceSubject): ConformanceSuite {
  return subject.suite === "operator" ? "operator" : "provider";
}

/** The scenario ids of each suite, in report order. */
export function suiteScenarios(): Record<ConformanceSuite, ReadonlySet<string>> {
  return {
    provider: new Set(providerScenarios().map((s) => s.id)),
    operator: new Set(operatorScenarios().map((s) => s.id)),
  };
}

/** What a module's default export must look like, for error messages. */
const EXPECTED =
  "must export by default { backend: () => ConformanceBackend, subject?, capabilities? } " +
  '(a provider subject) or { suite: "operator", crd, operator, spec, finalizer, ... } ' +
  "(an operator subject), a list of them, or a function returning either";

const CRD_FIELDS = ["group", "version", "plural", "kind"] as const;

/** `key` when absent, `key (a <type>, got <type>)` when of the wrong type. */
function wrong(value: Record<string, unknown>, key: string, type: string): string {
  return value[key] === undefined ? key : `${key} (a ${type}, got ${typeOf(value[key])})`;
}

function typeOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/** What `value` lacks to be a subject of `suite`: field names, with the type when wrong. */
function missingFields(value: Record<string, unknown>, suite: ConformanceSuite): string[] {
  const missing: string[] = [];
  const need = (key: string, type: string, optional = false) => {
    if (optional && value[key] === undefined) return;
    if (value[key] === "" && !optional) missing.push(key);
    else if (typeof value[key] !== type) missing.push(wrong(value, key, type));
  };
  if (suite === "provider") need("backend", "function");
  else {
    const crd = value.crd;
    if (typeof crd !== "object" || crd === null) missing.push(wrong(value, "crd", "object"));
    else {
      const fields = CRD_FIELDS.filter(
        (f) => typeof (crd as Record<string, unknown>)[f] !== "string",
      );
      if (fields.length > 0) missing.push(fields.map((f) => `crd.${f}`).join(", "));
    }
    need("operator", "function");
    need("spec", "function");
    need("finalizer", "string");
    need("backend", "function", true);
  }
  need("subject", "string", true);
  const scenarios = value.scenarios;
  if (scenarios !== undefined) {
    const known = suiteScenarios()[suite];
    if (!Array.isArray(scenarios)) missing.push(wrong(value, "scenarios", "list of ids"));
    else {
      const unknown = scenarios.filter((id) => typeof id !== "string" || !known.has(id));
      if (unknown.length > 0) {
        missing.push(`scenarios of the ${suite} suite (not ${unknown.map(String).join(", ")})`);
      }
    }
  }
  return missing;
}

/**
 * Checks one element of a module's default export.
 *
 * @param value - the element.
 * @param label - how to name it in errors, e.g. `subject 2`.
 * @throws UsageError naming the suite and what the element lacks.
 */
export function checkSubject(value: unknown, label: string): ConformanceSubject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(
      `${label} is not an object: a subject is { backend, ... } or { suite: "operator", ... }`,
    );
  }
  const record = value as Record<string, unknown>;
  const suite = record.suite;
  if (suite !== undefined && suite !== "provider" && suite !== "operator") {
    throw new UsageError(
      `${label} has suite ${JSON.stringify(suite)}: it must be "provider" (the default) or "operator"`,
    );
  }
  const kind: ConformanceSuite = suite === "operator" ? "operator" : "provider";
  const missing = missingFields(record, kind);
  if (missing.length > 0) {
    const hint =
      suite === undefined && ("crd" in record || "operator" in record)
        ? ' (an operator subject needs suite: "operator")'
        : "";
    throw new UsageError(`${label} (suite ${kind}) needs ${missing.join(", ")}${hint}`);
  }
  return value as ConformanceSubject;
}

/** How to run the command on a TypeScript module, as the usage text and errors say it. */
export const TYPESCRIPT_HINT =
  "Node.js imports a .ts module by itself from 22.18 (type stripping); before that, load " +
  'a TypeScript loader, e.g. NODE_OPTIONS="--import tsx" provisionkit-conformance ' +
  "subjects.ts (with tsx installed), or compile the module to .js first";

/**
 * The usage error for a module that `import()` refused: its first line, and for a
 * TypeScript file Node could not load, how to load it ({@link TYPESCRIPT_HINT}).
 */
export function loadError(path: string, error: unknown): UsageError {
  const first = error instanceof Error ? error.message.split("\n")[0] : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const typescript = /\.[cm]?ts$/i.test(path);
  if (
    typescript &&
    (code === "ERR_UNKNOWN_FILE_EXTENSION" || /Unknown file extension/.test(first ?? ""))
  ) {
    return new UsageError(`cannot load ${path}: ${first}. ${TYPESCRIPT_HINT}`);
  }
  return new UsageError(`cannot load ${path}: ${first}`);
}

/**
 * Imports `path` (relative to the working directory) and returns the subjects of its
 * default export: a subject, a list of them (provider and operator subjects mixed), or a
 * (possibly async) function returning either.
 *
 * @throws UsageError when the module cannot be loaded, exports nothing usable, or a subject
 * lacks what its suite needs (the error names the subject, its suite and the missing fields).
 */
export async function loadSubjects(path: string): Promise<ConformanceSubject[]> {
  const url = pathToFileURL(isAbsolute(path) ? path : resolve(process.cwd(), path)).href;
  let loaded: { default?: unknown };
  try {
    loaded = (await import(url)) as { default?: unknown };
  } catch (error) {
    throw loadError(path, error);
  }
  let value = loaded.default;
  if (typeof value === "function") value = await (value as () => unknown)();
  if (typeof value !== "object" || value === null) throw new UsageError(`${path} ${EXPECTED}`);
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) throw new UsageError(`${path} ${EXPECTED} (it exports an empty list)`);
  return list.map((item, i) => checkSubject(item, `${path}: subject ${i + 1}`));
}
