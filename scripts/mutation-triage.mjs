// The survivors of a mutation run, sorted (issue 21): which mutants only change what a
// provider logs or the words of an error it throws, and which change its behaviour.
//
//   node scripts/mutation-triage.mjs provider-aap-conformance      # reports/mutation/<name>.json
//   node scripts/mutation-triage.mjs path/to/report.json --list    # and every other survivor
//
// The provider contract (docs/conformance.md) promises behaviour: what a provider launches,
// cancels and returns, and the error class, code and retryability it throws. It promises
// nothing about log lines or the wording of an error message (only that neither carries a
// secret, which a mutant that empties or swaps a string cannot break). So two kinds of mutant
// are outside what the conformance suite can judge, and are set apart here by where they sit
// in the source (TypeScript's parser, no guessing from text):
// - `log`: inside the arguments of a logger call (`<…>logger.<level>(…)`, level trace, debug,
//   info, warn, error or fatal), or anywhere in an `if` without `else` whose body is nothing
//   but logger calls (its condition only decides whether a line is logged);
// - `message`: inside a string argument (a string or template literal, or a `+` of them) of
//   `new <Name>Error(…)`.
// The script prints StrykerJS's score, then the score of the remaining mutants (those two
// kinds left out of both sides, whatever their status), then that score with the survivors
// judged in stryker/judged.json left out too (see mutation-judged.mjs; it exits 1 when the
// suite caught a mutant judged uncatchable), by file, then with `--list` each remaining
// survivor: those are the ones to judge one by one (equivalent, outside the contract for
// another reason, or a blind spot of the suite). `--save <file>` keeps a small record of every
// mutant, and `--compare <file>` (such a record, or a report) says mutant by mutant what the
// suite catches now and did not then (mutation-compare.mjs).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { URL, fileURLToPath } from "node:url";
import ts from "typescript";
import { compareRecords, mutantRecords, recordsOf } from "./mutation-compare.mjs";
import { covers, loadJudgements } from "./mutation-judged.mjs";
import { score } from "./mutation-score.mjs";

const LOG_LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);

/** Whether `node` is a string-valued expression built from literals (and `+`). */
function isStringExpression(node) {
  if (ts.isParenthesizedExpression(node)) return isStringExpression(node.expression);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return true;
  if (ts.isTemplateExpression(node)) return true;
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return isStringExpression(node.left) || isStringExpression(node.right);
  }
  return false;
}

/** Whether `call` is a logger call: `<anything ending in logger>.<level>(…)`. */
function isLoggerCall(call) {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || !LOG_LEVELS.has(callee.name.text)) return false;
  const target = callee.expression;
  const name = ts.isPropertyAccessExpression(target)
    ? target.name.text
    : ts.isIdentifier(target)
      ? target.text
      : "";
  return /logger$/i.test(name);
}

/** Whether `statement` is a logger call, or a block of nothing but logger calls. */
function onlyLogs(statement) {
  if (ts.isBlock(statement)) {
    return statement.statements.length > 0 && statement.statements.every(onlyLogs);
  }
  return (
    ts.isExpressionStatement(statement) &&
    ts.isCallExpression(statement.expression) &&
    isLoggerCall(statement.expression)
  );
}

/** Whether `expression` names an error class (`FooError`, `errors.FooError`). */
function isErrorClass(expression) {
  const name = ts.isPropertyAccessExpression(expression)
    ? expression.name.text
    : ts.isIdentifier(expression)
      ? expression.text
      : "";
  return /Error$/.test(name);
}

/**
 * The source ranges (character offsets, end exclusive) of each kind: the arguments of every
 * logger call (`log`) and the string arguments of every error construction (`message`).
 * @param {string} source - TypeScript source text.
 * @returns {{ kind: "log" | "message", start: number, end: number }[]}
 */
