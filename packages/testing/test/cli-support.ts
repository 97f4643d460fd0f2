/**
 * What the CLI tests share: an in-memory `CliIo`, and a temporary directory per test.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { expect } from "vitest";
import { USAGE } from "../src/cli/args.js";
import { main, type CliIo } from "../src/cli/main.js";

/** The conformance modules the CLI tests load. */
export const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

/** A `CliIo` that keeps what the command wrote. */
export function capture(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (text: string) => void (io.stdout += text),
    err: (text: string) => void (io.stderr += text),
  };
  return io;
}

/** What a run of the command did. */
export interface CliRun {
  /** The exit code. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command on `args` with captured output. */
export async function runCli(args: string[]): Promise<CliRun> {
  const io = capture();
  const code = await main(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/**
 * Runs the command on `args` plus `--json report.json --junit junit.xml --html report.html`
 * in a fresh temporary directory; `read` reads a file of that directory.
 */
export async function runCliWithReports(
  args: string[],
): Promise<CliRun & { read: (file: string) => Promise<string> }> {
  const dir = await tempDir();
  const reports = ["--json", "report.json", "--junit", "junit.xml", "--html", "report.html"];
  const run = await runCli([
    ...args,
    ...reports.map((arg) => (arg.startsWith("--") ? arg : join(dir, arg))),
  ]);
  return { ...run, read: (file) => readFile(join(dir, file), "utf8") };
}

/**
 * Runs the command on `args`, expecting a usage error: exit code 2, nothing on standard
 * output, and on standard error `provisionkit-conformance: <message>` followed by the usage.
 * Resolves to the message.
 */
export async function usageError(args: string[]): Promise<string> {
  const io = await runCli(args);
  expect(io.code).toBe(2);
  expect(io.stdout).toBe("");
  const tail = `\n\n${USAGE}\n`;
  expect(io.stderr.endsWith(tail)).toBe(true);
  expect(USAGE).toMatch(/^Usage: provisionkit-conformance/);
  const message = io.stderr.slice(0, -tail.length);
  expect(message).toMatch(/^provisionkit-conformance: /);
  return message;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pk-cli-"));
  dirs.push(dir);
  return dir;
}
