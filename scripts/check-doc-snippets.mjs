#!/usr/bin/env node
// Type-checks every TypeScript code block of README.md and docs/*.md in a strict consumer
// project, against the built packages' types as a user gets them (`dist/*.d.ts` through each
// package's `exports`, resolved from integration/node_modules, with `module: nodenext`).
//
// A block opens with ```ts or ```typescript. A block that is deliberately partial (a fragment
// of a class, an option shown out of context) opens with ```ts nocheck: it is skipped and
// counted. Each checked block is its own ES module (top-level await allowed), except one that
// opens with ```ts continued: it goes on the module of the previous checked block of its file.
// A block that opens with ```ts run is also run (`runDocSnippets`): transpiled, then run by
// node in the same consumer project; it must exit 0 within a minute.
//
// Usage: node scripts/check-doc-snippets.mjs   (build the packages first: pnpm run build)
// Exit code 1 and one line per error (file:line of the markdown) when a block does not compile.
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The compiler options of the consumer project the blocks are checked in. */
export const SNIPPET_COMPILER_OPTIONS = {
  strict: true,
  noEmit: true,
  target: "es2022",
  module: "nodenext",
  moduleResolution: "nodenext",
  lib: ["es2023", "dom"],
  types: ["node"],
  // client-node's own types import `ws` (TS7016 without @types/ws): docs/simulators.md says so.
  skipLibCheck: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
};

