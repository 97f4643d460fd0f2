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
// kinds left out of both sides, whatever their status), by file, then with `--list` each
// remaining survivor: those are the ones to judge one by one (equivalent, outside the
// contract for another reason, or a blind spot of the suite).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { URL, fileURLToPath } from "node:url";
import ts from "typescript";
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

/**
 * The triage of a StrykerJS JSON report: per file and in all, StrykerJS's score and the
 * score of the `behaviour` mutants alone, with the counts of each kind and the `behaviour`
 * survivors (survived or without coverage).
 * @param {{ files: Record<string, { source: string, mutants: object[] }> }} json
 */
export function triage(json) {
  const files = Object.entries(json.files).map(([file, { source, mutants }]) => {
    const lines = source.split("\n");
    const classified = classify(source, mutants);
    const behaviour = classified.filter((m) => m.kind === "behaviour");
    const survivors = behaviour
      .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
      .map((m) => ({
        file,
        line: m.location.start.line,
        mutator: m.mutatorName,
        status: m.status,
        original: lines[m.location.start.line - 1].trim().slice(0, 100),
        replacement: String(m.replacement ?? "").slice(0, 100),
      }));
    return {
      file,
      all: score(mutants),
      behaviour: score(behaviour),
      log: classified.filter((m) => m.kind === "log").length,
      message: classified.filter((m) => m.kind === "message").length,
      survivors,
    };
  });
  const every = Object.values(json.files).flatMap(({ source, mutants }) =>
    classify(source, mutants),
  );
  return {
    files,
    all: score(every),
    behaviour: score(every.filter((m) => m.kind === "behaviour")),
    log: every.filter((m) => m.kind === "log").length,
    message: every.filter((m) => m.kind === "message").length,
  };
}

const pct = (s) => `${s.score.toFixed(2).padStart(6)} % (${s.detected}/${s.valid})`;

function main(argv) {
  const [name, ...flags] = argv;
  if (!name) {
    console.error("usage: node scripts/mutation-triage.mjs <report name or .json path> [--list]");
    return 2;
  }
  const root = fileURLToPath(new URL("..", import.meta.url));
  const path = name.endsWith(".json") ? resolve(name) : `${root}/reports/mutation/${name}.json`;
  const result = triage(JSON.parse(readFileSync(path, "utf8")));
  console.log(`${path}`);
  console.log(`  StrykerJS's score (every mutant):            ${pct(result.all)}`);
  console.log(`  behaviour mutants only:                      ${pct(result.behaviour)}`);
  console.log(`  left out: ${result.log} in log calls, ${result.message} in error messages`);
  console.log("  by file (StrykerJS's score | behaviour only | log, message):");
  for (const f of [...result.files].sort((a, b) => a.behaviour.score - b.behaviour.score)) {
    console.log(
      `    ${f.file.padEnd(56)} ${pct(f.all)} | ${pct(f.behaviour)} | ${f.log}, ${f.message}`,
    );
  }
  if (flags.includes("--list")) {
    console.log("  behaviour survivors (file:line mutator status: source line -> replacement):");
    for (const f of result.files) {
      for (const s of f.survivors) {
        console.log(
          `    ${s.file}:${s.line} ${s.mutator} ${s.status}: ${s.original} -> ${s.replacement}`,
        );
      }
    }
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