export function outOfContractRanges(source) {
  const file = ts.createSourceFile("m.ts", source, ts.ScriptTarget.Latest, true);
  const ranges = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && isLoggerCall(node)) {
      for (const arg of node.arguments) {
        ranges.push({ kind: "log", start: arg.getStart(file), end: arg.getEnd() });
      }
    }
    if (ts.isIfStatement(node) && !node.elseStatement && onlyLogs(node.thenStatement)) {
      ranges.push({ kind: "log", start: node.getStart(file), end: node.getEnd() });
    }
    if (ts.isNewExpression(node) && isErrorClass(node.expression)) {
      for (const arg of node.arguments ?? []) {
        if (isStringExpression(arg)) {
          ranges.push({ kind: "message", start: arg.getStart(file), end: arg.getEnd() });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return ranges;
}

/** Character offset of a StrykerJS location (lines from 1, columns from 1) in `source`. */
function offsetOf(lineStarts, { line, column }) {
  return lineStarts[line - 1] + column - 1;
}

function lineStartsOf(source) {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === "\n") starts.push(i + 1);
  return starts;
}

/**
 * Each mutant of a file with its kind: `log`, `message` (see the module comment) when the
 * whole mutated range lies inside such a range, otherwise `behaviour`.
 * @param {string} source
 * @param {{ location: { start: { line: number, column: number }, end: { line: number, column: number } } }[]} mutants
 */
export function classify(source, mutants) {
  const ranges = outOfContractRanges(source);
  const starts = lineStartsOf(source);
  return mutants.map((mutant) => {
    const start = offsetOf(starts, mutant.location.start);
    const end = offsetOf(starts, mutant.location.end);
    const inside = ranges.find((r) => r.start <= start && end <= r.end);
    return { ...mutant, kind: inside ? inside.kind : "behaviour" };
  });
}

const isSurvivor = (m) => m.status === "Survived" || m.status === "NoCoverage";
const isDetected = (m) => m.status === "Killed" || m.status === "Timeout";

/**
 * The triage of a StrykerJS JSON report: per file and in all, StrykerJS's score, the score of
 * the `behaviour` mutants alone, and the score of those left when the mutants `judgements`
 * cover are set apart too (see mutation-judged.mjs); the counts of each kind, the
 * `behaviour` survivors no judgement covers (survived or without coverage), the judged
 * mutants the suite caught (`contradicted`) and the judgements that cover no mutant of a
 * file the report has (`stale`).
 * @param {{ files: Record<string, { source: string, mutants: object[] }> }} json
 * @param {{ file: string, source?: string, mutator?: string, replacement?: string, verdict: string, reason: string }[]} [judgements]
 */
export function triage(json, judgements = []) {
  const used = new Set();
  const contradicted = [];
  const every = [];
  const files = Object.entries(json.files).map(([file, { source, mutants }]) => {
    const lines = source.split("\n");
    const describe = (m) => ({
      file,
      line: m.location.start.line,
      column: m.location.start.column,
      mutator: m.mutatorName,
      status: m.status,
      original: lines[m.location.start.line - 1].trim().slice(0, 100),
      replacement: String(m.replacement ?? "").slice(0, 100),
    });
    const classified = classify(source, mutants).map((m) => {
      if (m.kind !== "behaviour") return m;
      const line = lines[m.location.start.line - 1] ?? "";
      const judgement = judgements.find((j) => covers(j, file, line, m));
      if (judgement === undefined) return m;
      used.add(judgement);
      if (isDetected(m)) contradicted.push({ ...describe(m), judgement });
      return { ...m, kind: "judged", verdict: judgement.verdict };
    });
    every.push(...classified);
    const behaviour = classified.filter((m) => m.kind === "behaviour" || m.kind === "judged");
    return {
      file,
      all: score(mutants),
      behaviour: score(behaviour),
      unjudged: score(classified.filter((m) => m.kind === "behaviour")),
      log: classified.filter((m) => m.kind === "log").length,
      message: classified.filter((m) => m.kind === "message").length,
      judged: classified.filter((m) => m.kind === "judged").length,
      survivors: classified.filter((m) => m.kind === "behaviour" && isSurvivor(m)).map(describe),
    };
  });
  const inReport = new Set(Object.keys(json.files));
  const byVerdict = (verdict) => every.filter((m) => m.verdict === verdict).length;
  return {
    files,
    all: score(every),
    behaviour: score(every.filter((m) => m.kind === "behaviour" || m.kind === "judged")),
    unjudged: score(every.filter((m) => m.kind === "behaviour")),
    log: every.filter((m) => m.kind === "log").length,
    message: every.filter((m) => m.kind === "message").length,
    judged: { equivalent: byVerdict("equivalent"), outsideContract: byVerdict("outside-contract") },
    contradicted,
    stale: judgements.filter((j) => inReport.has(j.file) && !used.has(j)),
  };
}

const pct = (s) => `${s.score.toFixed(2).padStart(6)} % (${s.detected}/${s.valid})`;

/** The value after `flag` in `flags`, or undefined. */
function option(flags, flag) {
  const at = flags.indexOf(flag);
  return at < 0 ? undefined : flags[at + 1];
}

function main(argv) {
  const [name, ...flags] = argv;
  if (!name || name.startsWith("--")) {
    console.error(
      "usage: node scripts/mutation-triage.mjs <report name or .json path> [--list] " +
        "[--judged <judged.json>|none] [--save <records.json>] [--compare <records or report .json>]",
    );
    return 2;
  }
  const root = fileURLToPath(new URL("..", import.meta.url));
  const path = name.endsWith(".json") ? resolve(name) : `${root}/reports/mutation/${name}.json`;
  const judgedPath = option(flags, "--judged") ?? `${root}/stryker/judged.json`;
  const judgements =
    judgedPath === "none" || !existsSync(judgedPath) ? [] : loadJudgements(judgedPath);
  const report = JSON.parse(readFileSync(path, "utf8"));
  const result = triage(report, judgements);
  const { equivalent, outsideContract } = result.judged;
  console.log(`${path}`);
  console.log(`  StrykerJS's score (every mutant):            ${pct(result.all)}`);
  console.log(`  behaviour mutants only:                      ${pct(result.behaviour)}`);
  console.log(`  and judged survivors left out too:           ${pct(result.unjudged)}`);
  console.log(`  left out: ${result.log} in log calls, ${result.message} in error messages`);
  console.log(
    `  judged (${judgements.length === 0 ? "no judgements" : judgedPath}): ` +
      `${equivalent} equivalent, ${outsideContract} outside the contract`,
  );
  console.log(
    "  by file (StrykerJS's score | behaviour only | judged left out | log, message, judged):",
  );
  for (const f of [...result.files].sort((a, b) => a.unjudged.score - b.unjudged.score)) {
    console.log(
      `    ${f.file.padEnd(56)} ${pct(f.all)} | ${pct(f.behaviour)} | ${pct(f.unjudged)} | ` +
        `${f.log}, ${f.message}, ${f.judged}`,
    );
  }
  for (const c of result.contradicted) {
    console.log(
      `  CONTRADICTED: ${c.file}:${c.line} ${c.mutator} ${c.status}, judged ${c.judgement.verdict} ` +
        `(${c.judgement.reason.slice(0, 80)}): ${c.original} -> ${c.replacement}`,
    );
  }
  for (const j of result.stale) {
    console.log(`  STALE judgement (covers no mutant): ${JSON.stringify(j).slice(0, 160)}`);
  }
  if (flags.includes("--list")) {
    console.log(
      "  unjudged behaviour survivors (file:line:column mutator status: source line -> replacement):",
    );
    for (const f of result.files) {
      for (const s of f.survivors) {
        console.log(
          `    ${s.file}:${s.line}:${s.column} ${s.mutator} ${s.status}: ${s.original} -> ${s.replacement}`,
        );
      }
    }
  }
  const save = option(flags, "--save");
  if (save !== undefined) {
    writeFileSync(save, `${JSON.stringify({ report: path, records: mutantRecords(report) })}\n`);
    console.log(`  saved ${mutantRecords(report).length} mutant records to ${save}`);
  }
  const against = option(flags, "--compare");
  if (against !== undefined) {
    const diff = compareRecords(
      recordsOf(JSON.parse(readFileSync(against, "utf8"))),
      mutantRecords(report),
    );
    console.log(
      `  against ${against}: ${diff.caught.length} caught now and not before, ` +
        `${diff.lost.length} caught before and not now; ` +
        `${diff.onlyNow} mutants only in this run, ${diff.onlyBefore} only in that one`,
    );
    for (const [label, list] of [
      ["caught now", diff.caught],
      ["LOST", diff.lost],
    ]) {
      for (const m of list) {
        console.log(
          `    ${label}: ${m.file}:${m.line} ${m.mutator} ${m.before} -> ${m.status}: ` +
            `${m.original.slice(0, 80)} -> ${m.replacement.slice(0, 60)}`,
        );
      }
    }
  }
  return result.contradicted.length > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
