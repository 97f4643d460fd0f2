/**
 * `provisionkit-conformance`: runs the provider conformance suite on what a module
 * describes, prints progress and a table, writes JSON / JUnit / HTML reports, and exits 1
 * when a rule is broken (2 on a usage error).
 *
 * @module
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { runConformance, type ConformanceProgressEvent } from "../conformance/runner.js";
import type { ConformanceReport } from "../conformance/types.js";
import { renderHtml } from "../report/html.js";
import { renderJunit } from "../report/junit.js";
import { renderTable } from "../report/table.js";
import { USAGE, UsageError, parseArgs, type CliArgs } from "./args.js";
import { loadSubjects } from "./subject.js";

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

function progress(io: CliIo, index: { done: number; total: number }) {
  return (event: ConformanceProgressEvent): void => {
    if (event.type === "start") {
      index.done = 0;
      index.total = event.scenarios.length;
      io.err(`${event.subject}: ${event.scenarios.length} scenarios\n`);
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

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, "utf8");
}

/** Writes the reports asked for; one report per subject, several subjects in one file as a list. */
async function writeReports(args: CliArgs, reports: ConformanceReport[], io: CliIo): Promise<void> {
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
  let args: CliArgs | undefined;
  try {
    args = parseArgs(argv);
    if (args === undefined) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const subjects = await loadSubjects(args.module);
    const reports: ConformanceReport[] = [];
    const index = { done: 0, total: 0 };
    for (const subject of subjects) {
      const report = await runConformance({
        ...subject,
        ...(args.scenarios.length > 0 ? { scenarios: args.scenarios } : {}),
        ...(args.seed !== undefined ? { seed: args.seed } : {}),
        ...(args.numRuns !== undefined ? { numRuns: args.numRuns } : {}),
        ...(args.quiet ? {} : { onProgress: progress(io, index) }),
      });
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
