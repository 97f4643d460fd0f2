/**
 * `provisionkit-conformance`: runs the provider conformance suite on the provider subjects
 * and the operator conformance suite on the operator subjects a module describes, prints
 * progress and a table per subject, writes JSON / JUnit / HTML reports, and exits 1 when a
 * rule is broken (2 on a usage error).
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { runOperatorConformance } from "../conformance/operator/run.js";
import type { OperatorCluster } from "../conformance/operator/types.js";
import { OPERATOR_NAMESPACE } from "../conformance/operator/index.js";
import { runConformance, type ConformanceProgressEvent } from "../conformance/runner.js";
import type { ConformanceReport } from "../conformance/types.js";
import { renderHtml } from "../report/html.js";
import { renderJunit } from "../report/junit.js";
import { renderTable } from "../report/table.js";
import { USAGE, UsageError, parseArgs, type CliArgs } from "./args.js";
import { blackboxMain } from "./blackbox.js";
import {
  loadSubjects,
  suiteOf,
  suiteScenarios,
  type ConformanceSubject,
  type ConformanceSuite,
} from "./subject.js";

/** Where the command writes; injectable for tests. */
export interface CliIo {
  /** Standard output. */
  out(text: string): void;
  /** Standard error (progress and diagnostics). */
  err(text: string): void;
}

const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

const MARK = { passed: "ok  ", failed: "FAIL", skipped: "skip" } as const;

function progress(io: CliIo, index: { done: number; total: number }, where: string) {
  return (event: ConformanceProgressEvent): void => {
    if (event.type === "start") {
      index.done = 0;
      index.total = event.scenarios.length;
      io.err(`${event.subject}: ${event.scenarios.length} scenarios of ${where}\n`);
    } else if (event.type === "scenario-end") {
      index.done += 1;
      const { result } = event;
      const why =
        result.status === "skipped"
          ? ` (${result.skipReason ?? "skipped"})`
          : result.status === "failed"
            ? ` (${[...new Set(result.violations.map((v) => v.rule))].join(", ") || "error"})`
            : "";
      io.err(
        `  [${String(index.done).padStart(String(index.total).length)}/${index.total}] ` +
          `${MARK[result.status]} ${result.id}${why} ${result.durationMs} ms\n`,
      );
    }
  };
}

/**
 * Checks the `--scenario` ids: each must belong to a suite, and to a suite some subject of
 * the module runs.
 *
 * @throws UsageError otherwise.
 */
