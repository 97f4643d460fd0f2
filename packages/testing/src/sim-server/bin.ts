#!/usr/bin/env node
/**
 * The `provisionkit-sim` executable.
 *
 * @module
 */
import { simMain } from "./main.js";

/** How long the process may stay up once stopped, ms (a client's lingering socket, say). */
const EXIT_GRACE_MS = 2_000;

simMain(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ error: { code: "internal", message: error instanceof Error ? error.message : String(error) } })}\n`,
    );
    process.exitCode = 1;
  },
);
