/**
 * `provisionkit-conformance blackbox`: the black-box operator suite from the command line,
 * for an operator in any language: `--crd` (a CustomResourceDefinition manifest, YAML or
 * JSON), `--operator-command` (started per scenario with the environment contract),
 * `--status-map` (JSON), the same reports as the other suites.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { parseArgs as parseNodeArgs } from "node:util";
import { runBlackBoxConformance } from "../conformance/blackbox/run.js";
import { resolveStatusMap, StatusMapError } from "../conformance/blackbox/status-map.js";
import type { StatusMap } from "../conformance/blackbox/types.js";
import type { CrdDefinition } from "../kubernetes/types.js";
import { renderTable } from "../report/table.js";
import { UsageError, type CliArgs } from "./args.js";

/** Usage of the `blackbox` command. */
export const BLACKBOX_USAGE = `Usage: provisionkit-conformance blackbox --crd FILE --operator-command "CMD ARGS..." --status-map FILE [options]

Runs the black-box operator suite (rules E1-E5) on an operator in any language: for each
scenario it starts a Kubernetes API simulator serving the CRD and the AAP simulator, starts
CMD with the environment contract (KUBECONFIG, OPERATOR_NAMESPACE, CRD_GROUP, CRD_VERSION,
CRD_PLURAL, CRD_KIND, AAP_URL, AAP_TOKEN, AAP_PROVISION_TEMPLATE, AAP_DEPROVISION_TEMPLATE,
POLL_INTERVAL_MS), creates, changes and deletes objects through the Kubernetes API,
kills (SIGKILL) and restarts CMD in the crash scenarios, and judges E1-E5 from the AAP
job ledger and the objects, reading the operator's status through the status map.

Options (--opt VALUE or --opt=VALUE):
  --crd FILE               a CustomResourceDefinition manifest (YAML or JSON), or JSON
                           {group, version, plural, kind}
  --operator-command CMD   the operator's command line (split on spaces; no shell)
  --operator-cwd DIR       its working directory
  --status-map FILE        JSON: {finalizer, reconciledVersion?, desiredVersion?,
                           observedGeneration?, phase?, conditions?, readyCondition?,
                           deletionBlockedCondition?, job?: {resourceName?,
                           resourceNamespace?, configVersion?, correlationId?}}
  --specs FILE             JSON: two distinct valid specs [A, B] (default [{size:1},{size:2}])
  --provision-template N   job template of a provision (default provision)
  --deprovision-template N job template of a teardown (default deprovision)
  --kubeconfig FILE        run on this cluster (the CRD installed) instead of the simulator
  --namespace NS           the scenarios' namespace (default conformance)
  --timeout MS             each scenario's goal budget (default 10000)
  --scenario ID            only this scenario (repeatable): create-to-ready, spec-change,
                           delete-after-ready, delete-while-provisioning,
                           crash-mid-provision, crash-mid-deprovision
  --json FILE, --junit FILE, --html FILE   reports, as for the other suites
  --quiet                  no progress lines

Exit codes: 0 every rule held, 1 a rule was broken, 2 a usage error.`;