const OPENING = /^(\s*)```(ts|typescript)(?:\s+(.*))?\s*$/;

/**
 * The TypeScript blocks of one markdown text.
 *
 * @param {string} text
 * @returns {{ line: number, code: string, nocheck: boolean, continued: boolean, run: boolean, info: string }[]} `line` is the
 *   1-based line of the block's first code line.
 */
export function extractBlocks(text) {
  const lines = text.split("\n");
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPENING.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    const info = (open[3] ?? "").trim();
    const body = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++)
      body.push(lines[j].slice(indent));
    blocks.push({
      line: i + 2,
      code: body.join("\n"),
      nocheck: /\bnocheck\b/.test(info),
      continued: /\bcontinued\b/.test(info),
      run: /\brun\b/.test(info),
      info,
    });
    i = j;
  }
  return blocks;
}

/** The markdown files whose blocks are checked: README.md and docs/*.md. */
export function documentationFiles() {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => join(root, "docs", name));
  return [join(root, "README.md"), ...docs];
}

/**
 * Type-checks the blocks of `files` (default: {@link documentationFiles}).
 *
 * @param {{ files?: string[], sources?: { name: string, text: string }[] }} [options]
 *   `sources` replaces reading `files` (for tests of the checker itself).
 * @returns {{ checked: number, skipped: { file: string, line: number }[], errors: string[] }}
 */
export function checkDocSnippets(options = {}) {
  const sources =
    options.sources ??
    (options.files ?? documentationFiles()).map((file) => ({
      name: relative(root, file),
      text: readFileSync(file, "utf8"),
    }));
  // A consumer project: ESM, with the packages (and @types/node, client-node) of the
  // integration package, whose @provisionkit/* links are the workspace packages.
  const dir = consumerProject();
  try {
    mkdirSync(join(dir, "src"));
    const modules = []; // { file, name, segments: { from: module line, line: markdown line }[], code }
    const skipped = [];
    let checked = 0;
    for (const { name, text } of sources) {
      const stem = basename(name, ".md");
      let previous;
      for (const block of extractBlocks(text)) {
        if (block.nocheck) {
          skipped.push({ file: name, line: block.line - 1 });
          continue;
        }
        checked++;
        if (block.continued && previous) {
          // ```ts continued: the same module as the previous checked block of this file.
          previous.segments.push({ from: previous.code.split("\n").length, line: block.line });
          previous.code += `\n${block.code}`;
          continue;
        }
        previous = {
          file: join(dir, "src", `${stem}-${modules.length + 1}.ts`),
          name,
          segments: [{ from: 0, line: block.line }],
          code: block.code,
        };
        modules.push(previous);
      }
    }
    const origin = new Map();
    for (const module of modules) {
      // `export {}` makes every block a module, so that two blocks' names never clash.
      writeFileSync(module.file, `${module.code}\nexport {};\n`);
      origin.set(module.file, module);
    }
    const parsed = ts.convertCompilerOptionsFromJson(SNIPPET_COMPILER_OPTIONS, dir);
    if (parsed.errors.length > 0)
      throw new Error(ts.flattenDiagnosticMessageText(parsed.errors[0].messageText, "\n"));
    const program = ts.createProgram({
      rootNames: modules.map((m) => m.file),
      options: parsed.options,
    });
    const errors = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ");
      const file = diagnostic.file?.fileName;
      const from = file && origin.get(file);
      if (!from || diagnostic.start === undefined) {
        return `${file ? relative(dir, file) : "(options)"}: TS${diagnostic.code}: ${message}`;
      }
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      const segment = from.segments.findLast((s) => s.from <= line) ?? from.segments[0];
      return `${from.name}:${segment.line + line - segment.from}: TS${diagnostic.code}: ${message}`;
    });
    return { checked, skipped, errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A temporary consumer project: ESM, with the integration package's node_modules. */
function consumerProject() {
  const dir = mkdtempSync(join(tmpdir(), "provisionkit-doc-snippets-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  symlinkSync(join(root, "integration", "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * Runs the blocks marked `ts run` of `files` (default: {@link documentationFiles}), one
 * after another, each transpiled to JavaScript and run by node in a consumer project.
 *
 * @param {{ files?: string[], sources?: { name: string, text: string }[], timeoutMs?: number }} [options]
 * @returns {Promise<{ ran: { file: string, line: number, ms: number }[], failures: string[] }>}
 */
export async function runDocSnippets(options = {}) {
  const sources =
    options.sources ??
    (options.files ?? documentationFiles()).map((file) => ({
      name: relative(root, file),
      text: readFileSync(file, "utf8"),
    }));
  const dir = consumerProject();
  const ran = [];
  const failures = [];
  try {
    for (const { name, text } of sources) {
      for (const [index, block] of extractBlocks(text).entries()) {
        if (!block.run || block.nocheck) continue;
        const file = join(dir, `${basename(name, ".md")}-${index + 1}.mjs`);
        const { outputText } = ts.transpileModule(`${block.code}\nexport {};\n`, {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        });
        writeFileSync(file, outputText);
        const started = performance.now();
        try {
          await promisify(execFile)(process.execPath, [file], {
            cwd: dir,
            timeout: options.timeoutMs ?? 60_000,
          });
        } catch (error) {
          const detail = String(error.stderr || error.message)
            .trim()
            .split("\n")
            .slice(0, 3);
          failures.push(`${name}:${block.line - 1}: ${detail.join(" | ")}`);
        }
        ran.push({ file: name, line: block.line - 1, ms: Math.round(performance.now() - started) });
      }
    }
    return { ran, failures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { checked, skipped, errors } = checkDocSnippets();
  for (const error of errors) console.error(error);
  const { ran, failures } = await runDocSnippets();
  for (const failure of failures) console.error(failure);
  console.log(
    `doc snippets: ${ran.length} blocks run (${ran.map((r) => `${r.file}:${r.line} ${r.ms} ms`).join(", ")}), ${failures.length} failed`,
  );
  console.log(
    `doc snippets: ${checked} TypeScript blocks type-checked, ${skipped.length} marked nocheck` +
      (skipped.length ? ` (${skipped.map((s) => `${s.file}:${s.line}`).join(", ")})` : "") +
      `, ${errors.length} errors`,
  );
  process.exitCode = errors.length + failures.length > 0 ? 1 : 0;
}
