#!/usr/bin/env node
/**
 * The `provisionkit-conformance` executable.
 *
 * @module
 */
import { main } from "./main.js";

/**
 * How long the process may stay up once the reports are written, ms: a provider call that
 * ignored its AbortSignal (L1) may hold a socket or a timer open forever; the exit code and
 * the reports are final, so the command exits anyway.
 */
const EXIT_GRACE_MS = 1_000;

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `provisionkit-conformance: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