const OPTIONS = {
  crd: { type: "string" },
  "operator-command": { type: "string" },
  "operator-cwd": { type: "string" },
  "status-map": { type: "string" },
  specs: { type: "string" },
  "provision-template": { type: "string" },
  "deprovision-template": { type: "string" },
  kubeconfig: { type: "string" },
  namespace: { type: "string" },
  timeout: { type: "string" },
  scenario: { type: "string", multiple: true },
  json: { type: "string" },
  junit: { type: "string" },
  html: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** What the reports and progress need of a run, as the other suites' `CliArgs` has it. */
export type ReportArgs = Pick<CliArgs, "json" | "junit" | "html" | "quiet">;

/** Where the command writes. */
export interface BlackBoxIo {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
}

async function read(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(
      `${flag}: cannot read ${path}${typeof code === "string" ? ` (${code})` : ""}`,
    );
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The CRD of a manifest (`spec.group`, `spec.names`, the storage version, `spec.scope`) or
 * of the short JSON form.
 *
 * @throws UsageError naming what is missing.
 */
export async function crdOf(text: string): Promise<CrdDefinition> {
  const { loadYaml } = await import("@kubernetes/client-node");
  let doc: unknown;
  try {
    doc = loadYaml<unknown>(text);
  } catch (error) {
    throw new UsageError(
      `--crd: not YAML or JSON (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`,
    );
  }
  const top = record(doc) ?? {};
  const spec = record(top.spec);
  if (!spec) {
    const { group, version, plural, kind } = top;
    if ([group, version, plural, kind].every((v) => typeof v === "string" && v !== "")) {
      return { group, version, plural, kind } as CrdDefinition;
    }
    throw new UsageError(
      "--crd: neither a CustomResourceDefinition nor {group, version, plural, kind}",
    );
  }
  const names = record(spec.names) ?? {};
  const versions = Array.isArray(spec.versions) ? spec.versions.map(record) : [];
  const version = (versions.find((v) => v?.storage === true) ?? versions[0])?.name;
  const crd = { group: spec.group, version, plural: names.plural, kind: names.kind };
  for (const [field, value] of Object.entries(crd)) {
    if (typeof value !== "string" || value === "") {
      throw new UsageError(`--crd: the CustomResourceDefinition has no ${field}`);
    }
  }
  return {
    ...(crd as Pick<CrdDefinition, "group" | "version" | "plural" | "kind">),
    scope: spec.scope === "Cluster" ? "Cluster" : "Namespaced",
  };
}

/**
 * Runs `blackbox` with `argv` (after the word `blackbox`).
 *
 * @param writeReports - writes the JSON / JUnit / HTML reports, as the other suites do.
 * @param progress - the other suites' progress listener.
 * @returns The exit code.
 */
export async function blackboxMain(
  argv: readonly string[],
  io: BlackBoxIo,
  writeReports: (
    args: ReportArgs,
    reports: import("../conformance/types.js").ConformanceReport[],
  ) => Promise<void>,
  progress: (
    where: string,
  ) => (event: import("../conformance/runner.js").ConformanceProgressEvent) => void,
): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseNodeArgs({ args: [...argv], options: OPTIONS, strict: true }));
  } catch (error) {
    if (argv.includes("--help") || argv.includes("-h")) {
      io.out(`${BLACKBOX_USAGE}\n`);
      return 0;
    }
    io.err(
      `provisionkit-conformance blackbox: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n\n${BLACKBOX_USAGE}\n`,
    );
    return 2;
  }
  if (values.help === true) {
    io.out(`${BLACKBOX_USAGE}\n`);
    return 0;
  }
  try {
    const text = (name: string) => {
      const value = values[name];
      return typeof value === "string" && value !== "" ? value : undefined;
    };
    const crdFile = text("crd");
    const command = text("operator-command")?.trim().split(/\s+/);
    const mapFile = text("status-map");
    if (!crdFile || !command?.[0] || !mapFile) {
      throw new UsageError("--crd, --operator-command and --status-map are required");
    }
    const crd = await crdOf(await read("--crd", crdFile));
    let statusMap: StatusMap;
    try {
      statusMap = resolveStatusMap(JSON.parse(await read("--status-map", mapFile)) as unknown);
    } catch (error) {
      if (error instanceof StatusMapError || error instanceof SyntaxError) {
        throw new UsageError(`--status-map: ${error.message}`);
      }
      throw error;
    }
    let specs: [Record<string, unknown>, Record<string, unknown>] | undefined;
    const specsFile = text("specs");
    if (specsFile) {
      const parsed = JSON.parse(await read("--specs", specsFile)) as unknown;
      if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((s) => record(s))) {
        throw new UsageError("--specs: a JSON list of two spec objects [A, B]");
      }
      specs = parsed as [Record<string, unknown>, Record<string, unknown>];
    }
    const timeout = text("timeout");
    const timeoutMs = timeout === undefined ? undefined : Number(timeout);
    if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) {
      throw new UsageError("--timeout needs a positive integer (ms)");
    }
    const kubeconfigFile = text("kubeconfig");
    const provision = text("provision-template");
    const deprovision = text("deprovision-template");
    const namespace = text("namespace");
    const cwd = text("operator-cwd");
    const scenarios = Array.isArray(values.scenario) ? values.scenario : undefined;
    const report = await runBlackBoxConformance({
      crd,
      statusMap,
      operator: { command: command[0], args: command.slice(1), ...(cwd ? { cwd } : {}) },
      ...(specs ? { specs } : {}),
      ...(kubeconfigFile ? { kubeconfig: await read("--kubeconfig", kubeconfigFile) } : {}),
      ...(namespace ? { namespace } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(scenarios ? { scenarios } : {}),
      aap: {
        templates: {
          ...(provision ? { provision } : {}),
          ...(deprovision ? { deprovision } : {}),
        },
      },
      ...(values.quiet === true ? {} : { onProgress: progress("the black-box operator suite") }),
    });
    const args: ReportArgs = {
      quiet: values.quiet === true,
      ...(text("json") ? { json: text("json") } : {}),
      ...(text("junit") ? { junit: text("junit") } : {}),
      ...(text("html") ? { html: text("html") } : {}),
    };
    if (args.json !== "-") io.out(`${renderTable(report)}\n\n`);
    await writeReports(args, [report]);
    return report.passed ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) {
      io.err(`provisionkit-conformance blackbox: ${error.message}\n\n${BLACKBOX_USAGE}\n`);
      return 2;
    }
    throw error;
  }
}
