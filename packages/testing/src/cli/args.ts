/**
 * Command-line arguments of `provisionkit-conformance`.
 *
 * @module
 */

import { parseArgs as parseNodeArgs } from "node:util";
import type { OperatorSoakOptions } from "../conformance/operator/types.js";

/** What the command was asked to do. */
export interface CliArgs {
  /** The module that describes what to test. */
  module: string;
  /** Write the JSON report here; `-` for standard output. */
  json?: string;
  /** Write a JUnit XML report here. */
  junit?: string;
  /** Write the HTML report here. */
  html?: string;
  /** Only these scenarios (ids of either suite; each subject runs those of its suite). */
  scenarios: string[];
  /** Seed of the randomized scenarios (provider subjects). */
  seed?: number;
  /** Runs of the randomized scenarios (provider subjects). */
  numRuns?: number;
  /** Each provider call's deadline, real ms (L1), in both suites. */
  callDeadlineMs?: number;
  /**
   * Run operator subjects on the cluster of this kubeconfig file instead of the Kubernetes
   * API simulator.
   */
  kubeconfig?: string;
  /** The namespace of the operator scenarios' objects on that cluster (needs `kubeconfig`). */
  namespace?: string;
  /** Run operator subjects' soak instead of their scenarios (`--soak`). */
  soak?: OperatorSoakOptions;
  /** No progress lines. */
  quiet: boolean;
}

/** Usage text. */
export const USAGE = `Usage: provisionkit-conformance <module> [options]
       provisionkit-conformance blackbox --crd FILE --operator-command CMD --status-map FILE
         (an operator in any language, as a process: blackbox --help)

Runs the provisionkit conformance suites on what <module> describes, prints a table per
subject, and exits 1 when a rule is broken: the provider suite (rules P1-P8, P10, E1-E6) on
provider subjects, the operator suite (rules E1-E5) on operator subjects; in both, L1:
every provider call returns or throws within its deadline.

<module> is a JavaScript module (a path: .js or .mjs) whose default export is a
subject, a list of them (both kinds mixed), or a function returning either. A .ts
module needs Node.js 22.18 or later (type stripping), or a TypeScript loader:
  NODE_OPTIONS="--import tsx" provisionkit-conformance subjects.ts   (tsx installed)
or compile it to .js first. The subjects:
  provider subject  { subject?, backend: () => ConformanceBackend, capabilities? }
  operator subject  { suite: "operator", crd, operator: (env) => controller,
                      spec: (i) => spec, finalizer, backend?, subject?, ... }
                    (the options of runOperatorConformance)

Options (--opt VALUE or --opt=VALUE):
  --json FILE        the report as JSON (FILE - for standard output)
  --junit FILE       the report as JUnit XML
  --html FILE        the report as an HTML page with a job timeline per resource
  --scenario ID      run only this scenario (repeatable); IDs of either suite, each
                     subject runs those of its own suite
  --seed N           seed of the randomized provider scenario (default 42)
  --runs N           runs of the randomized provider scenario (default 25)
  --call-deadline MS each provider call's deadline in real ms (default 30000 for
                     provider subjects, 5000 for operator subjects): a call past it
                     is a violation of L1 and ends its scenario, never a hang
  --kubeconfig FILE  run operator subjects on this kubeconfig's cluster (its current
                     context; the CRD installed) instead of the Kubernetes API simulator
  --namespace NS     the namespace of the operator scenarios' objects on that cluster
                     (needs --kubeconfig; default conformance)
  --soak SPEC        run the operator subjects' soak instead of their scenarios:
                     SPEC is lifecycles=N,faultRate=R,seed=S (all three), and
                     optionally concurrency=N, slowAnswerMs=MS, lifecycleTimeoutMs=MS;
                     e.g. --soak lifecycles=200,faultRate=0.05,seed=7 (provider
                     subjects are not run)
  --quiet            no progress lines
  --help             this text

Exit codes: 0 every rule held, 1 a rule was broken, 2 a usage error.`;

/** A usage error: the message is printed with the usage, exit code 2. */
export class UsageError extends Error {}

function integer(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`${flag} needs a non-negative integer`);
  }
  return n;
}

/** The numbers a `--soak` spec takes: the soak options, each an integer but `faultRate`. */
const SOAK_KEYS = [
  "lifecycles",
  "faultRate",
  "seed",
  "concurrency",
  "slowAnswerMs",
  "lifecycleTimeoutMs",
] as const;

