/**
 * What the CLI tests share: an in-memory `CliIo`, and a temporary directory per test.
 */
import { mkdtemp, rm } from "node:fs/promises";
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

/**
 * Runs the command on `args`, expecting a usage error: exit code 2, nothing on standard
 * output, and on standard error `provisionkit-conformance: <message>` followed by the usage.
 * Resolves to the message.
 */
export async function usageError(args: string[]): Promise<string> {
  const io = capture();
  expect(await main(args, io)).toBe(2);
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