function checkScenarios(
  ids: readonly string[],
  known: Record<ConformanceSuite, ReadonlySet<string>>,
  subjects?: readonly ConformanceSubject[],
  module?: string,
): void {
  const unknown = ids.filter((id) => !known.provider.has(id) && !known.operator.has(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown scenario ${unknown.join(", ")}: provider scenarios are ` +
        `${[...known.provider].join(", ")}; operator scenarios are ${[...known.operator].join(", ")}`,
    );
  }
  if (subjects === undefined) return;
  const suites = new Set(subjects.map(suiteOf));
  for (const id of ids) {
    const of = (["provider", "operator"] as const).filter((suite) => known[suite].has(id));
    if (!of.some((suite) => suites.has(suite))) {
      throw new UsageError(
        `scenario ${id} belongs to the ${of.join(" and ")} suite, and ${module} has no ${of.join(" or ")} subject`,
      );
    }
  }
}

/** The operator suite's cluster from `--kubeconfig` / `--namespace`, if given. */
async function clusterOf(args: CliArgs): Promise<OperatorCluster | undefined> {
  if (args.kubeconfig === undefined) return undefined;
  let kubeconfig: string;
  try {
    kubeconfig = await readFile(args.kubeconfig, "utf8");
  } catch (error) {
    // The file's name and the reason only: a kubeconfig holds credentials.
    const code = (error as { code?: unknown }).code;
    throw new UsageError(
      `cannot read the kubeconfig ${args.kubeconfig}${typeof code === "string" ? ` (${code})` : ""}`,
    );
  }
  if (kubeconfig.trim() === "") throw new UsageError(`the kubeconfig ${args.kubeconfig} is empty`);
  return { kubeconfig, ...(args.namespace !== undefined ? { namespace: args.namespace } : {}) };
}

/** Runs one subject's suite with the command line's options. */
function run(
  subject: ConformanceSubject,
  scenarios: string[] | undefined,
  args: CliArgs,
  cluster: OperatorCluster | undefined,
  io: CliIo,
  index: { done: number; total: number },
): Promise<ConformanceReport> {
  const filter = scenarios !== undefined ? { scenarios } : {};
  if (subject.suite === "operator") {
    const where =
      cluster !== undefined
        ? `the operator suite on the cluster of ${args.kubeconfig}, namespace ${cluster.namespace ?? OPERATOR_NAMESPACE}`
        : "the operator suite on the Kubernetes API simulator";
    return runOperatorConformance({
      ...subject,
      ...filter,
      ...(args.callDeadlineMs !== undefined ? { callDeadlineMs: args.callDeadlineMs } : {}),
      ...(cluster !== undefined ? { cluster } : {}),
      ...(args.soak !== undefined ? { soak: args.soak } : {}),
      ...(args.quiet ? {} : { onProgress: progress(io, index, where) }),
    });
  }
  return runConformance({
    ...subject,
    ...filter,
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    ...(args.numRuns !== undefined ? { numRuns: args.numRuns } : {}),
    ...(args.callDeadlineMs !== undefined ? { callDeadlineMs: args.callDeadlineMs } : {}),
    ...(args.quiet ? {} : { onProgress: progress(io, index, "the provider suite") }),
  });
}

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, "utf8");
}

/** Writes the reports asked for; one report per subject, several subjects in one file as a list. */
async function writeReports(
  args: Pick<CliArgs, "json" | "junit" | "html">,
  reports: ConformanceReport[],
  io: CliIo,
): Promise<void> {
  if (args.json !== undefined) {
    const json = `${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`;
    if (args.json === "-") io.out(json);
    else await write(args.json, json);
  }
  if (args.junit !== undefined) {
    // One XML document: the test suites of every subject under one <testsuites>.
    const suites = reports
      .map((r) => renderJunit(r))
      .map((xml) =>
        xml
          .split("\n")
          .filter((l) => l.startsWith("  "))
          .join("\n"),
      );
    await write(
      args.junit,
      `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join("\n")}\n</testsuites>\n`,
    );
  }
  if (args.html !== undefined) {
    if (reports.length === 1) await write(args.html, renderHtml(reports[0]!));
    else {
      await Promise.all(
        reports.map((r, i) =>
          write(args.html!.replace(/(\.html?)?$/, `-${i + 1}$1`), renderHtml(r)),
        ),
      );
    }
  }
}

/**
 * Runs the command with `argv` (without node and the script path).
 *
 * @returns The exit code: 0 when every rule held, 1 when one was broken, 2 on a usage error.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  if (argv[0] === "blackbox") {
    const index = { done: 0, total: 0 };
    return blackboxMain(
      argv.slice(1),
      io,
      (args, reports) => writeReports(args, reports, io),
      (where) => progress(io, index, where),
    );
  }
  let args: CliArgs | undefined;
  try {
    args = parseArgs(argv);
    if (args === undefined) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const known = suiteScenarios();
    checkScenarios(args.scenarios, known);
    const cluster = await clusterOf(args);
    const subjects = await loadSubjects(args.module);
    checkScenarios(args.scenarios, known, subjects, args.module);
    if (cluster !== undefined && !subjects.some((s) => suiteOf(s) === "operator") && !args.quiet) {
      io.err(`--kubeconfig: ${args.module} has no operator subject; the cluster is not used\n`);
    }
    const reports: ConformanceReport[] = [];
    const index = { done: 0, total: 0 };
    for (const [i, subject] of subjects.entries()) {
      const suite = suiteOf(subject);
      if (args.soak !== undefined && suite !== "operator") {
        if (!args.quiet) {
          io.err(
            `${subject.subject ?? `subject ${i + 1}`}: not run, --soak runs operator subjects\n`,
          );
        }
        continue;
      }
      const ids = args.scenarios.filter((id) => known[suite].has(id));
      if (args.scenarios.length > 0 && ids.length === 0) {
        if (!args.quiet) {
          io.err(
            `${subject.subject ?? `subject ${i + 1}`}: not run, no --scenario of the ${suite} suite\n`,
          );
        }
        continue;
      }
      const report = await run(
        subject,
        args.scenarios.length > 0 ? ids : undefined,
        args,
        cluster,
        io,
        index,
      );
      reports.push(report);
      if (args.json !== "-") io.out(`${renderTable(report)}\n\n`);
    }
    await writeReports(args, reports, io);
    return reports.every((r) => r.passed) ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`provisionkit-conformance: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
}