/** Parses `lifecycles=200,faultRate=0.05,seed=7`. */
function soakSpec(value: string | undefined): OperatorSoakOptions {
  if (value === undefined || value.startsWith("-")) {
    throw new UsageError("--soak needs lifecycles=N,faultRate=R,seed=S");
  }
  const spec: Partial<Record<(typeof SOAK_KEYS)[number], number>> = {};
  for (const part of value.split(",")) {
    const [key = "", raw, ...extra] = part.split("=");
    const known = SOAK_KEYS.find((k) => k === key);
    const n = Number(raw);
    if (known === undefined || raw === undefined || raw === "" || extra.length > 0) {
      throw new UsageError(
        `--soak: ${JSON.stringify(part)} is not one of ${SOAK_KEYS.join(", ")} =number`,
      );
    }
    const ok =
      known === "faultRate"
        ? Number.isFinite(n) && n >= 0 && n <= 1
        : known === "seed"
          ? Number.isSafeInteger(n)
          : Number.isSafeInteger(n) && n >= 1;
    if (!ok) {
      throw new UsageError(
        `--soak: ${known} ${known === "faultRate" ? "must be in [0, 1]" : known === "seed" ? "must be an integer" : "must be a positive integer"}, got ${raw}`,
      );
    }
    spec[known] = n;
  }
  const { lifecycles, faultRate, seed, ...rest } = spec;
  if (lifecycles === undefined || faultRate === undefined || seed === undefined) {
    throw new UsageError("--soak needs lifecycles, faultRate and seed");
  }
  return { lifecycles, faultRate, seed, ...rest };
}

/** Options that take a string value, and the field each sets. */
const STRING_OPTIONS = {
  json: "json",
  junit: "junit",
  html: "html",
  kubeconfig: "kubeconfig",
  namespace: "namespace",
} as const;

/** Options that take a non-negative integer, and the field each sets. */
const INTEGER_OPTIONS = {
  seed: "seed",
  runs: "numRuns",
  "call-deadline": "callDeadlineMs",
} as const;

/** Every option, as `node:util.parseArgs` takes them (values checked afterwards). */
const OPTIONS = {
  json: { type: "string" },
  junit: { type: "string" },
  html: { type: "string" },
  kubeconfig: { type: "string" },
  namespace: { type: "string" },
  seed: { type: "string" },
  runs: { type: "string" },
  "call-deadline": { type: "string" },
  soak: { type: "string" },
  scenario: { type: "string", multiple: true },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The option an error of `node:util.parseArgs` names (`'--junit <value>'` → `--junit`). */
function optionIn(message: string): string {
  return /'(-[^' ]*)/.exec(message)?.[1] ?? "an option";
}

/** What `--flag` without a value is told. */
function missingValue(flag: string): UsageError {
  if (flag === "--soak") return new UsageError("--soak needs lifecycles=N,faultRate=R,seed=S");
  if (Object.hasOwn(INTEGER_OPTIONS, flag.slice(2))) {
    return new UsageError(`${flag} needs a non-negative integer`);
  }
  return new UsageError(`${flag} needs a value`);
}

/**
 * Parses `argv` (without node and the script) with `node:util.parseArgs`: options as
 * `--opt value` or `--opt=value`. `undefined` means `--help` (or `-h`).
 *
 * @throws UsageError for an unknown option, a missing or bad value, no module or two.
 */
export function parseArgs(argv: readonly string[]): CliArgs | undefined {
  let values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseNodeArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    if (argv.includes("--help") || argv.includes("-h")) return undefined;
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    const flag = optionIn(message);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown option ${flag}`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw message.includes("does not take an argument")
        ? new UsageError(`${flag} takes no value`)
        : missingValue(flag);
    }
    throw new UsageError(message.split("\n")[0] ?? message);
  }
  if (values.help === true) return undefined;
  const args: Partial<CliArgs> & { scenarios: string[]; quiet: boolean } = {
    scenarios: [],
    quiet: values.quiet === true,
  };
  for (const [option, field] of Object.entries(STRING_OPTIONS)) {
    const value = values[option];
    if (typeof value === "string") {
      if (value === "") throw missingValue(`--${option}`);
      args[field] = value;
    }
  }
  for (const [option, field] of Object.entries(INTEGER_OPTIONS)) {
    const value = values[option];
    if (typeof value === "string") args[field] = integer(`--${option}`, value);
  }
  const scenarios = values.scenario;
  if (Array.isArray(scenarios)) {
    for (const id of scenarios) {
      if (id === "") throw missingValue("--scenario");
      args.scenarios.push(id);
    }
  }
  if (typeof values.soak === "string") args.soak = soakSpec(values.soak);
  const [module, ...others] = positionals;
  if (others.length > 0) throw new UsageError(`one module only (got ${others[0]} too)`);
  if (module === undefined) throw new UsageError("a module to test is required");
  args.module = module;
  if (args.callDeadlineMs === 0) throw new UsageError("--call-deadline needs a positive integer");
  if (args.namespace !== undefined && args.kubeconfig === undefined) {
    throw new UsageError("--namespace needs --kubeconfig (the simulator has its own namespace)");
  }
  return args as CliArgs;
}
